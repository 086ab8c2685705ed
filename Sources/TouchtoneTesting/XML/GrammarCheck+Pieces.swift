import Touchtone

/// The pieces every verb is read with: attributes, children, text, URLs, numbers.
extension GrammarCheck {
    /// The attributes of `element` by name; reports every attribute not in `allowed`.
    mutating func attributes(of element: MiniXML.Element, at path: String, allowed: [String]) -> [String: String] {
        var found: [String: String] = [:]
        for attribute in element.attributes {
            if allowed.contains(attribute.name) {
                found[attribute.name] = attribute.value
            } else {
                report(path, "unknown attribute \(MiniXML.shown(attribute.name))")
            }
        }
        return found
    }

    /// The child elements of an element-only `element` (`Response`, `Play`, `Gather`, `Dial`),
    /// each with its path; reports text other than white space.
    mutating func children(of element: MiniXML.Element, at path: String) -> [(String, MiniXML.Element)] {
        var counts: [String: Int] = [:]
        for case .element(let child) in element.children { counts[child.name, default: 0] += 1 }
        var seen: [String: Int] = [:]
        var result: [(String, MiniXML.Element)] = []
        for node in element.children {
            switch node {
            case .text(let text):
                if !text.utf8.allSatisfy(MiniXML.isWhitespace) {
                    report(path, "unexpected text \(MiniXML.quoted(collapsed(text)))")
                }
            case .cdata(let text):
                report(path, "unexpected CDATA section \(MiniXML.quoted(text))")
            case .element(let child):
                seen[child.name, default: 0] += 1
                let name = MiniXML.shown(child.name)
                let index = (counts[child.name] ?? 0) > 1 ? "[\(seen[child.name] ?? 0)]" : ""
                result.append(("\(path)/\(name)\(index)", child))
            }
        }
        return result
    }

    /// The text of a simple-typed element (`Url`, `Number`); reports child elements.
    mutating func simpleText(of element: MiniXML.Element, at path: String) -> String? {
        var text = ""
        var valid = true
        for node in element.children {
            switch node {
            case .text(let part), .cdata(let part): text += part
            case .element(let child):
                unexpected(child, at: path)
                valid = false
            }
        }
        return valid ? text : nil
    }

    /// Checks an element of empty content: no attributes (unless checked by the caller),
    /// no elements, no text at all.
    mutating func empty(_ element: MiniXML.Element, at path: String, checkAttributes: Bool = true) -> Bool {
        var valid = true
        if checkAttributes {
            valid = element.attributes.isEmpty
            _ = attributes(of: element, at: path, allowed: [])
        }
        for node in element.children {
            switch node {
            case .text(let text), .cdata(let text): report(path, "must be empty, found text \(MiniXML.quoted(text))")
            case .element(let child): report(path, "must be empty, found element \(MiniXML.shown(child.name))")
            }
            valid = false
        }
        return valid
    }

    /// Reports an element that may not stand where it is.
    mutating func unexpected(_ element: MiniXML.Element, at parentPath: String) {
        let name = MiniXML.shown(element.name)
        if GrammarCheck.knownElements.contains(element.name) {
            report(parentPath, "unexpected element \(name)")
        } else if let similar = GrammarCheck.knownElements.first(where: { $0.lowercased() == element.name.lowercased() }) {
            report(parentPath, "unknown element \(name) (did you mean \(similar)?)")
        } else {
            report(parentPath, "unknown element \(name)")
        }
    }

    /// An `AbsoluteURL`-typed value: white space collapsed as for `xs:anyURI`, then held to ``AbsoluteURL``.
    mutating func url(_ text: String, at path: String) -> AbsoluteURL? {
        let value = collapsed(text)
        do {
            return try AbsoluteURL(value)
        } catch {
            report(
                path,
                "\(MiniXML.quoted(value, limit: 80)) is not an absolute http(s) URL: \(reason(error, after: " is not an absolute http(s) URL: "))"
            )
            return nil
        }
    }

    /// An `E164`-typed value (an `xs:string`: no white space is removed).
    mutating func e164(_ text: String, at path: String) -> E164Number? {
        guard let number = try? E164Number(text) else {
            report(path, "\(MiniXML.quoted(text)) is not an E.164 number (2 to 15 digits, the first not 0, optionally after a '+')")
            return nil
        }
        return number
    }

    /// An `xs:positiveInteger`: collapsed, an optional sign, decimal digits, at least 1.
    mutating func positiveInteger(_ text: String, at path: String) -> Int? {
        let value = collapsed(text)
        var digits = Substring(value).utf8
        if digits.first == UInt8(ascii: "+") || digits.first == UInt8(ascii: "-") { digits = digits.dropFirst() }
        let isInteger = !digits.isEmpty && digits.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        var number = 0
        var overflow = false
        for digit in digits where isInteger {
            let (times10, o1) = number.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            if o1 || o2 {
                overflow = true
                break
            }
            number = sum
        }
        guard isInteger, value.utf8.first != UInt8(ascii: "-"), overflow || number >= 1 else {
            report(path, "\(MiniXML.quoted(value)) is not a positive integer")
            return nil
        }
        guard !overflow else {
            report(path, "\(MiniXML.quoted(value)) is too large (at most \(Int.max))")
            return nil
        }
        return number
    }

    /// The schema's `whiteSpace="collapse"`: runs of XML white space become one space, none at the ends.
    func collapsed(_ text: String) -> String {
        var bytes: [UInt8] = []
        var pendingSpace = false
        for byte in text.utf8 {
            if MiniXML.isWhitespace(byte) {
                pendingSpace = !bytes.isEmpty
            } else {
                if pendingSpace { bytes.append(UInt8(ascii: " ")) }
                pendingSpace = false
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The part of a ``ResponseError`` after `marker`: the reason without the echoed value,
    /// which the problem quotes itself (escaped). The last match, as only the value can contain the marker.
    func reason(_ error: ResponseError, after marker: String) -> String {
        let text = Array(error.description.utf8)
        let pattern = Array(marker.utf8)
        var start = text.count - pattern.count
        while start >= 0 {
            if text[start..<(start + pattern.count)].elementsEqual(pattern) {
                return String(decoding: text[(start + pattern.count)...], as: UTF8.self)
            }
            start -= 1
        }
        return error.description
    }
}
