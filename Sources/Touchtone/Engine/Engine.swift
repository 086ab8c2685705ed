import FoundationEssentials
import Synchronization

/// Turns sipgate pushes into answers: routes new calls to flows, keeps one session per
/// call in a ``SessionStore``, and steps each call's state machine.
///
/// ```swift
/// let engine = try Engine(routes: routes, store: InMemorySessionStore(),
///                         settings: EngineSettings(publicURL: try AbsoluteURL("https://ivr.example.com")))
/// switch engine.handle(body: Array("event=newCall&from=4921&to=4922&direction=in&callId=1".utf8)) {
/// case .answer(let response, _): print(response.xml)
/// case .lookup(let pending, _): print(await pending.run().0.xml)
/// case .refused(let error): print("400", error)
/// }
/// ```
///
/// A `dtmf`, `answer` or `hangup` for a call the engine does not know (never seen, expired,
/// or lost in a restart without a state file) is counted and answered with `Hangup`
/// (`dtmf`) or an empty `Response` (`answer`, `hangup`).
public final class Engine: Sendable {
    public let store: any SessionStore
    /// The same store when it is the in-memory one: calls through it are direct (and
    /// specialised), not through the protocol's generic witness, on the per-push path.
    private let memoryStore: InMemorySessionStore?
    public let clock: any WallClock
    public let settings: EngineSettings
    public let routes: RoutingTable
    /// The compiled flows, in routing-table order.
    public let flows: [CompiledFlow]
    let machines: [CallMachine]
    /// For each route, the index of its machine.
    let routeMachines: [(route: Route, machine: Int)]
    let metrics = EngineMetrics()

    /// Compiles every flow of `routes`; throws every problem of every flow at once.
    public init(routes: RoutingTable, store: any SessionStore, clock: any WallClock = SystemClock(), settings: EngineSettings) throws(FlowProblems) {
        let environment = CompileEnvironment(publicURL: settings.publicURL, audioPath: settings.audioPath, prompts: settings.prompts)
        var problems: [FlowProblem] = []
        var flows: [CompiledFlow] = []
        for definition in routes.flows {
            let (compiled, found) = definition.compile(in: environment)
            problems += found
            flows.append(compiled)
        }
        if routes.routes.isEmpty { problems.append(FlowProblem(flow: "routes", message: "the routing table has no routes")) }
        guard problems.isEmpty else { throw FlowProblems(problems) }
        self.routes = routes
        self.store = store
        self.memoryStore = store as? InMemorySessionStore
        self.clock = clock
        self.settings = settings
        self.flows = flows
        self.machines = flows.map { CallMachine(flow: $0, environment: environment, tracing: settings.tracesEdges) }
        self.routeMachines = routes.routes.map { route in (route, flows.firstIndex { $0.name == route.flow.name } ?? 0) }
    }

    /// Checks every flow of `routes` without building an engine; an empty list means all is well.
    public static func check(_ routes: RoutingTable, environment: CompileEnvironment) -> [FlowProblem] {
        routes.flows.flatMap { $0.compile(in: environment).1 }
    }

    // MARK: Handling pushes

    /// Decodes a push body and handles it.
    public func handle(body: some Collection<UInt8>) -> EngineReply {
        do { return handle(try WebhookEvent.decode(body)) } catch { return .refused(error) }
    }

    /// Handles one decoded push.
    public func handle(_ event: WebhookEvent) -> EngineReply {
        metrics.events.add(event.name)
        let now = clock.now()
        switch event {
        case .newCall(let e): return newCall(e, now: now)
        case .dtmf(let e): return dtmf(e, now: now)
        case .answer(let e): return answer(e, now: now)
        case .hangup(let e): return hangup(e, now: now)
        }
    }

    /// `store.update`, directly on the in-memory store when that is the store.
    @inline(__always)
    private func updateSession<R>(_ callId: CallID, _ body: (inout Session) -> R) -> R? {
        if let memoryStore { return memoryStore.update(callId, body) }
        return store.update(callId, body)
    }

    /// What a push found when it looked for its call.
    private enum Found<Value> {
        /// No session: the call is unknown, expired, or ended.
        case noSession
        /// A session of a flow this engine does not serve (a restored or shared one).
        case flowNotServed(String)
        case call(Value)
    }

