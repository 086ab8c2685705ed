import Touchtone

/// What the caller gets after one step, as typed values: the prompts played (by name) and
/// what happens next. Built from a sipgate answer; compare it in tests.
///
/// ```swift
/// .prompts("welcome", "main-menu")                      // then waits for 1 key, 5 s
/// .prompts("pin-prompt", waitingFor: 5, timeout: .seconds(8))
/// .dial("4915799912345", after: "connecting")
/// .voicemail(after: "after-hours")
/// .reject(.busy)
/// ```
public struct CallerHears: Sendable, Hashable, CustomStringConvertible {
    /// Prompt names in the order played (the file name without `.wav`).
    public var prompts: [String]
    /// What happens after the prompts: a wait for keys, a transfer, voicemail, a reject, a hang-up, or nothing.
    public var then: Next

    /// What happens after the prompts.
    public enum Next: Sendable, Hashable {
        /// A `Gather`: the call waits for up to `digits` keys, `timeout` after the prompt.
        case waitsForKeys(digits: Int, timeout: Duration)
        /// A `Dial` to numbers.
        case dial(numbers: [String], callerId: String?, anonymous: Bool?)
        /// A `Dial` to voicemail: the caller can leave a message.
        case voicemail
        /// A `Reject`: the caller hears a busy signal (`.busy`) or the call is refused (`.rejected`).
        case reject(RejectReason)
        /// A `Hangup`: the call ends.
        case hangup
        /// No final verb: sipgate carries on as if there were no push (the call rings).
        case carriesOn
    }

    /// An expectation from its parts; the static builders (``prompts(_:waitingFor:timeout:)`` and others) read better in tests.
    public init(prompts: [String], then: Next) {
        self.prompts = prompts
        self.then = then
    }

    /// The language the prompts are in (`/audio/de/...`); `nil` for prompts of one set
    /// (`/audio/NAME.wav`), and in an expectation, any language.
    public var language: String?

    /// This expectation, in language `code`: the prompts must come from `Audio/<code>/`.
    ///
    /// ```swift
    /// await call.press("9", hears: .prompts("main-menu").in("en"))
    /// ```
    public func `in`(_ code: String) -> CallerHears {
        var copy = self
        copy.language = code
        return copy
    }

    /// Whether the caller heard `heard` as this expectation says: its language checked only when stated.
    public func matches(_ heard: CallerHears) -> Bool {
        var heard = heard
        if language == nil { heard.language = nil }
        return self == heard
    }

    /// Reads a sipgate answer.
    public init(_ response: Response) {
        var plays = response.plays
        switch response.final {
        case .gather(let gather):
            if let play = gather.play { plays.append(play) }
            then = .waitsForKeys(digits: gather.maxDigits, timeout: .milliseconds(gather.timeoutMilliseconds))
        case .dial(let dial):
            switch dial.target {
            case .voicemail: then = .voicemail
            case .numbers(let numbers):
                then = .dial(numbers: numbers.map(\.digits), callerId: dial.callerId?.digits, anonymous: dial.anonymous)
            }
        case .reject(let reason): then = .reject(reason)
        case .hangup: then = .hangup
        case nil: then = .carriesOn
        }
        prompts = plays.flatMap { ComposedPrompt.promptNames(inURL: $0.url.text) }
        language = plays.lazy.compactMap { ComposedPrompt.language(inURL: $0.url.text) }.first
    }

    // MARK: Building expectations

    /// Prompts, then a wait for keys (a menu turn: 1 key, 5 s by default).
    public static func prompts(_ names: String..., waitingFor digits: Int = 1, timeout: Duration = .seconds(5)) -> CallerHears {
        CallerHears(prompts: names, then: .waitsForKeys(digits: digits, timeout: timeout))
    }

    /// A transfer, after optional prompts.
    public static func dial(_ numbers: String..., callerId: String? = nil, anonymous: Bool? = nil, after prompts: String...) -> CallerHears
    {
        CallerHears(prompts: prompts, then: .dial(numbers: numbers, callerId: callerId, anonymous: anonymous))
    }

    /// Voicemail, after optional prompts.
    public static func voicemail(after prompts: String...) -> CallerHears { CallerHears(prompts: prompts, then: .voicemail) }

    /// A rejected call (busy signal or refusal), after optional prompts.
    public static func reject(_ reason: RejectReason = .rejected, after prompts: String...) -> CallerHears {
        CallerHears(prompts: prompts, then: .reject(reason))
    }

    /// A hang-up, after optional prompts.
    public static func hangup(after prompts: String...) -> CallerHears { CallerHears(prompts: prompts, then: .hangup) }

    /// An empty answer (the reply to `answer` and `hangup` events, or a call no route takes).
    public static let nothing = CallerHears(prompts: [], then: .carriesOn)

    // MARK: Text

    /// One transcript line: `play welcome, main-menu   (waiting for 1 digit, 5 s)`; prompts of
    /// a language say which: `play [de] welcome, main-menu`.
    public var description: String {
        var parts: [String] = []
        if !prompts.isEmpty { parts.append("play " + (language.map { "[\($0)] " } ?? "") + prompts.joined(separator: ", ")) }
        switch then {
        case .waitsForKeys(let digits, let timeout):
            let wait = "(waiting for \(digits) digit\(digits == 1 ? "" : "s"), \(CallerHears.seconds(timeout)))"
            let head = parts.isEmpty ? "wait" : parts.joined()
            return head.padding(toAtLeast: 28) + " " + wait
        case .dial(let numbers, let callerId, let anonymous):
            var dial = "dial " + numbers.joined(separator: ", ")
            if let callerId { dial += " (caller id \(callerId))" }
            if let anonymous { dial += anonymous ? " (anonymous)" : " (number shown)" }
            parts.append(dial)
        case .voicemail: parts.append("voicemail")
        case .reject(let reason): parts.append("reject \(reason.rawValue)")
        case .hangup: parts.append("hang up")
        case .carriesOn: if parts.isEmpty { parts.append("(nothing: the call carries on)") }
        }
        return parts.joined(separator: ", then ")
    }

    static func seconds(_ duration: Duration) -> String {
        let ms = duration.wholeMilliseconds
        return ms % 1000 == 0 ? "\(ms / 1000) s" : "\(Double(ms) / 1000) s"
    }
}

extension String {
    func padding(toAtLeast width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
