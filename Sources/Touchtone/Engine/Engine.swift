import FoundationEssentials
import Synchronization

/// Settings of an ``Engine`` that do not belong to a flow.
public struct EngineSettings: Sendable {
    /// The address sipgate reaches this server at; callback and prompt URLs are built from it
    /// (and keep its `user:password@` part so sipgate can authenticate its callbacks).
    public var publicURL: AbsoluteURL
    /// Path under ``publicURL`` where prompts are served.
    public var audioPath: String
    /// Checks every prompt at start-up (`AudioFolder(path: "Audio")`); `nil` skips the check.
    public var prompts: (any PromptCatalog)?
    /// Runs call hooks; by default each in its own task, off the caller's thread.
    public var hookRunner: any HookRunner
    /// Records in each ``EventRecord`` the edges the call took (for flow coverage in tests).
    public var tracesEdges: Bool

    public init(publicURL: AbsoluteURL, audioPath: String = "audio", prompts: (any PromptCatalog)? = nil,
                hookRunner: any HookRunner = DetachedHookRunner(), tracesEdges: Bool = false) {
        self.publicURL = publicURL
        self.audioPath = audioPath
        self.prompts = prompts
        self.hookRunner = hookRunner
        self.tracesEdges = tracesEdges
    }
}

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

/// The engine's answer to one push.
public enum EngineReply: Sendable {
    /// Answer at once.
    case answer(Response, EventRecord)
    /// The call reached an async step: run ``PendingLookup/run()`` (off the event loop)
    /// and answer with what it returns. It never takes longer than the step's deadline.
    case lookup(PendingLookup, EventRecord)
    /// The body was not a valid push: answer 400 with the error's description.
    case refused(PushDecodingError)
}

/// An async step waiting to run for one call.
public struct PendingLookup: Sendable {
    public let callId: CallID
    public let flow: String
    /// The look-up state's name.
    public let state: String
    /// What the look-up sees of the call.
    public let context: CallContext
    public let deadline: Duration
    let engine: Engine
    let work: @Sendable (CallContext) async throws -> ErasedLookupResult
    /// Played before whatever the look-up leads to (announcements on the way to it).
    let prefix: [Play]
    /// The names of the results the look-up declares (``Lookup/outcomes``), for ``LookupOutcome/named(_:)``.
    public let outcomes: [String]
    /// What the push that reached the look-up recorded; the answer's record continues it.
    public let record: EventRecord

    /// Runs the look-up with its deadline and continues the call with its result or fallback.
    public func run() async -> (Response, EventRecord) {
        let outcome = await LookupRunner.run(work, context: context, deadline: deadline)
        return complete(with: outcome)
    }

    /// Continues the call as if the look-up had ended with `outcome` (tests stub look-ups this way).
    public func complete(with outcome: LookupOutcome) -> (Response, EventRecord) {
        var (response, after) = engine.completeLookup(callId, with: outcome, prefix: prefix)
        // One push, one log line: the event, its keys and where it started, then where it ended.
        after.event = record.event
        after.digits = record.digits
        // The call may have ended during the look-up: its state names come from the record then.
        if after.compiledFlow == nil { after.compiledFlow = record.compiledFlow }
        after.before = record.before ?? after.before
        after.trace = record.trace + after.trace
        return (response, after)
    }

    /// The same look-up for another call in the same state (exploration clones calls).
    public func forCall(_ other: CallID) -> PendingLookup {
        PendingLookup(callId: other, flow: flow, state: state, context: context, deadline: deadline, engine: engine, work: work,
                      prefix: prefix, outcomes: outcomes, record: record)
    }
}

/// Runs a look-up against its deadline without tying up the caller.
enum LookupRunner {
    final class Once: Sendable {
        let continuation: Lock<CheckedContinuation<LookupOutcome, Never>?>
        init(_ c: CheckedContinuation<LookupOutcome, Never>) { continuation = Lock(c) }
        func resume(_ outcome: LookupOutcome) {
            continuation.withLock { c in
                c?.resume(returning: outcome)
                c = nil
            }
        }
    }

    /// The running look-up, so the deadline can cancel it.
    final class WorkerHandle: Sendable {
        private let task = Lock<Task<Void, Never>?>(nil)
        func set(_ t: Task<Void, Never>) { task.withLock { $0 = t } }
        func cancel() { task.withLock { $0?.cancel() } }
    }

