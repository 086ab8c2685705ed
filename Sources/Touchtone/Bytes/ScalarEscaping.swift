extension StringProtocol {
    /// The text with each Unicode scalar that `replacement` has text for replaced by that
    /// text, the others kept: the one loop of the escapers that write text for people
    /// (diagram labels, values quoted in messages).
    package func replacingScalars(_ replacement: (Unicode.Scalar) -> String?) -> String {
        var result = ""
        result.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            if let text = replacement(scalar) {
                result += text
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

extension StringProtocol {
    /// The text as a value shown in a one-line message (a log line, an error): between
    /// `quote`s, cut after `limit` characters (then `…`), the quote and `\` escaped, and
    /// whatever could break or disguise the line written as an escape: line breaks and tabs
    /// as `\n`, `\r`, `\t`, other control and format characters (bidi overrides among
    /// them), line separators and white space other than a space as `\u{XXXX}`. A hostile
    /// value can neither fill the log nor move the reader's cursor.
    ///
    /// `"a\u{1B}[2J".quotedForMessage()` is `"a\u{001B}[2J"`, quotes included.
    package func quotedForMessage(limit: Int = 60, quote: String = "\"") -> String {
        let head = String(String.UnicodeScalarView(unicodeScalars.prefix(limit)))
        var shown = head.replacingScalars { scalar in
            switch scalar {
            case "\\": return "\\\\"
            case "\n": return "\\n"
            case "\r": return "\\r"
            case "\t": return "\\t"
            default:
                if !quote.isEmpty, quote.unicodeScalars.contains(scalar) { return "\\" + String(scalar) }
                let properties = scalar.properties
                guard
                    properties.generalCategory == .control || properties.generalCategory == .format
                        || (properties.isWhitespace && scalar != " ")
                else { return nil }
                let digits = String(scalar.value, radix: 16, uppercase: true)
                return "\\u{" + String(repeating: "0", count: Swift.max(0, 4 - digits.count)) + digits + "}"
            }
        }
        if unicodeScalars.count > limit { shown += "…" }
        return quote + shown + quote
    }
}
