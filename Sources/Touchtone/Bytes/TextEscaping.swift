extension Array where Element == UInt8 {
    /// Appends `text` for XML text or a quoted attribute value: `& < > " '` become their
    /// entities.
    @inlinable
    package mutating func appendXMLEscaped(_ text: String) {
        appendEscaping(text) { byte, out in
            switch byte {
            case UInt8(ascii: "&"): out.appendLiteral("&amp;")
            case UInt8(ascii: "<"): out.appendLiteral("&lt;")
            case UInt8(ascii: ">"): out.appendLiteral("&gt;")
            case UInt8(ascii: "\""): out.appendLiteral("&quot;")
            case UInt8(ascii: "'"): out.appendLiteral("&apos;")
            default: return false
            }
            return true
        }
    }

    /// Appends `text` as a JSON string, quotes included; `escapingDelete` for a log line
    /// (see ``appendLogEscaped(_:)``).
    @inlinable
    package mutating func appendJSONString(_ text: String, escapingDelete: Bool = false) {
        append(UInt8(ascii: "\""))
        if escapingDelete { appendLogEscaped(text) } else { appendJSONEscaped(text) }
        append(UInt8(ascii: "\""))
    }

    /// Appends `text` escaped for the inside of a JSON string, as `JSONEncoder` writes it:
    /// `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, every other control character below 0x20
    /// (ESC among them, so no terminal sequence reaches a log) as `\u00XX`; `/` as it is.
    @inlinable
    package mutating func appendJSONEscaped(_ text: String) {
        appendEscaping(text, Self.jsonEscape)
    }

    /// Appends `text` escaped for the inside of a log line's JSON string: as for JSON, and
    /// DEL as `\u007f` too, so that no control character reaches a terminal.
    @inlinable
    package mutating func appendLogEscaped(_ text: String) {
        appendEscaping(text) { byte, out in
            guard byte == 0x7F else { return Self.jsonEscape(byte, &out) }
            out.appendLiteral("\\u007f")
            return true
        }
    }

    /// Writes the JSON escape of `byte`, if it needs one.
    @inlinable
    package static func jsonEscape(_ byte: UInt8, _ out: inout [UInt8]) -> Bool {
        switch byte {
        case UInt8(ascii: "\""): out.appendLiteral("\\\"")
        case UInt8(ascii: "\\"): out.appendLiteral("\\\\")
        case UInt8(ascii: "\n"): out.appendLiteral("\\n")
        case UInt8(ascii: "\r"): out.appendLiteral("\\r")
        case UInt8(ascii: "\t"): out.appendLiteral("\\t")
        case 0x08: out.appendLiteral("\\b")
        case 0x0C: out.appendLiteral("\\f")
        case 0..<0x20:
            out.appendLiteral("\\u00")
            out.appendHex(byte)
        default: return false
        }
        return true
    }

    /// Appends `text`, each byte that `escape` writes an escape for (returning true)
    /// replaced by it, the runs between them copied in one piece each.
    @inlinable
    package mutating func appendEscaping(_ text: String, _ escape: (UInt8, inout [UInt8]) -> Bool) {
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            var escaped: [UInt8] = []  // allocated at the first escape only, then reused
            for i in 0..<bytes.count {
                escaped.removeAll(keepingCapacity: true)
                guard escape(bytes[i], &escaped) else { continue }
                append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                append(contentsOf: escaped)
                runStart = i + 1
            }
            append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
    }
}
