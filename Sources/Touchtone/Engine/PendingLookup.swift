import FoundationEssentials

/// A look-up a call is waiting in: run it off the event loop, and answer the push that
/// reached it with what ``run()`` returns. It never takes longer than its deadline.
///
/// ```swift
/// case .lookup(let pending, _):
///     Task { let (response, record) = await pending.run(); send(response); log(record) }
/// ```
public final class PendingLookup: Sendable {
    /// What the push that reached the look-up recorded; the answer's record continues it.
    public let record: EventRecord
    let request: LookupRequest
    let compiledFlow: CompiledFlow
    let engine: Engine
    /// The turn whose answer the look-up decides.
    let turn: UInt32

    init(record: EventRecord, request: LookupRequest, compiledFlow: CompiledFlow, engine: Engine, turn: UInt32) {
        self.record = record
        self.request = request
        self.compiledFlow = compiledFlow
        self.engine = engine
        self.turn = turn
    }

    /// The call.
    public var callId: CallID { request.context.callId }
    /// The flow's name.
    public var flow: String { compiledFlow.name }
    /// The look-up state's name.
    public var state: String { compiledFlow.stateName(request.state) }
    /// What the look-up sees of the call.
    public var context: CallContext { request.context }
    /// How long the look-up's work may take, from when ``run()`` or ``ending()`` starts it.
    public var deadline: Duration { request.node.deadline }
    /// The names of the look-up's outcomes, in the order of its outcome enum.
    public var outcomes: [String] { request.node.outcomes.map(\.name) }

    /// Runs the look-up with its deadline and continues the call with its result or fallback.
    public func run() async -> (PushAnswer, EventRecord) {
        complete(with: await ending())
    }

    /// Runs the look-up with its deadline; how it ended, for a store that continues the call
    /// itself (``Engine/resumeWork(_:_:)``).
    public func ending() async -> LookupEnding {
        await LookupRunner.run(request.node.work, context: request.context, deadline: request.node.deadline)
    }

    /// Continues the call as if the look-up had ended so (tests stub look-ups this way).
    public func complete(with ending: LookupEnding) -> (PushAnswer, EventRecord) {
        engine.completeLookup(self, with: ending)
    }

    /// How long the look-up runs before its push is answered with the hold
    /// (``hold()``); nil when it never holds its caller.
    public var holdAfter: Duration? { request.node.hold?.after }

    /// Answers the look-up's push with the hold, its work still running (on the engine's
    /// own store); ``keep(_:)`` its ending once there is one.
    public func hold() -> (PushAnswer, EventRecord) {
        engine.performLookupWork(engine.holdWork(self), of: self)
    }

    /// Keeps how the look-up of a held call ended with its session, for the call's next
    /// push (on the engine's own store); the record is the look-up's log line.
    public func keep(_ ending: LookupEnding) -> EventRecord {
        engine.performLookupWork(engine.keepWork(self, ending), of: self).1
    }

    /// When the look-up's deadline passes, as a held call's session keeps it (to the
    /// millisecond, as the shared record does).
    var heldUntil: Date {
        let milliseconds = (request.context.now.timeIntervalSince1970 * 1000).rounded() + Double(deadline.wholeMilliseconds)
        return Date(timeIntervalSince1970: milliseconds / 1000)
    }

    /// The log line of the look-up's own ending, once its push was answered with the hold:
    /// the look-up and how long it took, nothing its push's line counted already (the start,
    /// the edges, the wait, an ending).
    func endingRecord(now: Date) -> EventRecord {
        var line = EventRecord(
            callId: callId, event: record.event, flow: compiledFlow, before: request.state, after: request.state)
        line.lookupStateIndex = request.state
        line.lookupMilliseconds = EventRecord.milliseconds(from: request.context.now, to: now)
        line.variantCode = record.variantCode
        return line
    }

    /// The same look-up for another call in the same state (exploration clones calls).
    public func forCall(_ other: CallID) -> PendingLookup {
        let context = CallContext(callId: other, call: request.context.call, variables: request.context.variables, now: request.context.now)
        var record = self.record
        record.callId = other
        return PendingLookup(
            record: record,
            request: LookupRequest(
                state: request.state, node: request.node, context: context,
                prefix: request.prefix), compiledFlow: compiledFlow, engine: engine, turn: turn)
    }
}
