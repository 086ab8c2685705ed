import Touchtone

/// Reads a sipgate.io XML answer back into a `Response`, checking it against sipgate's
/// grammar (`response.xsd`) on the way, without `xmllint` or any XML library.
///
/// The flow-testing kit uses it to hold every answer a flow produces to the grammar, and to
/// turn the XML of a live server back into the typed answer it meant to send.
///
/// ```swift
/// switch SipgateXML.parse(body) {
/// case .success(let response): print(response.final as Any)
/// case .failure(let error): print(error)   // every problem, one a line
/// }
/// ```
///
/// What it reads is a strict subset of XML 1.0 (see the limits below); a document that is
/// not well-formed yields one problem, `line L, column C: …`, since XML parsing stops at the
/// first error. A well-formed document is then checked completely and yields every grammar
/// problem, each naming where it is as a path: `Response/Play[2]/Url: …` (an index appears
/// when its parent holds more than one element of that name; `/@name` names an attribute).
///
/// Decisions where the schema leaves room:
/// - Values are read as a schema validator reads them: URLs (`xs:anyURI`) and numbers
///   (`xs:positiveInteger`) have their white space collapsed, so `<Url> https://a/b.wav </Url>`
///   and `maxDigits=" 3 "` are valid; E.164 numbers and the keywords (`dtmf`, `true`,
///   `busy`, …) are `xs:string`s and must match exactly.
/// - `xs:positiveInteger` allows a leading `+` and leading zeros (`"+007"` is 7), so they are
///   accepted; Touchtone's renderer never writes them. Values above `Int.max` are refused,
///   as `xmllint` refuses them too.
/// - URLs are held to `AbsoluteURL`, which checks the schema's `https?://[^\s]+` plus what
///   an `anyURI` validator checks (a host, a numeric port, `%` escapes); it is stricter than
///   the schema in refusing URLs over `AbsoluteURL.maxLength` bytes and non-ASCII white
///   space or control characters.
/// - Elements of empty content (`Hangup`, `Reject`, `Voicemail`) may hold comments but no
///   text at all, not even white space, as the schema says (and `xmllint` agrees).
/// - CDATA sections are accepted and read as text inside `Url` and `Number`; elsewhere they
///   are refused even when they hold only white space, as `xmllint` refuses them. DOCTYPE, processing instructions and
///   namespaces are refused (`xmlns` counts as an unknown attribute); sipgate answers use none.
/// - Input is bounded: over 1 MiB of UTF-8 or elements nested deeper than 16 are refused,
///   and at most ``maxProblems`` problems are listed.
///
/// `problems(in:)` is empty exactly when `parse(_:)` succeeds.
public enum SipgateXML {
    /// The largest answer read, in UTF-8 bytes (1 MiB).
    public static let maxInputBytes = MiniXML.maxInputBytes
    /// The deepest nesting of elements read; sipgate's grammar needs 4.
    public static let maxDepth = MiniXML.maxDepth
    /// The most problems listed; any more are summed up in one last line.
    public static let maxProblems = 100

    /// Parses an answer and checks it against the grammar; returns the typed Response or every problem found.
    public static func parse(_ xml: String) -> Result<Response, SipgateXMLError> {
        switch MiniXML.parse(xml) {
        case .failure(let syntaxError):
            return .failure(SipgateXMLError(problems: [syntaxError.description]))
        case .success(let root):
            var check = GrammarCheck()
            let response = check.response(root)
            if let response, check.problems.isEmpty { return .success(response) }
            var problems = check.problems
            if check.omitted > 0 {
                problems.append("… and \(check.omitted) more problem\(check.omitted == 1 ? "" : "s")")
            }
            if problems.isEmpty { problems = ["Response: not representable"] }  // unreachable: every nil comes with a problem
            return .failure(SipgateXMLError(problems: problems))
        }
    }

    /// The grammar problems of an answer (empty when valid).
    public static func problems(in xml: String) -> [String] {
        switch parse(xml) {
        case .success: []
        case .failure(let error): error.problems
        }
    }
}

/// Why an answer is not one sipgate accepts: every problem found, each a readable line
/// that names where it is (see ``SipgateXML``).
public struct SipgateXMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Every problem found, one readable line each, naming where in the answer it is.
    public var problems: [String]

    /// An error listing `problems`.
    public init(problems: [String]) { self.problems = problems }

    /// The problems, one per line.
    public var description: String { problems.joined(separator: "\n") }
}

