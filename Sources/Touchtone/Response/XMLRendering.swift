extension Response {
    /// The answer as sipgate reads it: an XML declaration and one `Response` element,
    /// every text and attribute value escaped.
    public var xml: String { String(decoding: xmlBytes, as: UTF8.self) }

    /// The answer as UTF-8 bytes, rendered in one pass into one buffer (an answer rendered
    /// in advance hands out its shared bytes).
    public var xmlBytes: [UInt8] {
        if let rendered { return rendered.bytes }
        var out = [UInt8]()
        out.reserveCapacity(160 + plays.count * 96)
        render(into: &out)
        return out
    }

    /// Appends the XML of this answer to `out`.
    public func render(into out: inout [UInt8]) {
        if let rendered {
            out.append(contentsOf: rendered.bytes)
            return
        }
        out.append(contentsOf: XMLText.declaration)
        XMLText.append("<Response", into: &out)
        if let onAnswer { XMLText.attribute("onAnswer", onAnswer.text, into: &out) }
        if let onHangup { XMLText.attribute("onHangup", onHangup.text, into: &out) }
        guard !plays.isEmpty || final != nil else {
            XMLText.append("/>", into: &out)
            return
        }
        out.append(UInt8(ascii: ">"))
        for play in plays { play.render(into: &out) }
        switch final {
        case nil: break
        case .gather(let gather): gather.render(into: &out)
        case .dial(let dial): dial.render(into: &out)
        case .reject(let reason):
            XMLText.append("<Reject", into: &out)
            XMLText.attribute("reason", reason.rawValue, into: &out)
            XMLText.append("/>", into: &out)
        case .hangup: XMLText.append("<Hangup/>", into: &out)
        }
        XMLText.append("</Response>", into: &out)
    }
}

extension Play {
    func render(into out: inout [UInt8]) {
        XMLText.append("<Play><Url>", into: &out)
        XMLText.escape(url.text, into: &out)
        XMLText.append("</Url></Play>", into: &out)
    }
}

extension Gather {
    func render(into out: inout [UInt8]) {
        XMLText.append("<Gather", into: &out)
        XMLText.attribute("onData", onData.text, into: &out)
        XMLText.attribute("maxDigits", maxDigits, into: &out)
        XMLText.attribute("timeout", timeoutMilliseconds, into: &out)
        XMLText.append(" type=\"dtmf\"", into: &out)
        if let play {
            out.append(UInt8(ascii: ">"))
            play.render(into: &out)
            XMLText.append("</Gather>", into: &out)
        } else {
            XMLText.append("/>", into: &out)
        }
    }
}

extension Dial {
    func render(into out: inout [UInt8]) {
        XMLText.append("<Dial", into: &out)
        if let callerId { XMLText.attribute("callerId", callerId.digits, into: &out) }
        if let anonymous { XMLText.attribute("anonymous", anonymous ? "true" : "false", into: &out) }
        out.append(UInt8(ascii: ">"))
        switch target {
        case .voicemail:
            XMLText.append("<Voicemail/>", into: &out)
        case .numbers(let numbers):
            for number in numbers {
                XMLText.append("<Number>", into: &out)
                XMLText.escape(number.digits, into: &out)
                XMLText.append("</Number>", into: &out)
            }
        }
        XMLText.append("</Dial>", into: &out)
    }
}

/// XML escaping shared by every element: the five predefined entities.
enum XMLText {
    static let declaration = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".utf8)

    /// Appends a literal with one copy (a String's UTF-8 view would go byte by byte).
    @inline(__always)
    static func append(_ literal: StaticString, into out: inout [UInt8]) {
        literal.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    static func attribute(_ name: StaticString, _ value: String, into out: inout [UInt8]) {
        attribute(name, into: &out) { escape(value, into: &$0) }
    }

    static func attribute(_ name: StaticString, _ value: Int, into out: inout [UInt8]) {
        attribute(name, into: &out) { appendDecimal(value, into: &$0) }
    }

    /// ` name="value"`, the value written by `writeValue`.
    @inline(__always)
    private static func attribute(_ name: StaticString, into out: inout [UInt8], _ writeValue: (inout [UInt8]) -> Void) {
        out.append(UInt8(ascii: " "))
        append(name, into: &out)
        append("=\"", into: &out)
        writeValue(&out)
        out.append(UInt8(ascii: "\""))
    }

    static func appendDecimal(_ value: Int, into out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        // The magnitude, not `-value`: negating `Int.min` traps.
        appendDecimal(value.magnitude, into: &out)
    }

    static func appendDecimal(_ value: UInt, into out: inout [UInt8]) {
        if value >= 10 { appendDecimal(value / 10, into: &out) }
        out.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    /// Writes `text` with `& < > " '` replaced by their entities, copying the runs between
    /// them in one piece each.
    static func escape(_ text: String, into out: inout [UInt8]) {
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
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                append(entity, into: &out)
                runStart = i + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
    }
}
