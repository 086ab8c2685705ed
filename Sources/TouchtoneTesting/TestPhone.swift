import FoundationEssentials
import Testing
import Touchtone

/// A telephone for flow tests: places simulated calls into a routing table (or one flow),
/// with a clock you move by hand, stubbed look-ups and coverage. No sockets, no sipgate.
///
/// ```swift
/// @Test func supportIsTwoKeysAway() async throws {
///     let phone = try TestPhone(routes: routes)
///     let call = await phone.call(from: "4915112345678", to: "4921100000",
///                                 hears: .prompts("welcome", "main-menu")) {
///         $0.state = "mainMenu"
///     }
///     await call.press("2", hears: .prompts("support-menu")) {
///         $0.state = "supportMenu"
///         $0.trail = ["mainMenu"]
///     }
/// }
/// ```
public final class TestPhone: Sendable {
    /// The engine the calls go to, with the phone's routing table, clock and session store.
    public let engine: Engine
    /// The time the calls see; it moves only with ``advanceClock(by:)``, ``setClock(to:in:sourceLocation:)`` or the clock itself.
    public let clock: ManualClock
    /// Where the states and edges taken by this phone's calls are counted.
    public let coverage: FlowCoverage
    let transport: any CallTransport
    let hooks: CollectingHookRunner
    private let mutable = Lock(Mutable())

    private struct Mutable: Sendable {
        var exhaustivity = Exhaustivity.on
        /// Answers already checked against the grammar: calls repeat the same few answers.
        var validAnswers: Set<String> = []
        var stubs = LookupStubs()
        var nextCall = 1
        var failureHandler: (@Sendable (TestFailure) -> Void)?
    }

    /// Monday 30 November 2026, 10:00 in Berlin (09:00 UTC): a working day, within office hours.
    public static let defaultStart = Date(timeIntervalSince1970: 1_796_029_200)

    /// The address the simulated sipgate uses in callback URLs.
    public static let publicURL = "https://touchtone.test"

    /// A phone for the flows of `routes`, checked like `touchtone serve` checks them.
    /// - Parameters:
    ///   - routes: the routing table to call.
    ///   - clock: the time the calls see; it moves only when a test moves it.
    ///   - prompts: where prompts are checked (`AudioFolder(path: "Audio")`); `nil` skips the check.
    ///   - coverage: where the states and edges the calls take are counted (share one between phones).
    ///   - store: the sessions of the calls.
    ///   - transport: makes how pushes reach the engine (in process by default; `LiveTransport` for a real server).
    public init(
        routes: RoutingTable, clock: ManualClock = ManualClock(TestPhone.defaultStart), prompts: (any PromptCatalog)? = nil,
        coverage: FlowCoverage = FlowCoverage(), store: InMemorySessionStore = InMemorySessionStore(),
        transport: ((Engine) -> any CallTransport)? = nil
    ) throws {
        self.clock = clock
        self.coverage = coverage
        let hooks = CollectingHookRunner()
        self.hooks = hooks
        engine = try Engine(
            routes: routes, store: store, clock: clock,
            settings: EngineSettings(
                publicURL: try AbsoluteURL(TestPhone.publicURL), prompts: prompts,
                hookRunner: hooks))
        self.transport = transport?(engine) ?? EngineTransport(engine: engine)
    }

    /// A phone for one flow, which answers every call.
    public convenience init(
        flow: some FlowDefinition, clock: ManualClock = ManualClock(TestPhone.defaultStart),
        prompts: (any PromptCatalog)? = nil, coverage: FlowCoverage = FlowCoverage()
    ) throws {
        try self.init(routes: RoutingTable { Route.default(flow) }, clock: clock, prompts: prompts, coverage: coverage)
    }

    /// `.on` (default): every step states what the caller hears and every state change.
    /// `.off`: steps check only what they state (for end-to-end style tests).
    public var exhaustivity: Exhaustivity {
        get { mutable.withLock { $0.exhaustivity } }
        set { mutable.withLock { $0.exhaustivity = newValue } }
    }

    /// Where failures go; by default they are recorded as Swift Testing issues at the test's line.
    /// Tests of the kit itself catch them here to check the messages.
    public var onFailure: (@Sendable (TestFailure) -> Void)? {
        get { mutable.withLock { $0.failureHandler } }
        set { mutable.withLock { $0.failureHandler = newValue } }
    }

    /// Answers the look-up in state `state` this way from now on.
    public func stubLookup(_ state: String, _ stub: LookupStub) {
        mutable.withLock { $0.stubs.byState[state] = stub }
    }

    /// Answers the look-up in state `state` this way from now on.
    public func stubLookup<S: FlowState>(_ state: S, _ stub: LookupStub) {
        stubLookup(state.rawValue, stub)
    }

    /// Ends the look-up in `state` with `outcome` (and variables) from now on.
    public func stubLookup<S: FlowState, Outcome: LookupOutcome>(
        _ state: S, answer outcome: Outcome, setting variables: [String: String] = [:]
    ) {
        stubLookup(state.rawValue, .answer(outcome, setting: variables))
    }

    /// The grammar problems of an answer, checking each distinct answer once.
    func grammarProblems(_ xml: String) -> [String] {
        if mutable.withLock({ $0.validAnswers.contains(xml) }) { return [] }
        let problems = SipgateXML.problems(in: xml)
        if problems.isEmpty { mutable.withLock { _ = $0.validAnswers.insert(xml) } }
        return problems
    }

    var stubs: LookupStubs { mutable.withLock { $0.stubs } }

    /// The compiled flow named `name`.
    public func flow(named name: String) -> CompiledFlow? { engine.flows.first { $0.name == name } }

