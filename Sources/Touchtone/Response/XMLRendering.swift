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
        render(into: &out, turn: nil)
    }

    /// Appends the XML of this answer to `out`, with `t=turn` added to each callback URL
    /// (`onAnswer`, `onHangup`, `onData`) when `turn` is given.
    func render(into out: inout [UInt8], turn: UInt32?) {
        if let rendered {
            rendered.write(turn: turn, into: &out)
            return
        }
        var marks = TurnMarks(turn.map(TurnMarks.Mode.write) ?? .none)
        render(into: &out, marks: &marks)
    }

    /// The XML with the place of the turn in each callback URL recorded, for an answer
    /// rendered in advance.
    func renderTemplate(verb: AnswerVerb) -> RenderedXML {
        var out = [UInt8]()
        var marks = TurnMarks(.record)
        render(into: &out, marks: &marks)
        return RenderedXML(bytes: out, turnSlots: marks.slots, verb: verb)
    }

    private func render(into out: inout [UInt8], marks: inout TurnMarks) {
        out.append(contentsOf: XMLText.declaration)
        out.appendLiteral("<Response")
        if let onAnswer { XMLText.callback("onAnswer", onAnswer, marks: &marks, into: &out) }
        if let onHangup { XMLText.callback("onHangup", onHangup, marks: &marks, into: &out) }
        guard !plays.isEmpty || final != nil else {
            out.appendLiteral("/>")
            return
        }
        out.append(UInt8(ascii: ">"))
        for play in plays { play.render(into: &out) }
        switch final {
        case nil: break
        case .gather(let gather): gather.render(into: &out, marks: &marks)
        case .dial(let dial): dial.render(into: &out)
        case .reject(let reason):
            out.appendLiteral("<Reject")
            XMLText.attribute("reason", reason.rawValue, into: &out)
            out.appendLiteral("/>")
        case .hangup: out.appendLiteral("<Hangup/>")
        }
        out.appendLiteral("</Response>")
    }
}

extension Play {
    func render(into out: inout [UInt8]) {
        out.appendLiteral("<Play><Url>")
        out.appendXMLEscaped(url.text)
        out.appendLiteral("</Url></Play>")
    }
}

extension Gather {
    fileprivate func render(into out: inout [UInt8], marks: inout TurnMarks) {
        out.appendLiteral("<Gather")
        XMLText.callback("onData", onData, marks: &marks, into: &out)
        XMLText.attribute("maxDigits", maxDigits, into: &out)
        XMLText.attribute("timeout", timeoutMilliseconds, into: &out)
        out.appendLiteral(" type=\"dtmf\"")
        if let play {
            out.append(UInt8(ascii: ">"))
            play.render(into: &out)
            out.appendLiteral("</Gather>")
        } else {
            out.appendLiteral("/>")
        }
    }
}

extension Dial {
    func render(into out: inout [UInt8]) {
        out.appendLiteral("<Dial")
        if let callerId { XMLText.attribute("callerId", callerId.digits, into: &out) }
        if let anonymous { XMLText.attribute("anonymous", anonymous ? "true" : "false", into: &out) }
        out.append(UInt8(ascii: ">"))
        switch target {
        case .voicemail:
            out.appendLiteral("<Voicemail/>")
        case .numbers(let numbers):
            for number in numbers {
                out.appendLiteral("<Number>")
                out.appendXMLEscaped(number.digits)
                out.appendLiteral("</Number>")
            }
        }
        out.appendLiteral("</Dial>")
    }
}

/// Attributes shared by every element; text goes through the byte kit's XML escaping.
enum XMLText {
    static let declaration = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".utf8)

    /// ` name="value"`, the value escaped.
    static func attribute(_ name: StaticString, _ value: String, into out: inout [UInt8]) {
        open(name, into: &out)
        out.appendXMLEscaped(value)
        out.append(UInt8(ascii: "\""))
    }

    /// ` name="url"`, with the turn mark at the end of the URL.
    fileprivate static func callback(_ name: StaticString, _ url: AbsoluteURL, marks: inout TurnMarks, into out: inout [UInt8]) {
        open(name, into: &out)
        out.appendXMLEscaped(url.text)
        marks.mark(after: url, in: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// ` name="value"`.
    static func attribute(_ name: StaticString, _ value: Int, into out: inout [UInt8]) {
        open(name, into: &out)
        out.appendDecimal(value)
        out.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private static func open(_ name: StaticString, into out: inout [UInt8]) {
        out.append(UInt8(ascii: " "))
        out.appendLiteral(name)
        out.appendLiteral("=\"")
    }
}