    static func run(_ work: @escaping @Sendable (CallContext) async throws -> ErasedLookupResult,
                    context: CallContext, deadline: Duration) async -> LookupOutcome {
        await withCheckedContinuation { continuation in
            let once = Once(continuation)
            let worker = WorkerHandle()
            // Past the deadline the call goes on without the result, and the work is told to
            // stop (cancellation): a late look-up holds nothing once it has lost.
            let timer = Task {
                try? await Task.sleep(for: deadline)
                guard !Task.isCancelled else { return }
                once.resume(.timedOut)
                worker.cancel()
            }
            worker.set(Task {
                let outcome: LookupOutcome
                do { outcome = .finished(try await work(context)) } catch { outcome = .failed(String(describing: error)) }
                timer.cancel()
                once.resume(outcome)
            })
        }
    }
}

/// Counters an engine keeps, for `/metrics`.
public struct EngineCounters: Sendable, Hashable {
    public var eventsByType: [EventName: Int] = [:]
    public var answersByVerb: [String: Int] = [:]
    /// `dtmf`, `answer` or `hangup` for a call with no session (unknown or expired).
    public var unknownCallEvents = 0
    /// New calls refused because the store was full.
    public var refusedFull = 0
    /// New calls no route matched.
    public var unrouted = 0
    public var expiredSessions = 0
    public var hookFailures = 0
    public var lookupTimeouts = 0
    public var lookupFailures = 0
}

/// Lock-free counters behind ``EngineCounters``.
final class EngineMetrics: Sendable {
    let newCall = Atomic<Int>(0), answer = Atomic<Int>(0), hangup = Atomic<Int>(0), dtmf = Atomic<Int>(0)
    let gather = Atomic<Int>(0), dial = Atomic<Int>(0), voicemail = Atomic<Int>(0), reject = Atomic<Int>(0)
    let hangupVerb = Atomic<Int>(0), play = Atomic<Int>(0), empty = Atomic<Int>(0)
    let unknownCall = Atomic<Int>(0), refusedFull = Atomic<Int>(0), unrouted = Atomic<Int>(0), expired = Atomic<Int>(0)
    let hookFailures = Atomic<Int>(0), lookupTimeouts = Atomic<Int>(0), lookupFailures = Atomic<Int>(0)

    func count(_ event: EventName) {
        switch event {
        case .newCall: newCall.add(1, ordering: .relaxed)
        case .answer: answer.add(1, ordering: .relaxed)
        case .hangup: hangup.add(1, ordering: .relaxed)
        case .dtmf: dtmf.add(1, ordering: .relaxed)
        }
    }

    func count(_ verb: AnswerVerb) {
        switch verb {
        case .gather: gather.add(1, ordering: .relaxed)
        case .dial: dial.add(1, ordering: .relaxed)
        case .voicemail: voicemail.add(1, ordering: .relaxed)
        case .reject: reject.add(1, ordering: .relaxed)
        case .hangup: hangupVerb.add(1, ordering: .relaxed)
        case .play: play.add(1, ordering: .relaxed)
        case .empty: empty.add(1, ordering: .relaxed)
        }
    }

