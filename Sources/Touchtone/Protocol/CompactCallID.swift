/// How a ``CallID`` keeps its bytes: a string of 1 to 78 hex digits of one case (sipgate's
/// are 78 upper-case ones) packed two digits to a byte inline, any other string as it is.
///
/// Whether and how a string is packed depends on its bytes alone, so equal strings are
/// stored alike and two callIds compare byte for byte.
enum CompactCallID: Sendable {
    case packed(PackedHex)
    case string(String)

    init(_ text: String) {
        var text = text
        if let packed = text.withUTF8({ PackedHex(utf8: $0) }) {
            self = .packed(packed)
        } else {
            self = .string(text)
        }
    }

    init(validUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        if let packed = PackedHex(utf8: bytes) {
            self = .packed(packed)
        } else {
            self = .string(String(decoding: bytes, as: UTF8.self))
        }
    }

    var string: String {
        switch self {
        case .packed(let packed): packed.string
        case .string(let text): text
        }
    }

    /// The number of UTF-8 bytes, counted without spelling a packed id out.
    var utf8Count: Int {
        switch self {
        case .packed(let packed): packed.digitCount
        case .string(let text): text.utf8.count
        }
    }

    /// Whether both are the same UTF-8 bytes (the store's notion of the same call).
    func isSameKey(as other: CompactCallID) -> Bool {
        switch (self, other) {
        case (.packed(let a), .packed(let b)): return a == b
        case (.string(var a), .string(var b)):
            // Contiguous bytes compared at once (the UTF-8 views would go byte by byte).
            guard a.utf8.count == b.utf8.count else { return false }
            return a.withUTF8 { x in b.withUTF8 { y in x.elementsEqual(y) } }
        default: return false  // a string that packs is always packed
        }
    }

