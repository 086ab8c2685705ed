/// An answer to a sipgate.io push: zero or more ``Play``s, then at most one final verb.
///
/// The shape mirrors sipgate's grammar (`response.xsd`), so a value of this type is always
/// a valid answer: `Play` siblings come first, one ``FinalVerb`` last, and every URL, number
/// and count was checked when its part was built.
///
/// ```swift
/// let menu = try Response(
///     onHangup: AbsoluteURL("https://ivr.example.com/"),
///     then: .gather(Gather(onData: AbsoluteURL("https://ivr.example.com/"),
///                          maxDigits: 1, timeoutMilliseconds: 5000,
///                          play: Play(AbsoluteURL("https://ivr.example.com/audio/menu.wav")))))
/// print(menu.xml)
/// ```
public struct Response: Sendable, Hashable {
    /// The parts of the answer in one box: an answer is copied several times on its way out
    /// (one reference each time, not six), and a copy that changes gets a box of its own.
    private var storage: Storage

    /// Where sipgate POSTs the `answer` event (its answer is discarded).
    public var onAnswer: AbsoluteURL? {
        get { storage.onAnswer }
        set { changing().onAnswer = newValue }
    }
    /// Where sipgate POSTs the `hangup` event (its answer is discarded).
    public var onHangup: AbsoluteURL? {
        get { storage.onHangup }
        set { changing().onHangup = newValue }
    }
    /// Played in order before the final verb; they cannot be interrupted by keys.
    public var plays: [Play] {
        get { storage.plays }
        _modify { yield &changing().plays }
    }
    /// What happens after the plays; `nil` lets the call carry on as if there were no push.
    public var final: FinalVerb? {
        get { storage.final }
        set { changing().final = newValue }
    }
    /// The XML of this answer when it was rendered in advance (a menu's fixed prompt turn);
    /// any change to the answer drops it.
    var rendered: RenderedXML? { storage.rendered }
    /// The final verb for logs and metrics, read without copying the verb: a prepared
    /// answer knows it from when it was rendered.
    var verb: AnswerVerb { storage.rendered?.verb ?? AnswerVerb(self) }
    /// Which shared box this answer is: copies of one prepared answer have the same.
    var identity: ObjectIdentifier { ObjectIdentifier(storage) }

    /// An answer from its parts; each defaults to nothing, and all four left out make the empty `<Response/>`.
    public init(onAnswer: AbsoluteURL? = nil, onHangup: AbsoluteURL? = nil, plays: [Play] = [], then final: FinalVerb? = nil) {
        storage = Storage(onAnswer: onAnswer, onHangup: onHangup, plays: plays, final: final)
    }

    /// The empty `<Response/>`: the answer to `answer` and `hangup` pushes.
    public static let empty = Response().prerendered()

    /// This answer with its XML rendered now: answering with it again copies bytes.
    func prerendered() -> Response {
        var copy = self
        let template = renderTemplate(verb: AnswerVerb(self))
        copy.changing().rendered = template
        return copy
    }

    /// The box, made this value's own before a change, with the rendered XML dropped.
    private mutating func changing() -> Storage {
        if !isKnownUniquelyReferenced(&storage) {
            storage = Storage(onAnswer: storage.onAnswer, onHangup: storage.onHangup, plays: storage.plays, final: storage.final)
        }
        storage.rendered = nil
        return storage
    }

    // Mutated only through `changing()`, that is while one value owns it (copy on write), so
    // no two threads ever see it change.
    private final class Storage: @unchecked Sendable {
        @exclusivity(unchecked) var onAnswer: AbsoluteURL?
        @exclusivity(unchecked) var onHangup: AbsoluteURL?
        @exclusivity(unchecked) var plays: [Play]
        @exclusivity(unchecked) var final: FinalVerb?
        @exclusivity(unchecked) var rendered: RenderedXML?

        init(onAnswer: AbsoluteURL?, onHangup: AbsoluteURL?, plays: [Play], final: FinalVerb?) {
            self.onAnswer = onAnswer
            self.onHangup = onHangup
            self.plays = plays
            self.final = final
        }
    }

    /// Equal when the answers are: whether one was rendered in advance does not matter.
    public static func == (lhs: Response, rhs: Response) -> Bool {
        lhs.storage === rhs.storage
            || (lhs.onAnswer == rhs.onAnswer && lhs.onHangup == rhs.onHangup && lhs.plays == rhs.plays && lhs.final == rhs.final)
    }

