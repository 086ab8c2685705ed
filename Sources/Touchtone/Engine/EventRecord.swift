/// The verb that ends an answer, for logs and metrics.
public enum AnswerVerb: String, Sendable, CaseIterable {
    case gather, dial, voicemail, reject, hangup, play, empty

    init(_ response: Response) {
        switch response.final {
        case .gather: self = .gather
        case .dial(let dial): self = dial.target == .voicemail ? .voicemail : .dial
        case .reject: self = .reject
        case .hangup: self = .hangup
        case nil: self = response.plays.isEmpty ? .empty : .play
        }
    }
}

/// What happened to one push, for the log line: never holds sensitive digits or credentials.
///
/// Made once per push, so it is cheap to copy: the flow is one reference, the states are
/// indices into it, and the names are looked up when read.
public struct EventRecord: Sendable, Hashable {
    public var callId: CallID?
    public var event: EventName?
    /// The flow the call is in; ``flow``, ``stateBefore`` and ``stateAfter`` are read from it.
    var compiledFlow: CompiledFlow?
    /// The flow's name when the session names a flow this engine does not have (a shared or
    /// custom store): logged although its states cannot be named.
    var unloadedFlow: String?
    var before: UInt16?
    var after: UInt16?
    var answerVerb: AnswerVerb
    /// The keys pressed, with sensitive input masked as `****`.
    public var digits: String?
    /// A short note such as `unknown call` or `store full`.
    public var note: String?
    /// The edges the call took, when the engine traces them (``EngineSettings/tracesEdges``).
    public var trace: [TakenEdge]

    /// An empty record: no call, no flow, an empty answer.
    public init() {
        self.init(callId: nil, event: nil)
    }

    init(callId: CallID?, event: EventName?, flow: CompiledFlow? = nil, before: UInt16? = nil, after: UInt16? = nil,
         digits: String? = nil, note: String? = nil, trace: [TakenEdge] = []) {
        self.callId = callId
        self.event = event
        self.compiledFlow = flow
        self.unloadedFlow = nil
        self.before = before
        self.after = after
        self.answerVerb = .empty
        self.digits = digits
        self.note = note
        self.trace = trace
    }

    /// The flow's name in the routing table.
    public var flow: String? { compiledFlow?.name ?? unloadedFlow }
    /// The state the push found the call in.
    public var stateBefore: String? { name(of: before) }
    /// The state the push left the call in.
    public var stateAfter: String? { name(of: after) }
    /// The final verb of the answer (`gather`, `dial`, `voicemail`, `reject`, `hangup`, `play`, `empty`).
    public var verb: String { answerVerb.rawValue }

    private func name(of state: UInt16?) -> String? {
        guard let state, let compiledFlow else { return nil }
        return compiledFlow.stateName(state)
    }

    public static func == (lhs: EventRecord, rhs: EventRecord) -> Bool {
        lhs.callId == rhs.callId && lhs.event == rhs.event && lhs.flow == rhs.flow && lhs.stateBefore == rhs.stateBefore
            && lhs.stateAfter == rhs.stateAfter && lhs.answerVerb == rhs.answerVerb && lhs.digits == rhs.digits
            && lhs.note == rhs.note && lhs.trace == rhs.trace
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(callId)
        hasher.combine(event)
        hasher.combine(flow)
        hasher.combine(stateBefore)
        hasher.combine(stateAfter)
        hasher.combine(answerVerb)
        hasher.combine(digits)
        hasher.combine(note)
        hasher.combine(trace)
    }

    /// Shown for digits a flow marked sensitive.
    public static let maskedDigits = "****"
}