    /// Runs `body` on the call's session and its flow's machine, under the call's lock;
    /// `whateverTheFlow` first, which also changes the session of a flow not served here.
    @inline(__always)
    private func withCall<Value>(_ callId: CallID, whateverTheFlow: (inout Session) -> Void = { _ in },
                                 _ body: (CallMachine, inout Session) -> Value) -> Found<Value> {
        let found = updateSession(callId) { session -> Found<Value> in
            whateverTheFlow(&session)
            guard let machine = machine(named: session.flow) else { return .flowNotServed(session.flow) }
            return .call(body(machine, &session))
        }
        return found ?? .noSession
    }

    private func machine(named name: String) -> CallMachine? {
        machines.first { $0.flow.name == name }
    }

    private func newCall(_ event: NewCallEvent, now: Date) -> EngineReply {
        let call = CallData(event)
        guard let route = routeMachines.first(where: { $0.route.matches(call) }) else {
            metrics.unrouted.add()
            return answer(.empty, EventRecord(callId: event.callId, event: .newCall, note: "no route for this call"))
        }
        let machine = machines[route.machine]
        let flow = machine.flow
        var session = Session(callId: event.callId, flow: flow.name, flowVersion: flow.version, state: flow.start, call: call, startedAt: now)
        let step = machine.start(&session, now: now)
        var note = step.note
        switch memoryStore?.insert(session) ?? store.insert(session) {
        case .inserted:
            break
        case .exists(let existing):
            // sipgate repeated the push: answer as the first time, create nothing.
            note = "repeated newCall"
            session = existing
        case .full:
            metrics.refusedFull.add()
            return answer(.empty, EventRecord(callId: event.callId, event: .newCall, flow: flow,
                                              note: "session store full: call rings as without Touchtone"))
        }
        let record = EventRecord(callId: event.callId, event: .newCall, flow: flow, after: session.state, note: note, trace: step.trace)
        return reply(step.next, flow: flow, record: record)
    }

    /// What a `dtmf` push did to its call, taken out of the call's lock.
    private struct KeysStep {
        var flow: CompiledFlow
        var before: UInt16
        var after: UInt16
        /// The keys were a sensitive entry (a PIN): the log shows them masked.
        var masked: Bool
        var result: StepResult<CallMachine.Next>
    }

    private func dtmf(_ event: DTMFEvent, now: Date) -> EngineReply {
        let found = withCall(event.callId) { machine, session in
            let before = session.state
            let masked = machine.expectsSensitiveKeys(session)
            let result = machine.receive(digits: event.digits, &session, now: now)
            session.lastActivity = now
            return KeysStep(flow: machine.flow, before: before, after: session.state, masked: masked, result: result)
        }
        guard case .call(let step) = found else {
            metrics.unknownCall.add()
            var record = EventRecord(callId: event.callId, event: .dtmf, digits: event.digits, note: "unknown or expired call")
            if case .flowNotServed(let name) = found {
                record.unloadedFlow = name
                record.note = "flow \(name) is not served here"
            }
            return answer(Response(then: .hangup), record)
        }
        let record = EventRecord(
            callId: event.callId, event: .dtmf, flow: step.flow, before: step.before, after: step.after,
            digits: step.masked ? EventRecord.maskedDigits : event.digits, note: step.result.note, trace: step.result.trace)
        return reply(step.result.next, flow: step.flow, record: record)
    }

    private func answer(_ event: AnswerEvent, now: Date) -> EngineReply {
        let answered = { (session: inout Session) in
            session.answered = true
            session.lastActivity = now
        }
        let found = withCall(event.callId, whateverTheFlow: answered) { machine, session -> (flow: CompiledFlow, state: UInt16, hook: CallEventInfo?) in
            // The hook's view of the call is built only when the flow has answer hooks.
            let flow = machine.flow
            let hook = flow.hooks.onAnswer.isEmpty ? nil : hookInfo(session, flow, answeredBy: event.user ?? event.answeringNumber, cause: nil)
            return (flow, session.state, hook)
        }
        switch found {
        case .noSession:
            metrics.unknownCall.add()
            return answer(.empty, EventRecord(callId: event.callId, event: .answer, note: "unknown or expired call"))
        case .flowNotServed(let name):
            var record = EventRecord(callId: event.callId, event: .answer)
            record.unloadedFlow = name
            return answer(.empty, record)
        case .call(let (flow, state, hook)):
            if let hook { runHooks(flow.hooks.onAnswer, hook) }
            return answer(.empty, EventRecord(callId: event.callId, event: .answer, flow: flow, before: state, after: state))
        }
    }

