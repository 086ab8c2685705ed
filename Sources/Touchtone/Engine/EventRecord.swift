/// What happened to one push, for the log line: never holds sensitive digits or credentials.
///
/// Made once per push, so it is cheap to copy: the flow is one reference, the states are
/// indices into it, and the names are looked up when read.
public struct EventRecord: Sendable, Hashable {
    /// The fields in one box: a record passes through several hands on its way to the log
    /// (the step, the reply, the answer, the logger), one reference each time, not ten
    /// fields; a copy that changes gets a box of its own.
    private var storage: Storage

    /// The call the push was about; nil for an empty record.
    public var callId: CallID? {
        get { storage.callId }
        set { unique().callId = newValue }
    }
    /// The push's `event` field (`newCall`, `dtmf`, `answer` or `hangup`); nil for an empty record.
    public var event: EventName? {
        get { storage.event }
        set { unique().event = newValue }
    }
    /// The flow the call is in; ``flow``, ``stateBefore`` and ``stateAfter`` are read from it.
    var compiledFlow: CompiledFlow? {
        get { storage.compiledFlow }
        set { unique().compiledFlow = newValue }
    }
    /// The flow's name when the session names a flow this engine does not have (a shared or
    /// custom store): logged although its states cannot be named.
    var unloadedFlow: String? {
        get { storage.unloadedFlow }
        set { unique().unloadedFlow = newValue }
    }
    var before: UInt16? {
        get { storage.before }
        set { unique().before = newValue }
    }
    var after: UInt16? {
        get { storage.after }
        set { unique().after = newValue }
    }
    var answerVerb: AnswerVerb {
        get { storage.answerVerb }
        set { unique().answerVerb = newValue }
    }
    /// The keys pressed, with sensitive input masked as `****`.
    public var digits: String? {
        get { storage.digits }
        set { unique().digits = newValue }
    }
    /// A short note such as `unknown call` or `store full`.
    public var note: String? {
        get { storage.note }
        set { unique().note = newValue }
    }
    /// The edges the push took, as indices into the flow's ``CompiledFlow/edges``.
    public var edges: EdgeTrail {
        get { storage.edges }
        _modify { yield &unique().edges }
    }
    /// The edges the push took, from a state on a label: what coverage counts.
    public var trace: [TakenEdge] { compiledFlow?.taken(edges) ?? [] }
    /// The records of the flows this push handed the call away from, in order, each ending
    /// in ``CallEnding/handOff``: logged and counted before this one (see ``Step/handOff(to:at:)``).
    public var handedFrom: [EventRecord] {
        get { storage.handedFrom }
        set { unique().handedFrom = newValue }
    }
    /// Whether this push started a call in its flow (a first `newCall`, not a repeat).
    public var started: Bool {
        get { storage.started }
        set { unique().started = newValue }
    }
    /// How the call ended at this push, if it did; ``endingState`` says where.
    public var ending: CallEnding? {
        get { storage.ending }
        set { unique().ending = newValue }
    }
    var endingStateIndex: UInt16? {
        get { storage.endingState }
        set { unique().endingState = newValue }
    }
    /// Sets ``ending`` and where it happened in one change.
    mutating func setEnding(_ how: CallEnding, at state: UInt16) {
        let storage = unique()
        storage.ending = how
        storage.endingState = state
    }
    /// How long the call had been in ``stateBefore`` when this push came, in milliseconds
    /// (`dtmf` and `hangup` pushes, and expiries).
    public var waitedMilliseconds: Int? {
        get { storage.waitedMilliseconds }
        set { unique().waitedMilliseconds = newValue }
    }
    var lookupStateIndex: UInt16? {
        get { storage.lookupState }
        set { unique().lookupState = newValue }
    }
    /// How long the look-up this push waited for took, in milliseconds; ``lookupState`` names it.
    public var lookupMilliseconds: Int? {
        get { storage.lookupMilliseconds }
        set { unique().lookupMilliseconds = newValue }
    }
    /// The A/B shares the call is in, a share per split (see ``CompiledFlow/variantCode(of:)``); 0 outside splits.
    var variantCode: UInt32 {
        get { storage.variantCode }
        set { unique().variantCode = newValue }
    }
    /// The A/B shares the call is in: `splitState=share`, several joined by `,`; nil outside splits.
    public var variant: String? { variantCode == 0 ? nil : compiledFlow?.variantText(variantCode) }

    /// An empty record: no call, no flow, an empty answer.
    public init() {
        self.init(callId: nil, event: nil)
    }

    init(
        callId: CallID?, event: EventName?, flow: CompiledFlow? = nil, before: UInt16? = nil, after: UInt16? = nil,
        digits: String? = nil, note: String? = nil, edges: EdgeTrail = EdgeTrail()
    ) {
        storage = Storage(
            callId: callId, event: event, compiledFlow: flow, before: before, after: after, digits: digits,
            note: note, edges: edges)
    }