    /// Feeds the key's bytes (packed: its five words) to `hasher`.
    func combine(into hasher: inout Hasher) {
        switch self {
        case .packed(let packed):
            hasher.combine(packed.w0)
            hasher.combine(packed.w1)
            hasher.combine(packed.w2)
            hasher.combine(packed.w3)
            hasher.combine(packed.w4)
        case .string(var text):
            hasher.combine(1 as UInt8)  // apart from any packed key
            text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }

    /// A hash of the key's bytes, seeded per process (Hasher): callers cannot aim at a
    /// shard or a slot.
    var keyHash: UInt64 {
        var hasher = Hasher()
        combine(into: &hasher)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    /// Up to 78 hex digits of one case, two to a byte (high nibble first) in bytes 0...38;
    /// byte 39 holds the digit count and, in its top bit, whether the letters are lower case.
    struct PackedHex: Sendable, Hashable {
        var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0, w4: UInt64 = 0

        static let maxDigits = 78

        init?(utf8: UnsafeBufferPointer<UInt8>) {
            let count = utf8.count
            guard count >= 1 && count <= Self.maxDigits, let base = utf8.baseAddress else { return nil }
            var packed = PackedHex()
            // Eight digits at a time in one word (SWAR), then the tail one by one.
            var letters = Letters()
            let fits = withUnsafeMutableBytes(of: &packed) { raw -> Bool in
                var i = 0
                while i + 8 <= count {
                    let word = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                    guard let four = Self.pack8(word, &letters) else { return false }
                    raw.storeBytes(of: four.littleEndian, toByteOffset: i >> 1, as: UInt32.self)
                    i += 8
                }
                while i < count {
                    guard let nibble = Self.nibble(base[i], &letters) else { return false }
                    raw[i >> 1] |= i & 1 == 0 ? nibble << 4 : nibble
                    i += 1
                }
                return true
            }
            guard fits, !(letters.upper && letters.lower) else { return nil }
            withUnsafeMutableBytes(of: &packed) { $0[39] = UInt8(count) | (letters.lower ? 0x80 : 0) }
            self = packed
        }

        /// Which cases of `A-F` the digits so far used.
        struct Letters {
            var upper = false
            var lower = false
        }

        @inline(__always)
        static func nibble(_ byte: UInt8, _ letters: inout Letters) -> UInt8? {
            switch byte {
            case 0x30...0x39: return byte &- 0x30
            case 0x41...0x46:
                letters.upper = true
                return byte &- 0x41 &+ 10
            case 0x61...0x66:
                letters.lower = true
                return byte &- 0x61 &+ 10
            default: return nil
            }
        }

        /// Eight hex digits (the first in the low byte) as four packed bytes (the first
        /// in the low byte, high nibble first), or nil when one of them is not a hex digit.
        @inline(__always)
        static func pack8(_ word: UInt64, _ letters: inout Letters) -> UInt32? {
            let high: UInt64 = 0x8080_8080_8080_8080
            let ones: UInt64 = 0x0101_0101_0101_0101
            guard word & high == 0 else { return nil }
            // For bytes below 0x80: x >= lo sets a byte's top bit in x + (0x80 - lo), x > hi in
            // x + (0x7F - hi); neither sum carries into the next byte.
            func within(_ lo: UInt64, _ hi: UInt64) -> UInt64 {
                ((word &+ (0x80 &- lo) &* ones) & ~(word &+ (0x7F &- hi) &* ones)) & high
            }
            let digit = within(0x30, 0x39)
            let upper = within(0x41, 0x46)
            let lower = within(0x61, 0x66)
            guard digit | upper | lower == high else { return nil }
            if upper != 0 { letters.upper = true }
            if lower != 0 { letters.lower = true }
            // A digit's value is its low nibble; a letter's is its low nibble + 9.
            let nibbles = (word & 0x0F0F_0F0F_0F0F_0F0F) &+ ((upper | lower) >> 7) &* 9
            // Each 16-bit lane (two digits) becomes one byte: first digit high, second low.
            var lanes = ((nibbles & 0x00FF_00FF_00FF_00FF) << 4) | ((nibbles >> 8) & 0x00FF_00FF_00FF_00FF)
            lanes = (lanes | (lanes >> 8)) & 0x0000_FFFF_0000_FFFF
            lanes = (lanes | (lanes >> 16)) & 0xFFFF_FFFF
            return UInt32(truncatingIfNeeded: lanes)
        }

        private init() {}

        func appendUTF8(to out: inout [UInt8]) {
            // Spelt out on the stack and appended at once: appended one by one, every digit
            // would check the array's room again.
            withUnsafeTemporaryAllocation(byteCount: Self.spellingRoom, alignment: 8) { buffer in
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[..<spell(into: buffer)]))
            }
        }

        var string: String {
            withUnsafeTemporaryAllocation(byteCount: Self.spellingRoom, alignment: 8) { buffer in
                String(decoding: UnsafeRawBufferPointer(rebasing: buffer[..<spell(into: buffer)]), as: UTF8.self)
            }
        }

        /// The number of digits.
        var digitCount: Int {
            var copy = self
            return withUnsafeBytes(of: &copy) { Int($0[39] & 0x7F) }
        }

        /// The room ``spell(into:)`` needs: 78 digits, rounded up to eight at a time.
        private static var spellingRoom: Int { 80 }

        /// Writes the digits into `buffer` (``spellingRoom`` bytes), eight at a time from
        /// four packed bytes, and returns their count; bytes past the count are garbage.
        private func spell(into buffer: UnsafeMutableRawBufferPointer) -> Int {
            var copy = self
            return withUnsafeBytes(of: &copy) { raw in
                let count = Int(raw[39] & 0x7F)
                // A letter's digit is its nibble + '0' + this (nibbles 10-15 -> A-F or a-f).
                let letterShift: UInt64 = raw[39] & 0x80 != 0 ? 0x61 - 0x3A : 0x41 - 0x3A
                var digit = 0
                while digit < count {
                    let four = raw.loadUnaligned(fromByteOffset: digit >> 1, as: UInt32.self)
                    let eight = Self.unpack8(UInt64(UInt32(littleEndian: four)), letterShift: letterShift)
                    buffer.storeBytes(of: eight.littleEndian, toByteOffset: digit, as: UInt64.self)
                    digit += 8
                }
                return count
            }
        }

        /// Four packed bytes (the first in the low byte) as eight hex digits in ASCII (the
        /// first in the low byte): the reverse of ``pack8(_:_:)``.
        @inline(__always)
        static func unpack8(_ four: UInt64, letterShift: UInt64) -> UInt64 {
            let ones: UInt64 = 0x0101_0101_0101_0101
            // Each packed byte into a 16-bit lane of its own, then its high nibble into the
            // lane's low byte (the first digit) and its low nibble into the high byte.
            var lanes = (four | (four << 16)) & 0x0000_FFFF_0000_FFFF
            lanes = (lanes | (lanes << 8)) & 0x00FF_00FF_00FF_00FF
            let nibbles = ((lanes >> 4) & 0x000F_000F_000F_000F) | ((lanes & 0x000F_000F_000F_000F) << 8)
            // A nibble of 10 or more carries into bit 4 when 6 is added; no byte overflows.
            let letters = ((nibbles &+ 6 &* ones) >> 4) & ones
            return nibbles &+ 0x30 &* ones &+ letters &* letterShift
        }
    }
}
