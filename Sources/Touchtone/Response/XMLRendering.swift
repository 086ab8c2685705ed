extension Response {
    /// The answer as sipgate reads it: an XML declaration and one `Response` element,
    /// every text and attribute value escaped.
    public var xml: String { String(decoding: xmlBytes, as: UTF8.self) }

    /// The answer as UTF-8 bytes, rendered in one pass into one buffer.
    public var xmlBytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(160 + plays.count * 96)
        render(into: &out)
        return out
    }

    /// Appends the XML of this answer to `out`.
    public func render(into out: inout [UInt8]) {
        out.append(contentsOf: XMLText.declaration)
        out.append(contentsOf: "<Response".utf8)
        if let onAnswer { XMLText.attribute("onAnswer", onAnswer.text, into: &out) }
        if let onHangup { XMLText.attribute("onHangup", onHangup.text, into: &out) }
        guard !plays.isEmpty || final != nil else {
            out.append(contentsOf: "/>".utf8)
            return
        }
        out.append(UInt8(ascii: ">"))
        for play in plays { play.render(into: &out) }
        switch final {
        case nil: break
        case .gather(let gather): gather.render(into: &out)
        case .dial(let dial): dial.render(into: &out)
        case .reject(let reason):
            out.append(contentsOf: "<Reject".utf8)
            XMLText.attribute("reason", reason.rawValue, into: &out)
            out.append(contentsOf: "/>".utf8)
        case .hangup: out.append(contentsOf: "<Hangup/>".utf8)
        }
        out.append(contentsOf: "</Response>".utf8)
    }
}

extension Play {
    func render(into out: inout [UInt8]) {
        out.append(contentsOf: "<Play><Url>".utf8)
        XMLText.escape(url.text, into: &out)
        out.append(contentsOf: "</Url></Play>".utf8)
    }
}

extension Gather {
    func render(into out: inout [UInt8]) {
        out.append(contentsOf: "<Gather".utf8)
        XMLText.attribute("onData", onData.text, into: &out)
        XMLText.attribute("maxDigits", maxDigits, into: &out)
        XMLText.attribute("timeout", timeoutMilliseconds, into: &out)
        out.append(contentsOf: " type=\"dtmf\"".utf8)
        if let play {
            out.append(UInt8(ascii: ">"))
            play.render(into: &out)
            out.append(contentsOf: "</Gather>".utf8)
        } else {
            out.append(contentsOf: "/>".utf8)
        }
    }
}

extension Dial {
    func render(into out: inout [UInt8]) {
        out.append(contentsOf: "<Dial".utf8)
        if let callerId { XMLText.attribute("callerId", callerId.digits, into: &out) }
        if let anonymous { XMLText.attribute("anonymous", anonymous ? "true" : "false", into: &out) }
        out.append(UInt8(ascii: ">"))
        switch target {
        case .voicemail:
            out.append(contentsOf: "<Voicemail/>".utf8)
        case .numbers(let numbers):
            for number in numbers {
                out.append(contentsOf: "<Number>".utf8)
                XMLText.escape(number.digits, into: &out)
                out.append(contentsOf: "</Number>".utf8)
            }
        }
        out.append(contentsOf: "</Dial>".utf8)
    }
}

/// XML escaping shared by every element: the five predefined entities.
enum XMLText {
    static let declaration = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".utf8)

    static func attribute(_ name: StaticString, _ value: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: " "))
        name.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(contentsOf: "=\"".utf8)
        escape(value, into: &out)
        out.append(UInt8(ascii: "\""))
    }

    static func attribute(_ name: StaticString, _ value: Int, into out: inout [UInt8]) {
        out.append(UInt8(ascii: " "))
        name.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(contentsOf: "=\"".utf8)
        appendDecimal(value, into: &out)
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

    /// Writes `text` with `& < > " '` replaced by their entities.
    static func escape(_ text: String, into out: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): out.append(contentsOf: "&apos;".utf8)
            default: out.append(byte)
            }
        }
    }
}
