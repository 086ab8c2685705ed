extension Array where Element == UInt8 {
    /// Appends `text` for XML text or a quoted attribute value: `& < > " '` become their
    /// entities, and the runs between them are copied in one piece each.
    @inlinable
    package mutating func appendXMLEscaped(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for i in 0..<bytes.count {
                let entity: StaticString
                switch bytes[i] {
                case UInt8(ascii: "&"): entity = "&amp;"
                case UInt8(ascii: "<"): entity = "&lt;"
                case UInt8(ascii: ">"): entity = "&gt;"
                case UInt8(ascii: "\""): entity = "&quot;"
                case UInt8(ascii: "'"): entity = "&apos;"
                default: continue
                }
                append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                appendLiteral(entity)
                runStart = i + 1
            }
            append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
    }

    /// Appends `text` as a JSON string, quotes included.
    @inlinable
    package mutating func appendJSONString(_ text: String) {
        append(UInt8(ascii: "\""))
        appendJSONEscaped(text)
        append(UInt8(ascii: "\""))
    }

    /// Appends `text` escaped for the inside of a JSON string, as `JSONEncoder` writes it:
    /// `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, every other control character below 0x20
    /// (ESC among them, so no terminal sequence reaches a log) as `\u00XX`; `/` as it is.
    @inlinable
    package mutating func appendJSONEscaped(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for i in 0..<bytes.count {
                let byte = bytes[i]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                runStart = i + 1
                switch byte {
                case UInt8(ascii: "\""): appendLiteral("\\\"")
                case UInt8(ascii: "\\"): appendLiteral("\\\\")
                case UInt8(ascii: "\n"): appendLiteral("\\n")
                case UInt8(ascii: "\r"): appendLiteral("\\r")
                case UInt8(ascii: "\t"): appendLiteral("\\t")
                case 0x08: appendLiteral("\\b")
                case 0x0C: appendLiteral("\\f")
                default:
                    appendLiteral("\\u00")
                    appendHex(byte)
                }
            }
            append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
    }
}
