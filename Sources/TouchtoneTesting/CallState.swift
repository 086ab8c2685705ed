import Touchtone

/// What a flow test sees of a call's session, and asserts changes of.
///
/// Each step of a ``SimulatedCall`` takes a closure that changes the expected state the
/// way the step should; anything that changed and was not asserted fails the test.
///
/// ```swift
/// await call.press("2", hears: .prompts("support-menu")) {
///     $0.state = "supportMenu"
///     $0.trail = ["mainMenu"]
/// }
/// ```
public struct CallState: Sendable, Hashable, CustomStringConvertible {
    /// The flow's current state (empty before the call started).
    public var state: String
    /// Silences in the current state.
    public var noInputs: Int
    /// Wrong keys (or invalid input) in the current state.
    public var wrongKeys: Int
    /// Collected and looked-up values. Sensitive ones hold their real value here (tests
    /// need it) but are masked in transcripts and logs.
    public var variables: [String: String]
    /// The menus "back" returns to, oldest first.
    public var trail: [String]
    /// Whether sipgate reported the call answered.
    public var answered: Bool
    /// True once the flow gave its final answer (transfer, voicemail, reject, hang-up).
    public var finished: Bool
    /// True once the session is gone (hang-up, expiry).
    public var ended: Bool
    /// The flow a hand-off moved the call to (`Step.handOff(to:)`); nil while the call is
    /// in the flow it started in.
    public var handedTo: String?

    /// A state with the given fields; the defaults are those of a call that has not started.
    public init(
        state: String = "", noInputs: Int = 0, wrongKeys: Int = 0, variables: [String: String] = [:],
        trail: [String] = [], answered: Bool = false, finished: Bool = false, ended: Bool = false, handedTo: String? = nil
    ) {
        self.handedTo = handedTo
        self.state = state
        self.noInputs = noInputs
        self.wrongKeys = wrongKeys
        self.variables = variables
        self.trail = trail
        self.answered = answered
        self.finished = finished
        self.ended = ended
    }

    /// The state of a session in `flow`, for a call that started in the flow named `first`.
    init(_ session: Session, flow: CompiledFlow, startedIn first: String?) {
        handedTo = first == nil || first == flow.name ? nil : flow.name
        state = flow.stateName(session.state)
        noInputs = Int(session.noInputCount)
        wrongKeys = Int(session.wrongKeyCount)
        var variables: [String: String] = [:]
        for entry in session.variables.entries { variables[entry.name] = entry.value }
        self.variables = variables
        trail = session.trail.states.map { flow.stateName($0) }
        answered = session.answered
        finished = session.phase == .finished
        ended = false
    }

    /// One `field: value` line per field, for diffs.
    public var lines: [String] {
        let pairs = variables.sorted { $0.key < $1.key }.map { "\($0.key.debugDescription): \($0.value.debugDescription)" }
        var lines: [String] = [
            "state: \(state.debugDescription)",
            "noInputs: \(noInputs)",
            "wrongKeys: \(wrongKeys)",
            "variables: [" + pairs.joined(separator: ", ") + "]",
            "trail: [" + trail.map(\.debugDescription).joined(separator: ", ") + "]",
            "answered: \(answered)",
            "finished: \(finished)",
            "ended: \(ended)",
        ]
        if let handedTo { lines.append("handedTo: \(handedTo.debugDescription)") }
        return lines
    }

    /// All fields on one line, as `CallState(state: "mainMenu", noInputs: 0, ...)`.
    public var description: String { "CallState(" + lines.joined(separator: ", ") + ")" }
}
