import FoundationEssentials
import Testing
import Touchtone

/// Walks flows breadth first through every key, wrong key, silence and look-up result, up
/// to a depth, and reports what no single test would find: answers outside sipgate's
/// grammar, silences that never end a call, and states from which a call cannot end.
///
/// ```swift
/// @Test func theHotlineHasNoDeadEnds() async throws {
///     let report = try await FlowExplorer(routes: routes).run()
///     #expect(report.problems == [], "\(report)")
/// }
/// ```
public struct FlowExplorer: Sendable {
    /// A call to place at the start of a walk.
    public struct Caller: Sendable {
        /// The calling number (digits without `+`), or `anonymous`.
        public var from: String
        /// The called number (routes can pick a flow by it).
        public var to: String
        /// Whether sipgate reports the call as incoming (`.incoming`) or outgoing (`.outgoing`).
        public var direction: Direction
        /// sipgate's `user[]`: the users receiving (incoming) or placing (outgoing) the call, in order.
        public var users: [String]
        /// A caller; the defaults are a mobile number calling a landline, incoming, for user `Alice`.
        public init(
            from: String = "4915112345678", to: String = "4921100000", direction: Direction = .incoming, users: [String] = ["Alice"]
        ) {
            self.from = from
            self.to = to
            self.direction = direction
            self.users = users
        }
    }

    /// The routing table whose flows are walked.
    public var routes: RoutingTable
    /// The calls each walk starts with; every route they reach is explored.
    public var callers: [Caller]
    /// Each walk runs at each of these instants (opening hours, holidays).
    public var times: [Date]
    /// Extra inputs to try in a state, by state name (e.g. a PIN the validator accepts).
    public var inputs: [String: [String]]
    /// How many keys deep each call is walked.
    public var maxDepth: Int
    /// A bound on distinct call situations, so exploration always ends.
    public var maxSituations: Int

    /// An explorer of `routes`; by default one caller, at ``TestPhone/defaultStart``, 12 keys deep, at most 50,000 situations.
    public init(
        routes: RoutingTable, callers: [Caller] = [Caller()], times: [Date] = [TestPhone.defaultStart],
        inputs: [String: [String]] = [:], maxDepth: Int = 12, maxSituations: Int = 50_000
    ) {
        self.routes = routes
        self.callers = callers
        self.times = times
        self.inputs = inputs
        self.maxDepth = maxDepth
        self.maxSituations = maxSituations
    }

    /// Explores every caller at every time.
    public func run() async throws -> ExplorationReport {
        var report = ExplorationReport()
        for time in times {
            let clock = ManualClock(time)
            let engine = try Engine(
                routes: routes, store: InMemorySessionStore(maxSessions: maxSituations * 40 + 1000), clock: clock,
                settings: EngineSettings(publicURL: try AbsoluteURL(TestPhone.publicURL)))
            var walk = Walk(explorer: self, engine: engine, report: report)
            for caller in callers {
                await walk.start(caller)
                await walk.startInEveryShare(caller)
            }
            await walk.expandAll()
            walk.checkEndings()
            report = walk.report
        }
        return report
    }
}

/// What an exploration found.
public struct ExplorationReport: Sendable, CustomStringConvertible {
    /// Every distinct answer, as XML.
    public var answers: Set<String> = []
    /// States reached, by flow.
    public var statesReached: [String: Set<String>] = [:]
    /// Distinct situations (state, counters, variables) explored.
    public var situations = 0
    /// Pushes sent.
    public var pushes = 0
    /// Everything wrong, one line each.
    public var problems: [String] = []

    /// A summary line of what was explored, the states reached per flow, then one `problem:` line per problem.
    public var description: String {
        var lines = ["explored \(situations) situations with \(pushes) pushes; \(answers.count) distinct answers"]
        for (flow, states) in statesReached.sorted(by: { $0.key < $1.key }) {
            lines.append("\(flow): reached \(states.sorted().joined(separator: ", "))")
        }
        lines += problems.map { "problem: \($0)" }
        return lines.joined(separator: "\n")
    }
}

