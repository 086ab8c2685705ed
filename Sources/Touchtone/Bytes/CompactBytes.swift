// The package's binary encoding for values kept outside the process (a session in Redis,
// an answer kept with it): variable-length integers, length-prefixed text, and digit
// strings packed two to a byte. Readers check every length against what is left and
// answer nil for anything malformed; they never trap on input.

extension Array where Element == UInt8 {
    /// Appends `value` as a variable-length integer: 7 bits per byte, low bits first.
    @inlinable
    package mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        append(UInt8(truncatingIfNeeded: v))
    }

    /// Appends `text` as its UTF-8 length (a varint) and bytes.
    package mutating func appendCompactText(_ text: String) {
        appendVarint(UInt64(text.utf8.count))
        appendUTF8(text)
    }

    /// Appends a string of the digits `0-9` two to a byte, ended by the nibble 0xF; false when
    /// `text` holds anything else (then nothing was appended).
    package mutating func appendPackedDigits(_ text: String) -> Bool {
        guard text.utf8.allSatisfy(ASCII.isDigit) else { return false }
        var pending: UInt8? = nil
        for byte in text.utf8 {
            let nibble = byte &- UInt8(ascii: "0")
            if let high = pending {
                append(high << 4 | nibble)
                pending = nil
            } else {
                pending = nibble
            }
        }
        // An odd count ends in the last byte's low nibble; an even one takes a byte of its own.
        append((pending ?? 0xF) << 4 | 0xF)
        return true
    }
}

/// Reads what the `appendVarint`, `appendCompactText` and `appendPackedDigits` writers wrote.
package struct CompactReader {
    private let bytes: [UInt8]
    package private(set) var position: Int

    package init(_ bytes: [UInt8], from position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    package var isAtEnd: Bool { position >= bytes.count }

    package mutating func byte() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    /// A varint of at most 10 bytes whose value fits 64 bits.
    package mutating func varint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while let byte = byte() {
            guard shift < 64, shift < 63 || byte <= 1 else { return nil }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }

    /// A varint that fits `T`.
    package mutating func integer<T: FixedWidthInteger>(_: T.Type = T.self) -> T? {
        varint().flatMap { T(exactly: $0) }
    }

    /// `count` bytes.
    package mutating func bytes(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, count <= bytes.count - position else { return nil }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    /// Length-prefixed UTF-8 text; nil when it is not valid UTF-8.
    package mutating func text() -> String? {
        guard let count = integer(Int.self), let slice = bytes(count) else { return nil }
        return slice.withUnsafeBufferPointer { String(checkingUTF8: $0) }
    }

    /// A packed digit string.
    package mutating func packedDigits() -> String? {
        var text = [UInt8]()
        while let byte = byte() {
            let (high, low) = (byte >> 4, byte & 0xF)
            if high == 0xF { return low == 0xF ? String(decoding: text, as: UTF8.self) : nil }
            guard high <= 9 else { return nil }
            text.append(UInt8(ascii: "0") + high)
            if low == 0xF { return String(decoding: text, as: UTF8.self) }
            guard low <= 9 else { return nil }
            text.append(UInt8(ascii: "0") + low)
        }
        return nil
    }
}
