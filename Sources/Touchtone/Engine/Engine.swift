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
    /// Where the engine keeps each call's session between pushes.
    public let store: any SessionStore
    /// The same store when it is the in-memory one: calls through it are direct (and
    /// specialised), not through the protocol's generic witness, on the per-push path.
    private let memoryStore: InMemorySessionStore?
    /// Gives the engine the time of each push, for session activity, expiry and time-of-day rules.
    public let clock: any WallClock
    /// The settings the engine was made with (public URL, prompts, hook runner).
    public let settings: EngineSettings
    /// The routes new calls are matched against, in order; the first match picks the flow.
    public let routes: RoutingTable
    /// The compiled flows, in routing-table order, then the versions kept for calls in
    /// progress (``RoutingTable/keeping(_:)``).
    public let flows: [CompiledFlow]
    let machines: [CallMachine]
    /// For each route, the index of its machine.
    let routeMachines: [(route: Route, machine: Int)]
    /// The name of each flow by its ``FlowID``, for sessions kept in a shared store.
    let flowNames: [UInt32: String]
    let metrics = EngineMetrics()
    /// Calls through each flow's graph, for `/metrics`: counted by whoever logs the records.
    package let traffic: TrafficCounters

    /// Compiles every flow of `routes`; throws every problem of every flow at once.
    public init(routes: RoutingTable, store: any SessionStore, clock: any WallClock = SystemClock(), settings: EngineSettings)
        throws(FlowProblems)
    {
        let environment = CompileEnvironment(publicURL: settings.publicURL, audioPath: settings.audioPath, prompts: settings.prompts)
        let (flows, flowNames, compileProblems) = Self.compileAll(routes, environment: environment)
        let (menuChanged, promptProblem) = Self.menuChangedAnnouncement(settings.menuChangedPrompt, environment: environment)
        let problems = compileProblems + (promptProblem.map { [$0] } ?? [])
        guard problems.isEmpty else { throw FlowProblems(problems) }
        self.routes = routes
        self.store = store
        self.memoryStore = store as? InMemorySessionStore
        self.clock = clock
        self.settings = settings
        self.flows = flows
        self.flowNames = flowNames
        self.traffic = TrafficCounters(flows: flows)
        self.machines = flows.map {
            CallMachine(flow: $0, environment: environment, menuChanged: menuChanged)
        }
        self.routeMachines = routes.routes.map { route in (route, flows.firstIndex { $0.name == route.flow.name } ?? 0) }
    }

    // MARK: Handling pushes

    /// Decodes a push body and handles it; `address` is what the push's URL said (its query).
    public func handle(body: some Collection<UInt8>, address: PushAddress = PushAddress()) -> EngineReply {
        do { return handle(try WebhookEvent.decode(body), address: address) } catch { return .refused(error) }
    }

    /// Handles one decoded push on the engine's own store, in place under the call's lock
    /// (the same steps as ``plan(_:address:)`` and ``SessionWork``, without packing them up).
    public func handle(_ event: WebhookEvent, address: PushAddress = PushAddress()) -> EngineReply {
        metrics.events.add(event.name)
        let now = clock.now()
        let result: SessionWorkResult
        switch event {
        case .newCall(let e):
            guard let started = startCall(e, now: now) else { return unrouted(e) }
            result = insert(started.session, event: e, created: started.reply, now: now)
        case .dtmf(let e):
            if let outcome = updateSession(e.callId, { keysOutcome(e, address, &$0, now: now) }) {
                result = keysResult(e, address, outcome)
            } else {
                result = withoutSession(.keys(e, address), now: now)
            }
        case .answer(let e):
            if let outcome = updateSession(e.callId, { answeredOutcome(e, &$0, now: now) }) {
                result = answeredResult(e, outcome)
            } else {
                result = withoutSession(.answered(e), now: now)
            }
        case .hangup(let e):
            if let session = memoryStore?.remove(e.callId) ?? store.remove(e.callId) {
                result = hungUp(e, session, now: now)
            } else {
                result = withoutSession(.hangup(e), now: now)
            }
        }
        settle(result.effects, verb: result.verb)
        return result.reply
    }

    /// `store.update`, directly on the in-memory store when that is the store.
    @inline(__always)
    private func updateSession<R>(_ callId: CallID, _ body: (inout Session) -> R) -> R? {
        if let memoryStore { return memoryStore.update(callId, body) }
        return store.update(callId, body)
    }

    /// A new call's session into the engine's own store.
    private func insert(_ session: Session, event: NewCallEvent, created: EngineReply, now: Date) -> SessionWorkResult {
        switch memoryStore?.insert(session) ?? store.insert(session) {
        case .inserted:
            return SessionWorkResult(reply: created, changed: true)
        case .exists(let existing):
            return repeatedNewCall(event, created: created, existing, now: now)
        case .full:
            let record = EventRecord(
                callId: event.callId, event: .newCall, flow: machine(for: session)?.flow,
                note: "session store full: call rings as without Touchtone")
            return SessionWorkResult(reply: answer(.empty, consume record), changed: false, effects: SessionEffects(tallies: .refusedFull))
        }
    }

    /// What a push needs: an answer at once, or work on its call's session.
    public enum Plan: Sendable {
        /// Answer the push with this, without touching any session (a bad push, an unrouted call).
        case reply(EngineReply)
        /// Run this work on the call's session in the store, then answer with what it returns.
        case work(SessionWork)
    }

    /// Decodes a push body and plans it, for a store that runs the session work itself.
    public func plan(body: some Collection<UInt8>, address: PushAddress = PushAddress()) -> Plan {
        do { return plan(try WebhookEvent.decode(body), address: address) } catch { return .reply(.refused(error)) }
    }

    /// Plans one decoded push: a new call's session is made here; every other push works
    /// on the session the store holds.
    public func plan(_ event: WebhookEvent, address: PushAddress = PushAddress()) -> Plan {
        metrics.events.add(event.name)
        let now = clock.now()
        switch event {
        case .newCall(let e):
            guard let started = startCall(e, now: now) else { return .reply(unrouted(e)) }
            let plan = NewCallPlan(event: e, created: started.reply)
            return .work(SessionWork(callId: e.callId, access: .create(started.session), operation: .newCall(plan), engine: self, now: now))
        case .dtmf(let e):
            return .work(SessionWork(callId: e.callId, access: .update, operation: .keys(e, address), engine: self, now: now))
        case .answer(let e): return .work(SessionWork(callId: e.callId, access: .update, operation: .answered(e), engine: self, now: now))
        case .hangup(let e): return .work(SessionWork(callId: e.callId, access: .take, operation: .hangup(e), engine: self, now: now))
        }
    }

    /// Runs `work` on the engine's own store: in place, under the call's lock.
    func perform(_ work: SessionWork) -> EngineReply {
        let result: SessionWorkResult
        switch work.access {
        case .create(let session):
            guard case .newCall(let plan) = work.operation else { return work.finish(work.applyWithoutSession()) }
            result = insert(session, event: plan.event, created: plan.created, now: work.now)
        case .update:
            result = updateSession(work.callId) { work.apply(to: &$0) } ?? work.applyWithoutSession()
        case .take:
            if var session = memoryStore?.remove(work.callId) ?? store.remove(work.callId) {
                result = work.apply(to: &session)
            } else {
                result = work.applyWithoutSession()
            }
        }
        return work.finish(result)
    }

    /// The routed (current) version of the flow named `name`.
    func machine(named name: String) -> CallMachine? {
        machines.first { $0.flow.name == name }
    }

    /// The machine of the session's flow version; the routed version of its flow when this
    /// engine does not serve that version (a session from a store shared with other builds).
    @inline(__always)
    func machine(for session: Session) -> CallMachine? {
        // The closure captures the name and version, not the session (which it would copy).
        let name = session.flow
        let version = session.flowVersion
        return machines.first { $0.flow.name == name && $0.flow.version == version } ?? machine(named: name)
    }

    /// The flow `name` at `version`, or its routed version when `version` is nil.
    func compiled(named name: String, version: Int?) -> CompiledFlow? {
        guard let version else { return machine(named: name)?.flow }
        return machines.first { $0.flow.name == name && $0.flow.version == version }?.flow
    }

    /// A new call's session and its first answer.
    private struct StartedCall {
        var session: Session
        var reply: EngineReply
    }

    /// A new call's session and its first answer; nil when no route takes the call.
    private func startCall(_ event: NewCallEvent, now: Date) -> StartedCall? {
        let call = CallData(event)
        guard let route = routeMachines.first(where: { $0.route.matches(call) }) else { return nil }
        let machine = machines[route.machine]
        let flow = machine.flow
        var session = Session(
            callId: event.callId, flow: flow.name, flowVersion: flow.version, state: flow.start, call: call, startedAt: now)
        let step = machine.start(&session, now: now)
        var record = EventRecord(
            callId: event.callId, event: .newCall, flow: flow, after: session.state, note: step.note, edges: step.edges)
        record.started = true
        record.variantCode = flow.variantCode(of: session.variables)
        if let request = step.handOff {
            let over = followHandOff(request, from: machine, record: record, &session, event: .newCall, now: now)
            keep(over.step.next, in: &session)
            return StartedCall(
                session: session, reply: reply(over.step.next, flow: over.machine.flow, turn: session.turn, record: over.record))
        }
        if step.ended, case .answer(let response) = step.next { record.noteEnding(answer: response, at: session.state) }
        keep(step.next, in: &session)
        let created = reply(step.next, flow: flow, turn: session.turn, record: consume record)
        return StartedCall(session: session, reply: created)
    }

    private func unrouted(_ event: NewCallEvent) -> EngineReply {
        metrics.unrouted.add()
        return finish(answer(.empty, EventRecord(callId: event.callId, event: .newCall, note: "no route for this call")))
    }

    // MARK: Look-ups

    /// Continues a call whose look-up ended, on the engine's own store; answers with what
    /// the call does next. The record continues the one of the push that reached the
    /// look-up: one push, one log line.
    func completeLookup(_ pending: PendingLookup, with ending: LookupEnding) -> (PushAnswer, EventRecord) {
        performLookupWork(resumeWork(pending, ending), of: pending)
    }

    /// Performs the work of `pending`'s look-up on the engine's own store: its answer and record.
    func performLookupWork(_ work: SessionWork, of pending: PendingLookup) -> (PushAnswer, EventRecord) {
        switch perform(work) {
        case .answer(let answer, let record): return (answer, record)
        // Never: a finished look-up answers, it does not wait again.
        case .lookup(_, let record): return (.empty, record)
        case .refused: return (.empty, pending.record)
        }
    }

    /// The work that continues a call whose look-up ended, for a store that runs it itself.
    public func resumeWork(_ pending: PendingLookup, _ ending: LookupEnding) -> SessionWork {
        SessionWork(callId: pending.callId, access: .update, operation: .resume(pending, ending), engine: self, now: clock.now())
    }

    // MARK: Answers

    /// The reply to a step: an answer at once, kept with the session for a repeated push, or
    /// the call's look-up; `record` already holds the step's note and trace.
    func reply(_ next: CallMachine.Next, flow: CompiledFlow, turn: UInt32, record: consuming EventRecord) -> EngineReply {
        switch next {
        case .answer(let response):
            return answer(PushAnswer(response, turn: turn), consume record)
        case .lookup(let request):
            let record = copy record
            return .lookup(PendingLookup(record: record, request: request, compiledFlow: flow, engine: self, turn: turn), record)
        }
    }

    func answer(_ answer: PushAnswer, _ record: consuming EventRecord) -> EngineReply {
        record.answerVerb = answer.verb
        if !record.handedFrom.isEmpty {
            for index in record.handedFrom.indices { record.handedFrom[index].answerVerb = answer.verb }
        }
        return .answer(answer, record)
    }

    /// Runs the effects of a push once its change is stored, and counts its answer.
    func finish(_ result: consuming SessionWorkResult) -> EngineReply {
        settle(result.effects, verb: result.verb)
        return result.reply
    }

    /// Runs a push's hooks and counts it and its answer.
    @inline(__always)
    func settle(_ effects: SessionEffects, verb: AnswerVerb?) {
        let tallies = effects.tallies
        if !tallies.isEmpty {
            if tallies.contains(.unknownCall) { metrics.unknownCall.add() }
            if tallies.contains(.repeatedPush) { metrics.repeatedPushes.add() }
            if tallies.contains(.lookupTimeout) { metrics.lookupTimeouts.add() }
            if tallies.contains(.lookupFailure) { metrics.lookupFailures.add() }
            if tallies.contains(.refusedFull) { metrics.refusedFull.add() }
            if tallies.contains(.lookupHold) { metrics.lookupHolds.add() }
        }
        if let call = effects.hooks { runHooks(call.hooks, call.info) }
        if let verb { metrics.verbs.add(verb) }
    }

    private func finish(_ reply: EngineReply) -> EngineReply {
        finish(SessionWorkResult(reply: reply, changed: false))
    }

    // MARK: Hooks

    func hookInfo(_ session: Session, _ flow: CompiledFlow, answeredBy: String?, cause: HangupCause?) -> CallEventInfo {
        var variables: [String: String] = [:]
        for entry in session.variables.entries where !entry.sensitive { variables[entry.name] = entry.value }
        return CallEventInfo(
            callId: session.callId, flow: flow.name, state: flow.stateName(session.state), call: session.call,
            variables: variables, answeredBy: answeredBy, cause: cause)
    }

    func runHooks(_ hooks: [@Sendable (CallEventInfo) async throws -> Void], _ info: CallEventInfo) {
        guard !hooks.isEmpty else { return }
        let metrics = self.metrics
        settings.hookRunner.run {
            for hook in hooks {
                do { try await hook(info) } catch { metrics.hookFailures.add() }
            }
        }
    }

    // MARK: Housekeeping

    /// Removes idle sessions (a slice of the store per call); run it regularly. Returns how many expired.
    ///
    /// - Parameter reporting: given the record of each expired call its flow had not ended
    ///   (``EventRecord/ending`` `.expired`), for the log and `/metrics`.
    @discardableResult
    public func sweep(reporting: (EventRecord) -> Void = { _ in }) -> Int {
        let now = clock.now()
        let expired = store.sweep(now: now).expired
        if !expired.isEmpty { metrics.expired.add(expired.count) }
        for session in expired where session.phase != .finished {
            guard let flow = machine(for: session)?.flow else { continue }
            var record = EventRecord(callId: session.callId, event: nil, flow: flow, before: session.state, note: "expired")
            record.noteWaited(since: session.lastActivity, now: now)
            record.noteEndingWithoutFlow(.expired, phase: session.phase, state: session.state)
            record.variantCode = flow.variantCode(of: session.variables)
            reporting(record)
        }
        return expired.count
    }

    /// Puts saved sessions back (after a restart); returns how many were restored.
    /// Each is adopted (``adopt(_:)``): a session of another flow version continues in the
    /// same state when it can and starts its flow again when it cannot; `flows` (the state
    /// file's header) names the states of the versions that saved them.
    /// - Parameters:
    ///   - sessions: the sessions read back.
    ///   - flows: the state names of the flow versions that saved them.
    ///   - noting: told what adopting each session of another flow version did.
    public func restore(
        _ sessions: [Session], flows: [SessionFile.FlowStates] = [],
        noting: (CallID, String) -> Void = { _, _ in }
    ) -> Int {
        var names: [String: [String]] = [:]
        for flow in flows { names["\(flow.version)@\(flow.name)"] = flow.states }
        var restored = 0
        for saved in sessions {
            let states = names["\(saved.flowVersion)@\(saved.flow)"]
            let stateName = states.flatMap { Int(saved.state) < $0.count ? $0[Int(saved.state)] : nil }
            let trail = states.map { states in saved.trail.states.compactMap { Int($0) < states.count ? states[Int($0)] : nil } }
            let (session, note) = adopt(StoredSession(session: saved, stateName: stateName, trailNames: trail))
            if let note { noting(session.callId, note) }
            if case .inserted = store.insert(session) { restored += 1 }
        }
        return restored
    }

    /// The states of every flow version served, for the state file's header.
    public var flowStates: [SessionFile.FlowStates] {
        flows.map { SessionFile.FlowStates(name: $0.name, version: $0.version, states: $0.stateNames) }
    }

    /// A snapshot of the counters.
    public var counters: EngineCounters { metrics.snapshot }

    /// The flows served, with how calls reach them, for the start-up banner.
    public var routeDescriptions: [String] { routes.routes.map(\.description) }
}
