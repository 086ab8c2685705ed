import Touchtone

/// Reads JSON values from the bytes of one line, front to back, without building them:
/// strings come back as bytes (escapes decoded into a scratch buffer only when there are
/// any), numbers as integers when they are whole, everything else can be skipped. Every
/// method returns `nil` or `false` on bytes that are not JSON, and then the line is not
/// understood.
struct JSONCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    /// Where decoded strings go: at least as long as `bytes` (a decoded string is never
    /// longer than its JSON), reused by each ``string()``.
    let scratch: UnsafeMutableBufferPointer<UInt8>
    var position = 0

    /// Nesting deeper than this is refused (foreign lines cannot make the skip recurse without end).
    static let maxDepth = 32

    /// A JSON number: an integer when it is whole and fits, otherwise only known to be a number.
    enum Number: Equatable {
        case integer(Int)
        case other
    }

    var isAtEnd: Bool { position >= bytes.count }

    /// The next byte, or 0 at the end.
    var next: UInt8 { position < bytes.count ? bytes[position] : 0 }

    mutating func skipSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): position += 1
            default: return
            }
        }
    }

    /// Steps over `byte` (after white space) when it comes next.
    mutating func consume(_ byte: UInt8) -> Bool {
        skipSpace()
        guard next == byte else { return false }
        position += 1
        return true
    }

    /// The string that starts here, decoded: a view of the line or of the scratch buffer,
    /// valid until the next call.
    mutating func string() -> UnsafeBufferPointer<UInt8>? {
        skipSpace()
        guard next == UInt8(ascii: "\"") else { return nil }
        position += 1
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return UnsafeBufferPointer(rebasing: bytes[start..<position - 1])
            }
            if byte == UInt8(ascii: "\\") { return escapedString(from: start) }
            if byte < 0x20 { return nil }
            position += 1
        }
        return nil
    }

    /// The rest of a string with escapes, from `start` (the byte after the opening quote).
    private mutating func escapedString(from start: Int) -> UnsafeBufferPointer<UInt8>? {
        var length = position - start
        guard scratch.count >= bytes.count else { return nil }
        for i in 0..<length { scratch[i] = bytes[start + i] }
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return UnsafeBufferPointer(rebasing: scratch[0..<length])
            case UInt8(ascii: "\\"):
                guard let scalar = escape() else { return nil }
                for unit in UTF8.encode(scalar)! {
                    scratch[length] = unit
                    length += 1
                }
            case 0..<0x20:
                return nil
            default:
                scratch[length] = byte
                length += 1
            }
        }
        return nil
    }

    /// The character of the escape after a backslash: `\n`, `\"`, `\u00e9`, a surrogate
    /// pair; a lone surrogate is U+FFFD.
    private mutating func escape() -> Unicode.Scalar? {
        guard position < bytes.count else { return nil }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return Unicode.Scalar(byte)
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            guard let unit = hex4() else { return nil }
            if (0xD800..<0xDC00).contains(unit), next == UInt8(ascii: "\\"), position + 1 < bytes.count,
                bytes[position + 1] == UInt8(ascii: "u")
            {
                let save = position
                position += 2
                if let low = hex4(), (0xDC00..<0xE000).contains(low) {
                    return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                }
                position = save
            }
            return Unicode.Scalar(unit) ?? "\u{FFFD}"
        default:
            return nil
        }
    }

    private mutating func hex4() -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = Hex.value(bytes[position]) else { return nil }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// The number that starts here (JSON's grammar: no leading zeros, no `+`, no bare `.`).
    mutating func number() -> Number? {
        skipSpace()
        let negative = next == UInt8(ascii: "-")
        if negative { position += 1 }
        var value = 0
        var digits = 0
        if next == UInt8(ascii: "0") {
            position += 1
            digits = 1
        } else {
            while ASCII.isDigit(next) {
                if digits < 18 { value = value * 10 + Int(next - UInt8(ascii: "0")) }
                digits += 1
                position += 1
            }
            guard digits > 0 else { return nil }
        }
        var whole = digits <= 18
        if next == UInt8(ascii: ".") {
            position += 1
            guard skipDigits() else { return nil }
            whole = false
        }
        if next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
            position += 1
            if next == UInt8(ascii: "+") || next == UInt8(ascii: "-") { position += 1 }
            guard skipDigits() else { return nil }
            whole = false
        }
        return whole ? .integer(negative ? -value : value) : .other
    }

    /// One or more digits.
    private mutating func skipDigits() -> Bool {
        let start = position
        while ASCII.isDigit(next) { position += 1 }
        return position > start
    }

    /// `true`, `false` or `null`.
    enum Literal: Equatable {
        case `true`, `false`, null
    }

    /// The literal that comes next, if one does.
    mutating func literal() -> Literal? {
        skipSpace()
        if matches("true") {
            position += 4
            return .true
        }
        if matches("false") {
            position += 5
            return .false
        }
        if matches("null") {
            position += 4
            return .null
        }
        return nil
    }

    private func matches(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        return ASCII.equalBytes(UnsafeBufferPointer(rebasing: bytes[position..<position + count]), word)
    }

    /// Steps over one value of any kind (objects and arrays at most ``maxDepth`` deep).
    mutating func skipValue(depth: Int = 0) -> Bool {
        skipSpace()
        switch next {
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number() != nil
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"): return literal() != nil
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            guard depth < Self.maxDepth else { return false }
            let isObject = next == UInt8(ascii: "{")
            position += 1
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            if consume(close) { return true }
            repeat {
                if isObject { guard string() != nil, consume(UInt8(ascii: ":")) else { return false } }
                guard skipValue(depth: depth + 1) else { return false }
            } while consume(UInt8(ascii: ","))
            return consume(close)
        default: return false
        }
    }
}