// MARK: - The grammar

/// Walks a parsed document along `response.xsd`, collecting problems and building the
/// ``Response`` when there are none. Each function returns nil when its part has a problem.
struct GrammarCheck {
    var problems: [String] = []
    var omitted = 0

    /// Every element name the grammar knows, to tell a misplaced element from an unknown one.
    static let knownElements = ["Response", "Play", "Url", "Gather", "Dial", "Number", "Voicemail", "Reject", "Hangup"]
    private static let finalVerbs: Set<String> = ["Gather", "Dial", "Reject", "Hangup"]

    mutating func report(_ path: String, _ message: String) {
        if problems.count < SipgateXML.maxProblems {
            problems.append("\(path): \(message)")
        } else {
            omitted += 1
        }
    }

    mutating func response(_ root: MiniXML.Element) -> Response? {
        guard root.name == "Response" else {
            report(MiniXML.shown(root.name), "the root element must be Response")
            return nil
        }
        let path = "Response"
        let attributes = attributes(of: root, at: path, allowed: ["onAnswer", "onHangup"])
        let onAnswer = attributes["onAnswer"].flatMap { url($0, at: path + "/@onAnswer") }
        let onHangup = attributes["onHangup"].flatMap { url($0, at: path + "/@onHangup") }
        var valid = (attributes["onAnswer"] == nil || onAnswer != nil) && (attributes["onHangup"] == nil || onHangup != nil)

        var plays: [Play] = []
        var final: FinalVerb?
        var finalName: String?
        for (childPath, child) in children(of: root, at: path) {
            if let finalName, child.name == "Play" || GrammarCheck.finalVerbs.contains(child.name) {
                report(path, "\(child.name) after \(finalName)")
                valid = false
            }
            switch child.name {
            case "Play":
                if let play = play(child, at: childPath) { plays.append(play) } else { valid = false }
            case "Gather", "Dial", "Reject", "Hangup":
                let verb = finalVerb(child, at: childPath)
                if finalName == nil {
                    finalName = child.name
                    final = verb
                }
                if verb == nil { valid = false }
            default:
                unexpected(child, at: path)
                valid = false
            }
        }
        guard valid else { return nil }
        return Response(onAnswer: onAnswer, onHangup: onHangup, plays: plays, then: final)
    }

    private mutating func finalVerb(_ element: MiniXML.Element, at path: String) -> FinalVerb? {
        switch element.name {
        case "Gather": gather(element, at: path).map(FinalVerb.gather)
        case "Dial": dial(element, at: path).map(FinalVerb.dial)
        case "Reject": reject(element, at: path).map(FinalVerb.reject)
        default: hangup(element, at: path)
        }
    }

    /// `<Play><Url>…</Url></Play>`: exactly one Url.
    private mutating func play(_ element: MiniXML.Element, at path: String) -> Play? {
        _ = attributes(of: element, at: path, allowed: [])
        var urls: [AbsoluteURL?] = []
        var valid = true
        for (childPath, child) in children(of: element, at: path) {
            guard child.name == "Url" else {
                unexpected(child, at: path)
                valid = false
                continue
            }
            _ = attributes(of: child, at: childPath, allowed: [])
            let text = simpleText(of: child, at: childPath)
            urls.append(text.flatMap { url($0, at: childPath) })
        }
        switch urls.count {
        case 0: report(path, "missing Url")
        case 1: break
        default: report(path, "\(urls.count) Url elements, exactly 1")
        }
        guard valid, urls.count == 1, let url = urls[0] else { return nil }
        return Play(url)
    }