private struct Walk {
    let explorer: FlowExplorer
    let engine: Engine
    var report: ExplorationReport
    var queue: [(CallID, Int, String)] = []
    var nextId = 0
    /// Situation signatures already explored, with whether any path from them ends the call.
    var seen: [String: Int] = [:]
    var edges: [Int: Set<Int>] = [:]
    var endsHere: Set<Int> = []
    var unexplored: Set<Int> = []
    var names: [Int: String] = [:]

    init(explorer: FlowExplorer, engine: Engine, report: ExplorationReport) {
        self.explorer = explorer
        self.engine = engine
        self.report = report
    }

    mutating func newId() -> CallID {
        nextId += 1
        return CallID("explore-\(nextId)")
    }

    /// Calls from `caller` once more for every share of every A/B split, each call's
    /// number (or id) chosen so that the split gives it that share.
    mutating func startInEveryShare(_ caller: FlowExplorer.Caller) async {
        for flow in engine.flows {
            for (state, shares) in flow.splitShares {
                for share in shares {
                    let id = newId()
                    guard let landing = flow.call(landingIn: share, atSplit: state, from: caller.from, callId: id.rawValue) else {
                        continue
                    }
                    var forced = caller
                    forced.from = landing.from
                    await start(forced, id: CallID(landing.callId))
                }
            }
        }
    }

    mutating func start(_ caller: FlowExplorer.Caller, id given: CallID? = nil) async {
        let id = given ?? newId()
        let event = WebhookEvent.newCall(
            NewCallEvent(callId: id, from: caller.from, to: caller.to, direction: caller.direction, users: caller.users))
        await deliver(event, id: id, depth: 0, path: "call from \(caller.from) to \(caller.to)", parent: nil)
    }

    mutating func deliver(_ event: WebhookEvent, id: CallID, depth: Int, path: String, parent: Int?) async {
        report.pushes += 1
        switch engine.handle(event) {
        case .answer(let answer, let record):
            passed(record)
            settle(answer.response, id: id, depth: depth, path: path, parent: parent)
        case .lookup(let pending, let record):
            passed(record)
            guard let session = engine.store.session(id) else { return }
            var endings: [(String, LookupEnding)] = pending.outcomes.map { ("result \($0)", .finished(ErasedLookupResult(outcome: $0))) }
            endings += [("look-up late", .timedOut), ("look-up failed", .failed("exploration"))]
            for (label, ending) in endings {
                let copy = clone(session)
                let (answer, record) = pending.forCall(copy).complete(with: ending)
                passed(record)
                report.pushes += 1
                settle(answer.response, id: copy, depth: depth, path: path + ", " + label, parent: parent)
            }
            if pending.holdAfter != nil { await exploreHold(pending, session, depth: depth, path: path + ", held", parent: parent) }
        case .refused(let error):
            report.problems.append("\(path): push refused: \(error)")
        }
    }

    /// A look-up that holds its caller: the hold answer (its keys explored like a menu's),
    /// then each ending kept while held and the deadline passing, each met by the next push.
    mutating func exploreHold(_ pending: PendingLookup, _ session: Session, depth: Int, path: String, parent: Int?) async {
        let held = clone(session)
        let (answer, record) = pending.forCall(held).hold()
        passed(record)
        report.pushes += 1
        settle(answer.response, id: held, depth: depth, path: path, parent: parent)
        guard let heldSession = engine.store.session(held) else { return }
        var endings: [(String, LookupEnding?)] = pending.outcomes.map { ("result \($0)", .finished(ErasedLookupResult(outcome: $0))) }
        endings += [("look-up failed", .failed("exploration")), ("deadline passed", nil)]
        for (label, ending) in endings {
            let copy = clone(heldSession, deadlinePassed: ending == nil)
            if let ending { _ = pending.forCall(copy).keep(ending) }
            await deliver(.dtmf(DTMFEvent(callId: copy, digits: "")), id: copy, depth: depth + 1, path: path + ", " + label, parent: parent)
        }
    }

    /// Records every state the call passed through, announcements and branches included.
    mutating func passed(_ record: EventRecord) {
        for left in record.handedFrom { passed(left) }
        guard let name = record.flow, let flow = engine.flows.first(where: { $0.name == name }) else { return }
        for edge in record.trace { report.statesReached[name, default: []].insert(flow.stateName(edge.from)) }
    }