    /// Hashes the parts `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(onAnswer)
        hasher.combine(onHangup)
        hasher.combine(plays)
        hasher.combine(final)
    }
}

/// The one verb that ends a response.
public enum FinalVerb: Sendable, Hashable {
    /// Collect keys, after an optional prompt, and POST them to the gather's `onData` URL.
    case gather(Gather)
    /// Send the call on to other numbers or to voicemail.
    case dial(Dial)
    /// Refuse the call, or let the caller hear busy, without answering it.
    case reject(RejectReason)
    /// End the call.
    case hangup
}

/// Why a call is rejected: `Reject reason="..."`.
public enum RejectReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// The call is refused.
    case rejected
    /// The caller hears a busy signal.
    case busy
}

/// `Play`: one sound file (WAV, mono, 16-bit PCM, 8 kHz) from an absolute URL.
public struct Play: Sendable, Hashable {
    /// Where sipgate fetches the WAV file (mono, 16-bit PCM, 8 kHz; any other format plays as silence).
    public var url: AbsoluteURL
    /// Plays the file at `url`.
    public init(_ url: AbsoluteURL) { self.url = url }
}

/// `Gather`: collect keys and POST them as a `dtmf` event to `onData`.
///
/// sipgate knows no finish key and no inter-digit timeout: the push comes after
/// `maxDigits` keys or `timeout` milliseconds of silence after the prompt ended.
public struct Gather: Sendable, Hashable {
    /// Where sipgate POSTs the `dtmf` event with the keys pressed.
    public let onData: AbsoluteURL
    /// At least 1.
    public let maxDigits: Int
    /// Milliseconds, at least 1.
    public let timeoutMilliseconds: Int
    /// The prompt; the first key stops it.
    public let play: Play?

    /// A gather; throws ``ResponseError/invalid(_:)`` when `maxDigits` or `timeoutMilliseconds` is below 1.
    /// The defaults, 1 key and 2000 ms, are sipgate's own; no `play` means no prompt.
    public init(onData: AbsoluteURL, maxDigits: Int = 1, timeoutMilliseconds: Int = 2000, play: Play? = nil) throws(ResponseError) {
        guard maxDigits >= 1 else { throw .invalid("Gather maxDigits must be at least 1, not \(maxDigits)") }
        guard timeoutMilliseconds >= 1 else {
            throw .invalid("Gather timeout must be at least 1 ms, not \(timeoutMilliseconds)")
        }
        self.onData = onData
        self.maxDigits = maxDigits
        self.timeoutMilliseconds = timeoutMilliseconds
        self.play = play
    }
}

/// `Dial`: send the call to 1 to 5 numbers at once, or to voicemail.
public struct Dial: Sendable, Hashable {
    /// Where a `Dial` sends the call.
    public enum Target: Sendable, Hashable {
        /// 1 to 5 E.164 numbers, rung at once.
        case numbers([E164Number])
        /// To voicemail (`<Voicemail/>`); the feature has to be booked at sipgate.
        case voicemail
    }

    /// The numbers to ring, or voicemail.
    public let target: Target
    /// The number the called party sees.
    public let callerId: E164Number?
    /// `true` hides the caller's number, `false` shows it, `nil` leaves the account setting.
    public let anonymous: Bool?

    /// The most numbers sipgate rings at once.
    public static let maxNumbers = 5

    /// A dial; throws ``ResponseError/invalid(_:)`` for an empty list or more than ``maxNumbers`` numbers.
    /// `callerId` and `anonymous` default to nil, which leaves the account settings.
    public init(_ target: Target, callerId: E164Number? = nil, anonymous: Bool? = nil) throws(ResponseError) {
        if case .numbers(let numbers) = target {
            guard !numbers.isEmpty else { throw .invalid("Dial needs at least one number") }
            guard numbers.count <= Dial.maxNumbers else {
                throw .invalid("Dial rings at most \(Dial.maxNumbers) numbers at once, not \(numbers.count)")
            }
        }
        self.target = target
        self.callerId = callerId
        self.anonymous = anonymous
    }

    /// Dial to voicemail; cannot fail.
    public static let voicemail = Dial(unchecked: .voicemail)

    private init(unchecked target: Target) {
        self.target = target
        self.callerId = nil
        self.anonymous = nil
    }
}