    /// Coverage of the flow named `name` so far.
    public func coverageReport(of name: String) -> CoverageReport? { flow(named: name).map { coverage.report(for: $0) } }

    /// Fails the test unless every state and edge of the flow was exercised.
    public func expectFullCoverage(of name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let report = coverageReport(of: name) else {
            fail("no flow named \(name)", at: sourceLocation)
            return
        }
        if !report.isComplete { fail("flow coverage is not complete:\n\(report)", at: sourceLocation) }
    }

    // MARK: Time

    /// Moves the clock forward.
    public func advanceClock(by duration: Duration) {
        clock.advance(by: duration.timeInterval)
    }

    /// Sets the clock to a local time, e.g. `"2026-12-24 10:00"` in `Europe/Berlin`.
    public func setClock(to localTime: String, in zone: String = "Europe/Berlin", sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            clock.set(try TestTime.date(localTime, in: try Zone(zone)))
        } catch {
            fail("cannot set the clock to \(localTime) in \(zone): \(error)", at: sourceLocation)
        }
    }

    /// Runs the session store's expiry as the server's timer would, over the whole store.
    @discardableResult
    public func expireIdleSessions() -> Int {
        var expired = 0
        for _ in 0..<4096 {
            let report = engine.store.sweep(now: clock.now())
            expired += report.expired.count
            if report.completedPass { break }
        }
        return expired
    }

    // MARK: Calls

    /// Places a call (sipgate's `newCall`) and checks what the caller hears first.
    ///
    /// With `forcing`, the call's number (or id) is chosen so that the A/B split gives it
    /// that share (see ``ForcedShare``). With `language`, the call is placed from a number
    /// of that language's country (`Language.exampleCaller(speaking:)`) unless `from` is given, and
    /// goes through the flow as any call does: the test fails unless the flow put it in
    /// `language` (by a `Decide` on the caller's number, say).
    @discardableResult
    public func call(
        from: String = "4915112345678", to: String = "4921100000", direction: Direction = .incoming,
        users: [String] = ["Alice"], diversion: String? = nil, callId: String? = nil, forcing: ForcedShare? = nil,
        language: String? = nil, hears expected: CallerHears? = nil, changes: ((inout CallState) -> Void)? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async -> SimulatedCall {
        var from = from
        if let language, from == "4915112345678", let number = Language.exampleCaller(speaking: language) { from = number }
        var id =
            callId
            ?? mutable.withLock { state in
                defer { state.nextCall += 1 }
                return "test-call-\(state.nextCall)"
            }
        if let forcing {
            let landing = engine.flows.lazy.compactMap {
                $0.call(landingIn: forcing.share, atSplit: forcing.split, from: from, callId: id)
            }.first
            guard let landing else {
                fail("no flow has a split \(forcing.split) with a share \(forcing.share)", at: sourceLocation)
                return SimulatedCall(phone: self, callId: CallID(id), from: from, to: to, direction: direction)
            }
            (from, id) = landing
        }
        let call = SimulatedCall(phone: self, callId: CallID(id), from: from, to: to, direction: direction)
        let event = WebhookEvent.newCall(
            NewCallEvent(
                callId: CallID(id), from: from, to: to, direction: direction,
                users: users, diversion: diversion))
        let heard = await call.step(event, caller: nil, hears: expected, changes: changes, sourceLocation: sourceLocation)
        if let language {
            let session = engine.store.session(CallID(id))
            let chosen = session?.variables[Language.variable] ?? heard?.language
            if chosen != language {
                fail(
                    "the flow put the call from \(from) in \(chosen ?? "no language"), not \(language): pass a `from:` its languages choose",
                    at: sourceLocation)
            }
        }
        return call
    }

    func fail(_ message: String, at location: SourceLocation) {
        let failure = TestFailure(message: message, sourceLocation: location)
        if let handler = onFailure {
            handler(failure)
        } else {
            Issue.record(Comment(rawValue: message), sourceLocation: location)
        }
    }
}

/// Whether every step must state all it changes.
public enum Exhaustivity: Sendable, Hashable {
    /// Every step must state what the caller hears and every change of the call's state (the default).
    case on
    /// A step checks only what it states; unstated changes pass.
    case off
}

/// A failed expectation of a flow test.
public struct TestFailure: Sendable, CustomStringConvertible {
    /// What went wrong, with a diff where there is one.
    public let message: String
    /// Where the failing step is in the test (file, line and column).
    public let sourceLocation: SourceLocation
    /// The failure's message, as the test report shows it.
    public var description: String { message }
}

/// Local times for test clocks.
public enum TestTime {
    /// The instant of local time `text` (`YYYY-MM-DD HH:MM` or with `:SS`) in `zone`.
    public static func date(_ text: String, in zone: Zone) throws -> Date {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "T" })
        guard parts.count == 2 else { throw TimeValueError(input: text, reason: "expected YYYY-MM-DD HH:MM") }
        let day = try CalendarDay(parsing: String(parts[0]))
        let clock = parts[1].split(separator: ":").map { Int($0) }
        guard clock.count >= 2, clock.count <= 3, clock.allSatisfy({ $0 != nil }) else {
            throw TimeValueError(input: text, reason: "expected HH:MM or HH:MM:SS")
        }
        let seconds = clock[0]! * 3600 + clock[1]! * 60 + (clock.count == 3 ? clock[2]! : 0)
        let localEpoch = Double(day.daysSinceEpoch * 86400 + seconds)
        // Two rounds find the offset that applies at that local time (DST changes included).
        var guess = localEpoch - Double(zone.offset(at: Date(timeIntervalSince1970: localEpoch)))
        guess = localEpoch - Double(zone.offset(at: Date(timeIntervalSince1970: guess)))
        return Date(timeIntervalSince1970: guess)
    }
}