    /// `<Gather onData="…" maxDigits="…" timeout="…" type="dtmf">` with at most one Play.
    private mutating func gather(_ element: MiniXML.Element, at path: String) -> Gather? {
        let attributes = attributes(of: element, at: path, allowed: ["onData", "maxDigits", "timeout", "type"])
        var valid = true
        var onData: AbsoluteURL?
        if let text = attributes["onData"] {
            onData = url(text, at: path + "/@onData")
        } else {
            report(path, "missing attribute onData")
        }
        let maxDigits = attributes["maxDigits"].map { positiveInteger($0, at: path + "/@maxDigits") }
        let timeout = attributes["timeout"].map { positiveInteger($0, at: path + "/@timeout") }
        if maxDigits == .some(nil) || timeout == .some(nil) { valid = false }
        if let type = attributes["type"], type != "dtmf" {
            report(path + "/@type", "\(MiniXML.quoted(type)) is not allowed (only dtmf)")
            valid = false
        }
        var plays: [Play?] = []
        for (childPath, child) in children(of: element, at: path) {
            if child.name == "Play" {
                plays.append(play(child, at: childPath))
            } else {
                unexpected(child, at: path)
                valid = false
            }
        }
        if plays.count > 1 { report(path, "\(plays.count) Play elements, at most 1") }
        guard valid, let onData, plays.count <= 1, !plays.contains(where: { $0 == nil }) else { return nil }
        return try? Gather(
            onData: onData, maxDigits: (maxDigits ?? nil) ?? 1, timeoutMilliseconds: (timeout ?? nil) ?? 2000,
            play: plays.first ?? nil)
    }

    /// `<Dial callerId="…" anonymous="true|false">` with 1 to 5 Number or one Voicemail.
    private mutating func dial(_ element: MiniXML.Element, at path: String) -> Dial? {
        let attributes = attributes(of: element, at: path, allowed: ["callerId", "anonymous"])
        var valid = true
        let callerId = attributes["callerId"].map { e164($0, at: path + "/@callerId") }
        if callerId == .some(nil) { valid = false }
        var anonymous: Bool?
        switch attributes["anonymous"] {
        case nil: break
        case "true": anonymous = true
        case "false": anonymous = false
        case let text?:
            report(path + "/@anonymous", "\(MiniXML.quoted(text)) is not allowed (only true or false)")
            valid = false
        }
        var numbers: [E164Number] = []
        var numberCount = 0
        var voicemailCount = 0
        for (childPath, child) in children(of: element, at: path) {
            switch child.name {
            case "Number":
                numberCount += 1
                _ = self.attributes(of: child, at: childPath, allowed: [])
                if let number = simpleText(of: child, at: childPath).flatMap({ e164($0, at: childPath) }) {
                    numbers.append(number)
                } else {
                    valid = false
                }
            case "Voicemail":
                voicemailCount += 1
                if !empty(child, at: childPath) { valid = false }
            default:
                unexpected(child, at: path)
                valid = false
            }
        }
        if numberCount > 0 && voicemailCount > 0 {
            report(path, "Number and Voicemail together (either 1 to 5 Number or one Voicemail)")
        } else if numberCount == 0 && voicemailCount == 0 {
            report(path, "missing Number or Voicemail")
        } else if numberCount > Dial.maxNumbers {
            report(path, "\(numberCount) Number elements, at most \(Dial.maxNumbers)")
        } else if voicemailCount > 1 {
            report(path, "\(voicemailCount) Voicemail elements, at most 1")
        }
        let isVoicemail = voicemailCount == 1 && numberCount == 0
        let isNumbers = voicemailCount == 0 && (1...Dial.maxNumbers).contains(numberCount)
        guard valid, isVoicemail || isNumbers, numberCount == numbers.count else { return nil }
        return try? Dial(isVoicemail ? .voicemail : .numbers(numbers), callerId: callerId ?? nil, anonymous: anonymous)
    }

    /// `<Reject reason="rejected|busy"/>`; the reason defaults to `rejected`.
    private mutating func reject(_ element: MiniXML.Element, at path: String) -> RejectReason? {
        let attributes = attributes(of: element, at: path, allowed: ["reason"])
        var reason = RejectReason.rejected
        var valid = empty(element, at: path, checkAttributes: false)
        if let text = attributes["reason"] {
            if let known = RejectReason(rawValue: text) {
                reason = known
            } else {
                report(path + "/@reason", "\(MiniXML.quoted(text)) is not allowed (only rejected or busy)")
                valid = false
            }
        }
        return valid ? reason : nil
    }

    private mutating func hangup(_ element: MiniXML.Element, at path: String) -> FinalVerb? {
        empty(element, at: path) ? .hangup : nil
    }
}