/// A telephone number in E.164 form: 2 to 15 digits, no leading zero, optionally a leading `+`.
///
/// sipgate writes numbers without `+`; both are accepted and the text is kept as given.
public struct E164Number: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The number as given, with its `+` if it had one.
    public let digits: String

    /// The number `text`, kept as given; throws ``ResponseError/invalid(_:)`` unless ``isValid(_:)`` accepts it.
    public init(_ text: String) throws(ResponseError) {
        guard E164Number.isValid(text) else {
            throw .invalid("\"\(text.prefix(40))\" is not an E.164 number (2 to 15 digits, the first not 0, optionally after a '+')")
        }
        digits = text
    }

    /// True for `+?[1-9][0-9]{1,14}`.
    public static func isValid(_ text: String) -> Bool {
        var utf8 = Substring(text).utf8
        if utf8.first == UInt8(ascii: "+") { utf8 = utf8.dropFirst() }
        guard (2...15).contains(utf8.count), let first = utf8.first, first >= UInt8(ascii: "1"), first <= UInt8(ascii: "9") else {
            return false
        }
        return utf8.allSatisfy(ASCII.isDigit)
    }

    /// The number as given (``digits``).
    public var description: String { digits }

    /// Decoded from its text, checked as ``init(_:)`` checks it.
    public init(from decoder: any Decoder) throws { self = try checkedText(from: decoder, Self.init) }

    /// Encoded as its text.
    public func encode(to encoder: any Encoder) throws { try digits.encode(to: encoder) }
}