    mutating func settle(_ response: Response, id: CallID, depth: Int, path: String, parent: Int?) {
        let xml = response.xml
        report.answers.insert(xml)
        for problem in SipgateXML.problems(in: xml) { report.problems.append("\(path): answer outside sipgate's grammar: \(problem)") }
        guard let session = engine.store.session(id), let flow = engine.flows.first(where: { $0.name == session.flow }) else {
            if let parent { endsHere.insert(parent) }
            return
        }
        report.statesReached[flow.name, default: []].insert(flow.stateName(session.state))
        let key = signature(session, flow)
        let known = seen[key]
        let node = known ?? seen.count
        if known == nil {
            seen[key] = node
            names[node] = "\(flow.name).\(flow.stateName(session.state))"
        }
        if let parent { edges[parent, default: []].insert(node) }
        if case .gather = response.final {
            guard known == nil else { return }
            if depth >= explorer.maxDepth || seen.count >= explorer.maxSituations {
                unexplored.insert(node)
            } else {
                queue.append((id, depth, path))
            }
        } else {
            endsHere.insert(node)
        }
    }

    mutating func expandAll() async {
        while !queue.isEmpty {
            let (id, depth, path) = queue.removeFirst()
            guard let session = engine.store.session(id), let flow = engine.flows.first(where: { $0.name == session.flow }),
                let node = seen[signature(session, flow)]
            else { continue }
            report.situations += 1
            let state = flow.stateName(session.state)
            let inputs =
                flow.sampleInputs(for: session.state, confirming: session.phase == .awaitingConfirmation)
                + (explorer.inputs[state] ?? [])
            for input in inputs {
                let copy = clone(session)
                await deliver(
                    .dtmf(DTMFEvent(callId: copy, digits: input)), id: copy, depth: depth + 1,
                    path: path + ", " + (input.isEmpty ? "silence" : input), parent: node)
            }
            checkSilenceEnds(session, flow: flow, path: path)
        }
    }

    /// From any waiting situation, staying silent must end the call (no endless re-prompts).
    mutating func checkSilenceEnds(_ session: Session, flow: CompiledFlow, path: String) {
        // A held caller who stays silent is held until the look-up's deadline.
        let copy = clone(session, deadlinePassed: true)
        for _ in 0..<(256) {
            report.pushes += 1
            guard case .answer(let answer, _) = engine.handle(.dtmf(DTMFEvent(callId: copy, digits: ""))) else { return }
            if case .gather = answer.response.final { continue }
            return
        }
        report.problems.append("\(path): staying silent in \(flow.name).\(flow.stateName(session.state)) never ends the call")
    }

    /// Every explored situation must have a way to end the call.
    mutating func checkEndings() {
        var canEnd = endsHere.union(unexplored)
        var changed = true
        while changed {
            changed = false
            for (from, targets) in edges where !canEnd.contains(from) && !targets.isDisjoint(with: canEnd) {
                canEnd.insert(from)
                changed = true
            }
        }
        let stuck = Set(names.keys).subtracting(canEnd).compactMap { names[$0] }
        for name in Set(stuck).sorted() {
            report.problems.append("\(name): a call here can never end (no transfer, voicemail, reject or hang-up reachable)")
        }
    }

    /// A copy of `session` under a new id; with `deadlinePassed`, its held look-up's deadline is behind it.
    mutating func clone(_ session: Session, deadlinePassed: Bool = false) -> CallID {
        var copy = session
        copy.callId = newId()
        if deadlinePassed { copy.held?.deadline = .distantPast }
        _ = engine.store.insert(copy)
        return copy.callId
    }

    func signature(_ session: Session, _ flow: CompiledFlow) -> String {
        let variables = session.variables.entries.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        return
            "\(flow.name)|\(session.state)|\(session.phase.rawValue)|\(session.noInputCount)|\(session.wrongKeyCount)|\(session.silenceStreak)|\(session.trail.states)|\(variables)"
    }
}