    var snapshot: EngineCounters {
        var c = EngineCounters()
        c.eventsByType = [.newCall: newCall.load(ordering: .relaxed), .answer: answer.load(ordering: .relaxed),
                          .hangup: hangup.load(ordering: .relaxed), .dtmf: dtmf.load(ordering: .relaxed)]
        c.answersByVerb = ["gather": gather.load(ordering: .relaxed), "dial": dial.load(ordering: .relaxed),
                           "voicemail": voicemail.load(ordering: .relaxed), "reject": reject.load(ordering: .relaxed),
                           "hangup": hangupVerb.load(ordering: .relaxed), "play": play.load(ordering: .relaxed),
                           "empty": empty.load(ordering: .relaxed)]
        c.unknownCallEvents = unknownCall.load(ordering: .relaxed)
        c.refusedFull = refusedFull.load(ordering: .relaxed)
        c.unrouted = unrouted.load(ordering: .relaxed)
        c.expiredSessions = expired.load(ordering: .relaxed)
        c.hookFailures = hookFailures.load(ordering: .relaxed)
        c.lookupTimeouts = lookupTimeouts.load(ordering: .relaxed)
        c.lookupFailures = lookupFailures.load(ordering: .relaxed)
        return c
    }
}

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
    /// The answer to callbacks: `onAnswer`/`onHangup` point back at us.
    let callbackURL: AbsoluteURL

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
        self.callbackURL = settings.publicURL
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
        metrics.count(event.name)
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

    private func machine(named name: String) -> CallMachine? {
        machines.first { $0.flow.name == name }
    }

    private func newCall(_ event: NewCallEvent, now: Date) -> EngineReply {
        let call = CallData(event)
        guard let route = routeMachines.first(where: { $0.route.matches(call) }) else {
            metrics.unrouted.add(1, ordering: .relaxed)
            return answer(.empty, EventRecord(callId: event.callId, event: .newCall, note: "no route for this call"))
        }
        let machine = machines[route.machine]
        let flow = machine.flow
        var session = Session(callId: event.callId, flow: flow.name, flowVersion: flow.version, state: flow.start, call: call, startedAt: now)
        let out = machine.start(&session, now: now)
        var note: String?
        switch memoryStore?.insert(session) ?? store.insert(session) {
        case .inserted:
            break
        case .exists(let existing):
            // sipgate repeated the push: answer as the first time, create nothing.
            note = "repeated newCall"
            session = existing
        case .full:
            metrics.refusedFull.add(1, ordering: .relaxed)
            return answer(.empty, EventRecord(callId: event.callId, event: .newCall, flow: flow,
                                              note: "session store full: call rings as without Touchtone"))
        }
        let record = EventRecord(callId: event.callId, event: .newCall, flow: flow, after: session.state,
                                 note: note ?? out.note, trace: out.trace ?? [])
        return reply(out, machine: machine, session: session, record: record)
    }

    /// What a `dtmf` push did to its call, taken out of the store's lock (the step's
    /// output goes to a variable of the caller, so that it is not copied on the way).
    private struct KeysStep {
        var machine: CallMachine
        var before: UInt16
        var after: UInt16
        var masked: Bool
    }

    private func dtmf(_ event: DTMFEvent, now: Date) -> EngineReply {
        var out = StepOutput(tracing: settings.tracesEdges)
        let step = updateSession(event.callId) { session -> KeysStep? in
            guard let machine = machine(named: session.flow) else { return nil }
            let before = session.state
            var masked = false
            if case .collect(let node) = machine.flow.nodes[Int(before)], node.sensitive, session.phase == .awaitingKeys {
                masked = true
            }
            machine.receive(digits: event.digits, &session, now: now, into: &out)
            session.lastActivity = now
            return KeysStep(machine: machine, before: before, after: session.state, masked: masked)
        }
        guard let step = step ?? nil else {
            metrics.unknownCall.add(1, ordering: .relaxed)
            return answer(Response(then: .hangup), EventRecord(callId: event.callId, event: .dtmf, digits: event.digits,
                                                               note: "unknown or expired call"))
        }
        let record = EventRecord(
            callId: event.callId, event: .dtmf, flow: step.machine.flow, before: step.before, after: step.after,
            digits: step.masked ? EventRecord.maskedDigits : event.digits, note: out.note, trace: out.trace ?? [])
        guard out.lookup != nil, let session = store.session(event.callId) else {
            return answer(response(out), record)
        }
        return reply(out, machine: step.machine, session: session, record: record)
    }

    private func answer(_ event: AnswerEvent, now: Date) -> EngineReply {
        // The hook's view of the call is built only when the flow has answer hooks.
        let result = updateSession(event.callId) { session -> (flow: CompiledFlow, state: UInt16, hook: CallEventInfo?)? in
            session.answered = true
            session.lastActivity = now
            guard let machine = machine(named: session.flow) else { return nil }
            let flow = machine.flow
            let hook = flow.hooks.onAnswer.isEmpty ? nil : hookInfo(session, flow, answeredBy: event.user ?? event.answeringNumber, cause: nil)
            return (flow, session.state, hook)
        }
        guard let found = result else {
            metrics.unknownCall.add(1, ordering: .relaxed)
            return answer(.empty, EventRecord(callId: event.callId, event: .answer, note: "unknown or expired call"))
        }
        guard let (flow, state, hook) = found else {
            return answer(.empty, EventRecord(callId: event.callId, event: .answer))
        }
        if let hook { runHooks(flow.hooks.onAnswer, hook) }
        return answer(.empty, EventRecord(callId: event.callId, event: .answer, flow: flow, before: state, after: state))
    }

    private func hangup(_ event: HangupEvent, now: Date) -> EngineReply {
        guard let session = memoryStore?.remove(event.callId) ?? store.remove(event.callId) else {
            metrics.unknownCall.add(1, ordering: .relaxed)
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

    /// Continues a call whose look-up ended; answers with what the call does next.
    func completeLookup(_ callId: CallID, with outcome: LookupOutcome, prefix: [Play]) -> (Response, EventRecord) {
        switch outcome {
        case .timedOut: metrics.lookupTimeouts.add(1, ordering: .relaxed)
        case .failed: metrics.lookupFailures.add(1, ordering: .relaxed)
        case .finished, .named: break
        }
        let now = clock.now()
        let result = store.update(callId) { session -> (out: StepOutput, flow: CompiledFlow, before: UInt16, after: UInt16)? in
            guard let machine = machine(named: session.flow) else { return nil }
            let before = session.state
            let out = machine.resume(outcome, &session, now: now)
            session.lastActivity = now
            return (out, machine.flow, before, session.state)
        }
        guard let step = result ?? nil else {
            let record = EventRecord(callId: callId, event: nil, note: "call ended during its look-up")
            return (Response.empty, finish(record, .empty))
        }
        var out = step.out
        out.prepared = nil  // plays and the final verb may change below
        var record = EventRecord(callId: callId, event: nil, flow: step.flow, before: step.before, after: step.after,
                                 note: out.note, trace: out.trace ?? [])
        if out.lookup != nil {
            // A look-up leading straight to another: the answer cannot wait twice.
            out.final = .hangup
            record.note = "a look-up led to another look-up"
        }
        out.plays.insert(contentsOf: prefix, at: 0)
        let response = response(out)
        return (response, finish(record, AnswerVerb(response)))
    }

    // MARK: Answers

    /// Answers with `out`, or hands the call to its look-up; `record` already holds the step's note and trace.
    private func reply(_ out: StepOutput, machine: CallMachine, session: Session, record: consuming EventRecord) -> EngineReply {
        guard let lookupState = out.lookup, case .lookup(let node) = machine.flow.nodes[Int(lookupState)] else {
            return answer(response(out), record)
        }
        let pending = PendingLookup(
            callId: session.callId, flow: machine.flow.name, state: machine.flow.stateName(lookupState),
            context: CallContext(callId: session.callId, call: session.call, variables: session.variables, now: clock.now()),
            deadline: node.deadline, engine: self, work: node.work, prefix: out.plays, outcomes: node.outcomes.map(\.name),
            record: copy record)
        return .lookup(pending, record)
    }

    private func response(_ out: StepOutput) -> Response {
        if let prepared = out.prepared { return prepared }
        return Response(onAnswer: callbackURL, onHangup: callbackURL, plays: out.plays, then: out.final)
    }

    private func answer(_ response: Response, _ record: consuming EventRecord) -> EngineReply {
        .answer(response, finish(record, AnswerVerb(response)))
    }

    private func finish(_ record: consuming EventRecord, _ verb: AnswerVerb) -> EventRecord {
        metrics.count(verb)
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
                do { try await hook(info) } catch { metrics.hookFailures.add(1, ordering: .relaxed) }
            }
        }
    }

    // MARK: Housekeeping

    /// Removes idle sessions (a slice of the store per call); run it regularly.
    @discardableResult
    public func sweep() -> Int {
        let expired = store.sweep(now: clock.now()).expired.count
        if expired > 0 { metrics.expired.add(expired, ordering: .relaxed) }
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

/// Problems found while compiling flows; the engine refuses to start with any.
public struct FlowProblems: Error, Sendable, CustomStringConvertible {
    public var problems: [FlowProblem]
    public init(_ problems: [FlowProblem]) { self.problems = problems }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// One problem in one flow, naming the state where it is.
public struct FlowProblem: Sendable, Hashable, CustomStringConvertible {
    public var flow: String
    public var state: String?
    public var message: String
    public init(flow: String, state: String? = nil, message: String) {
        self.flow = flow
        self.state = state
        self.message = message
    }
    public var description: String {
        if let state { return "\(flow).\(state): \(message)" }
        return "\(flow): \(message)"
    }
}