/// An absolute `http` or `https` URL without white space, as sipgate requires for
/// `onData`, `onAnswer`, `onHangup` and `Play`'s `Url`.
///
/// Beyond the scheme and the absence of white space it checks what an XML Schema
/// `anyURI` validator checks (and what a server fetching the URL would trip over): a host,
/// a numeric port, well-formed `%` escapes, `[ ]` only around an IPv6 host, at most one `#`.
/// Non-ASCII text is allowed and written as UTF-8.
public struct AbsoluteURL: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The URL exactly as given.
    public let text: String

    /// The longest URL accepted, in UTF-8 bytes; sipgate's own limits are not documented, so this is generous.
    public static let maxLength = 2048

    /// Accepts `text` as it is (no normalisation) or throws ``ResponseError/invalid(_:)``
    /// quoting the first 80 characters and saying what is wrong.
    public init(_ text: String) throws(ResponseError) {
        if let problem = AbsoluteURL.problem(with: text) {
            throw .invalid("\"\(text.prefix(80))\" is not an absolute http(s) URL: \(problem)")
        }
        self.text = text
    }

    /// True when ``init(_:)`` accepts `text`.
    public static func isValid(_ text: String) -> Bool { problem(with: text) == nil }

    /// Why `text` is not acceptable, or `nil` when it is.
    static func problem(with text: String) -> String? {
        let utf8 = text.utf8
        guard utf8.count <= maxLength else { return "longer than \(maxLength) bytes" }
        // Compared byte by byte: `String.hasPrefix` compares characters, and a combining
        // mark after the second `/` would make it miss the scheme.
        let schemeLength: Int
        if utf8.starts(with: "https://".utf8) {
            schemeLength = 8
        } else if utf8.starts(with: "http://".utf8) {
            schemeLength = 7
        } else {
            return "it must start with http:// or https://"
        }
        for scalar in Substring(text).unicodeScalars.dropFirst(schemeLength) {
            let allowed: Bool
            if scalar.isASCII {
                allowed = scalar.value > 0x20 && scalar.value != 0x7F
            } else {
                let properties = scalar.properties
                allowed = !properties.isWhitespace && properties.generalCategory != .control && !properties.isNoncharacterCodePoint
            }
            if !allowed { return "white space or a control character (U+\(String(scalar.value, radix: 16, uppercase: true)))" }
        }
        let rest = Array(utf8.dropFirst(schemeLength))
        let authorityEnd =
            rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let afterAuthority = rest[authorityEnd...]

        // [userinfo@]host[:port]; the userinfo may itself contain ':'.
        let hostStart = authority.lastIndex(of: UInt8(ascii: "@")).map { $0 + 1 } ?? authority.startIndex
        let userinfo = authority[..<max(authority.startIndex, hostStart - 1)]
        let hostAndPort = authority[hostStart...]
        let host: ArraySlice<UInt8>
        let port: ArraySlice<UInt8>
        if hostAndPort.first == UInt8(ascii: "[") {
            guard let close = hostAndPort.firstIndex(of: UInt8(ascii: "]")) else { return "an IPv6 host without ']'" }
            host = hostAndPort[(hostAndPort.startIndex + 1)..<close]
            let isIPv6Character: (UInt8) -> Bool = { byte in
                byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".") || Hex.value(byte) != nil
            }
            guard !host.isEmpty, host.allSatisfy(isIPv6Character) else { return "a malformed IPv6 host" }
            let tail = hostAndPort[(close + 1)...]
            if tail.isEmpty {
                port = tail
            } else {
                guard tail.first == UInt8(ascii: ":") else { return "text after the IPv6 host" }
                port = tail.dropFirst()
            }
        } else {
            let colon = hostAndPort.firstIndex(of: UInt8(ascii: ":"))
            host = hostAndPort[..<(colon ?? hostAndPort.endIndex)]
            port = colon.map { hostAndPort[($0 + 1)...] } ?? []
            if host.contains(UInt8(ascii: "[")) || host.contains(UInt8(ascii: "]")) { return "'[' or ']' outside an IPv6 host" }
        }
        guard !host.isEmpty else { return "the host is missing" }
        guard port.allSatisfy(ASCII.isDigit) else { return "the port is not a number" }
        // RFC 3986 allows an empty port after ':', but anyURI validators (libxml2) reject it.
        if port.isEmpty && hostAndPort.last == UInt8(ascii: ":") { return "the port is not a number" }
        if userinfo.contains(UInt8(ascii: "[")) || userinfo.contains(UInt8(ascii: "]"))
            || afterAuthority.contains(UInt8(ascii: "[")) || afterAuthority.contains(UInt8(ascii: "]"))
        {
            return "'[' or ']' outside an IPv6 host"
        }
        if afterAuthority.filter({ $0 == UInt8(ascii: "#") }).count > 1 { return "more than one '#'" }
        var index = rest.startIndex
        while index < rest.endIndex {
            if rest[index] == UInt8(ascii: "%") {
                guard index + 2 < rest.endIndex, Hex.value(rest[index + 1]) != nil, Hex.value(rest[index + 2]) != nil else {
                    return "a '%' not followed by two hex digits"
                }
                index += 3
            } else {
                index += 1
            }
        }
        return nil
    }

    /// This URL with `suffix` appended (a path such as `audio/menu.wav`), joined with exactly one `/`.
    public func appending(path suffix: String) throws(ResponseError) -> AbsoluteURL {
        let base = text.hasSuffix("/") ? String(text.dropLast()) : text
        let tail = suffix.hasPrefix("/") ? String(suffix.dropFirst()) : suffix
        return try AbsoluteURL(base + "/" + tail)
    }

    /// The URL as given (``text``).
    public var description: String { text }

    /// Decoded from its text, checked as ``init(_:)`` checks it.
    public init(from decoder: any Decoder) throws { self = try checkedText(from: decoder, Self.init) }

    /// Encoded as its text.
    public func encode(to encoder: any Encoder) throws { try text.encode(to: encoder) }
}

/// A value read from a decoder's text with `make`, which checks it; its error becomes the
/// decoding error, so a bad value in a saved session names what is wrong.
private func checkedText<Value>(from decoder: any Decoder, _ make: (String) throws(ResponseError) -> Value) throws -> Value {
    let text = try decoder.singleValueContainer().decode(String.self)
    do { return try make(text) } catch {
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
    }
}

/// A part of a ``Response`` that sipgate would not accept.
public enum ResponseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A value sipgate would not accept; the text quotes it and says what is wrong.
    case invalid(String)
    /// The text of ``invalid(_:)``.
    public var description: String {
        switch self {
        case .invalid(let reason): reason
        }
    }
}

// Printed and dumped with its parts, as before they moved into a shared box.
extension Response: CustomReflectable {
    /// The parts `onAnswer`, `onHangup`, `plays` and `final`, for `print` and `dump`.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: ["onAnswer": onAnswer as Any, "onHangup": onHangup as Any, "plays": plays, "final": final as Any]
                as KeyValuePairs<String, Any>, displayStyle: .struct)
    }
}
