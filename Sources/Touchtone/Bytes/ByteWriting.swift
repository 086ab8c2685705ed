// The package's one place for writing text into byte buffers: answers, HTTP heads, log
// lines and the state file are all written with these, never with a copy of them.

extension Array where Element == UInt8 {
    /// Appends a literal with one copy (a `String`'s UTF-8 view would go byte by byte).
    @inlinable @inline(__always)
    package mutating func appendLiteral(_ literal: StaticString) {
        literal.withUTF8Buffer { append(contentsOf: $0) }
    }

    /// Appends the UTF-8 of `text`, copied whole from its contiguous bytes.
    @inlinable @inline(__always)
    package mutating func appendUTF8(_ text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }

    /// Appends `value` in decimal, with a `-` when it is negative (`Int.min` included).
    @inlinable
    package mutating func appendDecimal(_ value: Int) {
        if value < 0 { append(UInt8(ascii: "-")) }
        // The magnitude, not `-value`: negating `Int.min` traps.
        appendDecimal(value.magnitude)
    }

    /// Appends `value` in decimal.
    @inlinable
    package mutating func appendDecimal(_ value: UInt) {
        // Twenty digits hold any UInt; written back to front, then copied once.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var v = value
        var count = 0
        Swift.withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[23 - count] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
                v /= 10
                count += 1
            } while v > 0
            append(contentsOf: UnsafeRawBufferPointer(rebasing: d[(24 - count)...]))
        }
    }

    /// Appends `byte` as two hex digits, high nibble first.
    @inlinable @inline(__always)
    package mutating func appendHex(_ byte: UInt8, uppercase: Bool = false) {
        append(Hex.digit(byte >> 4, uppercase: uppercase))
        append(Hex.digit(byte & 0xF, uppercase: uppercase))
    }
}

/// Hex digits, both ways.
@usableFromInline
package enum Hex {
    /// The digit of `nibble` (0-15).
    @inlinable @inline(__always)
    package static func digit(_ nibble: UInt8, uppercase: Bool = false) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : (uppercase ? UInt8(ascii: "A") : UInt8(ascii: "a")) &+ nibble &- 10
    }

    /// The value of a hex digit of either case, or nil.
    @inlinable @inline(__always)
    package static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
        default: nil
        }
    }
}
