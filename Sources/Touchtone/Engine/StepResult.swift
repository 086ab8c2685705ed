import FoundationEssentials

/// What one step of a call produced, as ``CallMachine`` returns it: what happens next, and
/// what the log line says about it.
///
/// `Next` says what the caller of the step may get: ``CallMachine/Next`` (answer now, or
/// run a look-up first) from a push, a plain ``Response`` from a finished look-up, which
/// can never lead to another one.
struct StepResult<Next> {
    var next: Next
    /// A short note for the log (`look-up still running`, `3 silences in a row`).
    var note: String?
    /// The edges the step took.
    var edges: EdgeTrail
    /// Whether the step ended the flow's part in the call (a transfer, voicemail, reject or hang-up went out).
    var ended = false
    /// Where the step handed the call (then ``next`` is empty), and what was to be played
    /// before the other flow's answer. A class: the common step carries one empty reference.
    var handOff: HandOffRequest?
}

/// A call a step handed to another flow: the flow and state, and the plays so far.
final class HandOffRequest: Sendable {
    let handOff: HandOff
    let prefix: [Play]

    init(_ handOff: HandOff, prefix: [Play]) {
        self.handOff = handOff
        self.prefix = prefix
    }
}

extension CallMachine {
    /// What a push leads to.
    enum Next {
        /// Answer sipgate with this.
        case answer(Response)
        /// Run this look-up first; its result (or fallback) makes the answer.
        case lookup(LookupRequest)
    }
}

/// A look-up a call entered: the work to run, what the call looked like, and what was
/// already to be played before it. A class: a step's result stays one reference wide.
final class LookupRequest: Sendable {
    /// The look-up state.
    let state: UInt16
    let node: LookupNode
    /// What the work sees of the call.
    let context: CallContext
    /// Played before whatever the look-up leads to (announcements on the way to it).
    let prefix: [Play]

    init(state: UInt16, node: LookupNode, context: CallContext, prefix: [Play]) {
        self.state = state
        self.node = node
        self.context = context
        self.prefix = prefix
    }
}

/// What a step has produced so far while the machine walks from state to state: the plays,
/// how the answer ends, the note and the edges taken. Only the machine writes it, and
/// ``CallMachine`` turns it into a ``StepResult`` in one place, where an answer prepared in
/// advance is used if, and only if, nothing is played before it.
struct StepOutput {
    /// How the answer ends.
    enum Ending {
        /// Nothing to say: an answer with callbacks only.
        case nothing
        /// A final verb after the plays, built for this call.
        case verb(FinalVerb)
        /// A final verb after the plays, with its answer prepared for when nothing is played before it.
        case prepared(PreparedVerb)
        /// A look-up must run first.
        case lookup(state: UInt16, LookupNode)
        /// Another flow goes on (the engine moves the call there).
        case handOff(HandOff)
    }

    private(set) var plays: [Play]
    private(set) var ending = Ending.nothing
    var note: String?
    private(set) var edges = EdgeTrail()
    /// A language step taken: the machine of the new language goes on to `then`.
    var languageSwitch: (then: Target, hops: Int)?
    /// The flow whose edges are recorded: one reference.
    private let flow: CompiledFlow

    init(flow: CompiledFlow, playing prefix: [Play] = []) {
        self.flow = flow
        self.plays = prefix
    }

    /// The edge at `position` among `state`'s edges (a decision's branch, whose label may repeat).
    mutating func took(edgeAt position: Int, from state: UInt16) {
        took(flow.edgeIndex(from: state, position: position))
    }

    mutating func took(_ label: EdgeLabel, from state: UInt16) {
        took(flow.edgeIndex(from: state, label))
    }

    private mutating func took(_ edge: UInt16?) {
        guard let edge else { return }
        edges.append(edge)
        if edges.isTruncated && note == nil { note = "more than \(EdgeTrail.capacity) edges in one push: the rest are not counted" }
    }

    mutating func play(_ play: Play) { plays.append(play) }

    mutating func play(_ more: [Play]) { plays.append(contentsOf: more) }

    mutating func end(with verb: FinalVerb) { ending = .verb(verb) }

    mutating func end(with prepared: PreparedVerb) { ending = .prepared(prepared) }

    mutating func end(inLookup state: UInt16, _ node: LookupNode) { ending = .lookup(state: state, node) }

    mutating func end(handOff: HandOff) { ending = .handOff(handOff) }

    /// The hand-off the step ended with, with the plays so far; nil for any other ending.
    var handOffRequest: HandOffRequest? {
        if case .handOff(let handOff) = ending { return HandOffRequest(handOff, prefix: plays) }
        return nil
    }

    /// The answer, the prepared one when nothing plays before its verb; `nil` while a
    /// look-up must run first.
    func answer(callbacks: AbsoluteURL) -> Response? {
        switch ending {
        case .prepared(let prepared):
            return plays.isEmpty ? prepared.alone : Response(onAnswer: callbacks, onHangup: callbacks, plays: plays, then: prepared.verb)
        case .verb(let verb):
            return Response(onAnswer: callbacks, onHangup: callbacks, plays: plays, then: verb)
        case .nothing:
            return Response(onAnswer: callbacks, onHangup: callbacks, plays: plays)
        case .lookup, .handOff:
            return nil
        }
    }
}
