/// The 64-bit FNV-1a hash: small, fast for short keys, and the same in every process and
/// build (unlike Swift's seeded `Hasher`). For A/B shares, ETags and the report's name
/// table; not for anything secret.
package struct FNV1a {
    package private(set) var value: UInt64

    /// A hash of nothing yet, or one that goes on from `start` (a salt hashed earlier).
    package init(_ start: UInt64 = 0xcbf2_9ce4_8422_2325) { value = start }

    /// Adds one byte.
    package mutating func add(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0100_0000_01b3
    }

    /// Adds `bytes`, in order.
    package mutating func add(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { add(byte) }
    }
}
