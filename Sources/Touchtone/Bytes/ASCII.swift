/// Checks, compares and names of ASCII bytes, for parsers that read bytes rather than
/// `String`s.
@usableFromInline
package enum ASCII {
    package static let tab = UInt8(ascii: "\t")
    package static let newline = UInt8(ascii: "\n")
    package static let carriageReturn = UInt8(ascii: "\r")
    package static let space = UInt8(ascii: " ")
    package static let quote = UInt8(ascii: "\"")
    package static let apostrophe = UInt8(ascii: "'")
    package static let ampersand = UInt8(ascii: "&")
    package static let percent = UInt8(ascii: "%")
    package static let plus = UInt8(ascii: "+")
    package static let hyphen = UInt8(ascii: "-")
    package static let semicolon = UInt8(ascii: ";")
    package static let lessThan = UInt8(ascii: "<")
    package static let equals = UInt8(ascii: "=")
    package static let greaterThan = UInt8(ascii: ">")
    package static let hash = UInt8(ascii: "#")
    package static let closingBracket = UInt8(ascii: "]")

    /// `0`-`9`.
    @inlinable @inline(__always)
    package static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    /// `A`-`Z` as `a`-`z`; every other byte as it is.
    @inlinable @inline(__always)
    package static func lowercase(_ byte: UInt8) -> UInt8 {
        byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
    }

    /// Whether `bytes` spell `lower` (written in lower case) without regard to ASCII case.
    @inlinable
    package static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ lower: StaticString) -> Bool {
        guard bytes.count == lower.utf8CodeUnitCount else { return false }
        return lower.withUTF8Buffer { expected in
            for i in 0..<expected.count where lowercase(bytes[i]) != expected[i] { return false }
            return true
        }
    }

    /// Whether two byte buffers hold the same bytes; short ones (keys, names) are compared
    /// a word or two at a time, overlapping, without reading outside either buffer.
    @inlinable @inline(__always)
    package static func equalBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = a.count
        guard count == b.count else { return false }
        guard let first = a.baseAddress, let second = b.baseAddress else { return count == 0 }
        let p = UnsafeRawPointer(first)
        let q = UnsafeRawPointer(second)
        switch count {
        case 8...16:
            return p.loadUnaligned(as: UInt64.self) == q.loadUnaligned(as: UInt64.self)
                && p.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
                    == q.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
        case 4...7:
            return p.loadUnaligned(as: UInt32.self) == q.loadUnaligned(as: UInt32.self)
                && p.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
                    == q.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
        case 2...3:
            return p.loadUnaligned(as: UInt16.self) == q.loadUnaligned(as: UInt16.self)
                && p.loadUnaligned(fromByteOffset: count &- 2, as: UInt16.self)
                    == q.loadUnaligned(fromByteOffset: count &- 2, as: UInt16.self)
        case 1:
            return first[0] == second[0]
        case 0:
            return true
        default:
            for index in 0..<count where first[index] != second[index] { return false }
            return true
        }
    }

    /// Whether `bytes` are the bytes of `literal`.
    @inlinable @inline(__always)
    package static func equalBytes(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        equalBytes(bytes, UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}