    /// The box, made this value's own before a change.
    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    // Mutated only through `unique()`, that is while one value owns it (copy on write), so
    // no two threads ever see it change.
    private final class Storage: @unchecked Sendable {
        @exclusivity(unchecked) var callId: CallID?
        @exclusivity(unchecked) var event: EventName?
        @exclusivity(unchecked) var compiledFlow: CompiledFlow?
        @exclusivity(unchecked) var unloadedFlow: String?
        @exclusivity(unchecked) var before: UInt16?
        @exclusivity(unchecked) var after: UInt16?
        @exclusivity(unchecked) var answerVerb = AnswerVerb.empty
        @exclusivity(unchecked) var digits: String?
        @exclusivity(unchecked) var note: String?
        @exclusivity(unchecked) var edges: EdgeTrail
        @exclusivity(unchecked) var started = false
        @exclusivity(unchecked) var ending: CallEnding?
        @exclusivity(unchecked) var endingState: UInt16?
        @exclusivity(unchecked) var waitedMilliseconds: Int?
        @exclusivity(unchecked) var lookupState: UInt16?
        @exclusivity(unchecked) var lookupMilliseconds: Int?
        @exclusivity(unchecked) var variantCode: UInt32 = 0
        @exclusivity(unchecked) var handedFrom: [EventRecord] = []

        init(
            callId: CallID?, event: EventName?, compiledFlow: CompiledFlow?, before: UInt16?, after: UInt16?,
            digits: String?, note: String?, edges: EdgeTrail
        ) {
            self.callId = callId
            self.event = event
            self.compiledFlow = compiledFlow
            self.before = before
            self.after = after
            self.digits = digits
            self.note = note
            self.edges = edges
        }

        func copy() -> Storage {
            let copy = Storage(
                callId: callId, event: event, compiledFlow: compiledFlow, before: before, after: after,
                digits: digits, note: note, edges: edges)
            copy.unloadedFlow = unloadedFlow
            copy.answerVerb = answerVerb
            copy.started = started
            copy.ending = ending
            copy.endingState = endingState
            copy.waitedMilliseconds = waitedMilliseconds
            copy.lookupState = lookupState
            copy.lookupMilliseconds = lookupMilliseconds
            copy.variantCode = variantCode
            copy.handedFrom = handedFrom
            return copy
        }
    }

    /// The flow's name in the routing table.
    public var flow: String? { compiledFlow?.name ?? unloadedFlow }
    /// The flow's version, when this engine has the flow.
    public var flowVersion: Int? { compiledFlow?.version }
    /// The flow as compiled, when this engine has it: its ``CompiledFlow/edges`` are what ``edges`` number.
    public var flowGraph: CompiledFlow? { compiledFlow }
    /// Where the call was when it ended (see ``ending``).
    public var endingState: String? { name(of: endingStateIndex) }
    /// The look-up state of ``lookupMilliseconds``.
    public var lookupState: String? { name(of: lookupStateIndex) }
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

    /// Whether two records say the same: compares what a log line shows, with states by name.
    public static func == (lhs: EventRecord, rhs: EventRecord) -> Bool {
        lhs.callId == rhs.callId && lhs.event == rhs.event && lhs.flow == rhs.flow && lhs.stateBefore == rhs.stateBefore
            && lhs.stateAfter == rhs.stateAfter && lhs.answerVerb == rhs.answerVerb && lhs.digits == rhs.digits
            && lhs.note == rhs.note && lhs.trace == rhs.trace && lhs.started == rhs.started && lhs.ending == rhs.ending
            && lhs.endingState == rhs.endingState && lhs.waitedMilliseconds == rhs.waitedMilliseconds
            && lhs.lookupState == rhs.lookupState && lhs.lookupMilliseconds == rhs.lookupMilliseconds && lhs.variant == rhs.variant
    }

    /// Hashes what ``==(_:_:)`` compares.
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
        hasher.combine(ending)
        hasher.combine(variant)
    }

    /// Shown for digits a flow marked sensitive.
    public static let maskedDigits = "****"
}

/// How a call ended, as logs, `/metrics` and `touchtone report` name it.
public enum CallEnding: String, Sendable, Hashable, CaseIterable {
    /// The flow transferred the call (`Dial` to numbers).
    case transfer
    /// The flow sent the call to voicemail.
    case voicemail
    /// The flow rejected the call (busy or rejected).
    case reject
    /// The flow hung up.
    case hangup
    /// The flow handed the call to another flow (``Step/handOff(to:at:)``), where it goes on.
    case handOff = "handoff"
    /// The caller hung up while the flow still had them.
    case callerHangup = "caller-hangup"
    /// The session expired without a `hangup` (memory store only: Redis expires keys silently).
    case expired
}