    private func hangup(_ event: HangupEvent, now: Date) -> EngineReply {
        guard let session = memoryStore?.remove(event.callId) ?? store.remove(event.callId) else {
            metrics.unknownCall.add()
            return answer(.empty, EventRecord(callId: event.callId, event: .hangup, note: "unknown or expired call (\(event.cause.rawValue))"))
        }
        guard let machine = machine(named: session.flow) else {
            var record = EventRecord(callId: event.callId, event: .hangup, note: event.cause.rawValue)
            record.unloadedFlow = session.flow
            return answer(.empty, record)
        }
        let flow = machine.flow
        if !flow.hooks.onHangup.isEmpty {
            runHooks(flow.hooks.onHangup, hookInfo(session, flow, answeredBy: nil, cause: event.cause))
        }
        return answer(.empty, EventRecord(callId: event.callId, event: .hangup, flow: flow, before: session.state,
                                          note: event.cause.rawValue))
    }

    // MARK: Look-ups

    /// Continues a call whose look-up ended; answers with what the call does next. The
    /// record continues the one of the push that reached the look-up: one push, one log line.
    func completeLookup(_ pending: PendingLookup, with ending: LookupEnding) -> (Response, EventRecord) {
        switch ending {
        case .timedOut: metrics.lookupTimeouts.add()
        case .failed: metrics.lookupFailures.add()
        case .finished: break
        }
        let now = clock.now()
        let found = withCall(pending.callId) { machine, session in
            let result = machine.resume(ending, prefix: pending.request.prefix, &session, now: now)
            session.lastActivity = now
            return (result, session.state)
        }
        var record = pending.record
        // A look-up reached straight from newCall started in the look-up state.
        record.before = record.before ?? pending.request.state
        guard case .call(let (result, after)) = found else {
            // The call ended (or expired) while the look-up ran.
            record.after = nil
            record.note = "call ended during its look-up"
            return (Response.empty, finish(record, .empty))
        }
        record.after = after
        record.note = result.note ?? record.note
        record.trace += result.trace
        return (result.next, finish(record, AnswerVerb(result.next)))
    }

    // MARK: Answers

    /// Answers at once, or hands the call to its look-up; `record` already holds the step's note and trace.
    private func reply(_ next: CallMachine.Next, flow: CompiledFlow, record: consuming EventRecord) -> EngineReply {
        switch next {
        case .answer(let response):
            return answer(response, record)
        case .lookup(let request):
            let record = copy record
            return .lookup(PendingLookup(record: record, request: request, compiledFlow: flow, engine: self), record)
        }
    }

    private func answer(_ response: Response, _ record: consuming EventRecord) -> EngineReply {
        .answer(response, finish(record, AnswerVerb(response)))
    }

    private func finish(_ record: consuming EventRecord, _ verb: AnswerVerb) -> EventRecord {
        metrics.verbs.add(verb)
        record.answerVerb = verb
        return record
    }

    // MARK: Hooks

    private func hookInfo(_ session: Session, _ flow: CompiledFlow, answeredBy: String?, cause: HangupCause?) -> CallEventInfo {
        var variables: [String: String] = [:]
        for entry in session.variables.entries where !entry.sensitive { variables[entry.name] = entry.value }
        return CallEventInfo(callId: session.callId, flow: flow.name, state: flow.stateName(session.state), call: session.call,
                             variables: variables, answeredBy: answeredBy, cause: cause)
    }

    private func runHooks(_ hooks: [@Sendable (CallEventInfo) async throws -> Void], _ info: CallEventInfo) {
        guard !hooks.isEmpty else { return }
        let metrics = self.metrics
        settings.hookRunner.run {
            for hook in hooks {
                do { try await hook(info) } catch { metrics.hookFailures.add() }
            }
        }
    }

    // MARK: Housekeeping

    /// Removes idle sessions (a slice of the store per call); run it regularly.
    @discardableResult
    public func sweep() -> Int {
        let expired = store.sweep(now: clock.now()).expired.count
        if expired > 0 { metrics.expired.add(expired) }
        return expired
    }

    /// Puts saved sessions back (after a restart); returns how many were restored.
    /// Sessions of unknown flows, changed flow versions or unknown states are dropped.
    public func restore(_ sessions: [Session]) -> Int {
        var restored = 0
        for session in sessions {
            guard let machine = machine(named: session.flow), machine.flow.version == session.flowVersion,
                  Int(session.state) < machine.flow.nodes.count else { continue }
            if case .inserted = store.insert(session) { restored += 1 }
        }
        return restored
    }

    /// A snapshot of the counters.
    public var counters: EngineCounters { metrics.snapshot }

    /// The flows served, with how calls reach them, for the start-up banner.
    public var routeDescriptions: [String] { routes.routes.map(\.description) }
}
