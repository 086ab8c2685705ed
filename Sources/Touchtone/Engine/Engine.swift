import FoundationEssentials
import Synchronization

// API CONTRACT (stub bodies; the lead fills them in).

/// Settings of an ``Engine`` that do not belong to a flow.
public struct EngineSettings: Sendable {
    /// The address sipgate reaches this server at; callback and prompt URLs are built from it
    /// (and keep its `user:password@` part so sipgate can authenticate its callbacks).
    public var publicURL: AbsoluteURL
    /// Path under ``publicURL`` where prompts are served.
    public var audioPath: String

    public init(publicURL: AbsoluteURL, audioPath: String = "audio") {
        self.publicURL = publicURL
        self.audioPath = audioPath
    }
}

/// What happened to one push, for the log line: never holds sensitive digits or credentials.
public struct EventRecord: Sendable, Hashable {
    public var callId: CallID?
    public var event: EventName?
    public var flow: String?
    public var stateBefore: String?
    public var stateAfter: String?
    /// The final verb of the answer (`gather`, `dial`, `voicemail`, `reject`, `hangup`, `play`, `empty`).
    public var verb: String
    /// The keys pressed, with sensitive input masked as `****`.
    public var digits: String?
    /// A short note such as `unknown call` or `store full`.
    public var note: String?

    public init(callId: CallID? = nil, event: EventName? = nil, flow: String? = nil, stateBefore: String? = nil,
                stateAfter: String? = nil, verb: String = "empty", digits: String? = nil, note: String? = nil) {
        self.callId = callId
        self.event = event
        self.flow = flow
        self.stateBefore = stateBefore
        self.stateAfter = stateAfter
        self.verb = verb
        self.digits = digits
        self.note = note
    }
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
    let work: @Sendable () async -> (Response, EventRecord)
    /// Runs the look-up with its deadline and continues the call with its result or fallback.
    public func run() async -> (Response, EventRecord) { await work() }
}

/// Counters an engine keeps, for `/metrics`.
public struct EngineCounters: Sendable, Hashable {
    public var eventsByType: [EventName: Int] = [:]
    public var answersByVerb: [String: Int] = [:]
    public var unknownCallEvents = 0
    public var refusedFull = 0
    public var expiredSessions = 0
    public var hookFailures = 0
    public var lookupTimeouts = 0
    public var lookupFailures = 0
}

/// Turns sipgate pushes into answers: routes new calls to flows, keeps one session per
/// call in a ``SessionStore``, and steps each call's state machine.
public final class Engine: Sendable {
    public let store: any SessionStore
    public let clock: any WallClock
    public let settings: EngineSettings

    public init(routes: RoutingTable, store: any SessionStore, clock: any WallClock = SystemClock(), settings: EngineSettings) throws(FlowProblems) {
        self.store = store
        self.clock = clock
        self.settings = settings
    }

    /// Decodes a push body and handles it.
    public func handle(body: some Collection<UInt8>) -> EngineReply {
        do { return handle(try WebhookEvent.decode(body)) } catch { return .refused(error) }
    }

    /// Handles one decoded push.
    public func handle(_ event: WebhookEvent) -> EngineReply {
        .answer(.empty, EventRecord(callId: event.callId, event: event.name))
    }

    /// Removes idle sessions (a slice of the store per call); run it regularly.
    public func sweep() -> Int { store.sweep(now: clock.now()).expired.count }

    /// Puts saved sessions back (after a restart); returns how many were restored.
    /// Sessions of unknown flows or changed flow versions are dropped.
    public func restore(_ sessions: [Session]) -> Int { 0 }

    /// A snapshot of the counters.
    public var counters: EngineCounters { EngineCounters() }

    /// The flows served, with how calls reach them, for the start-up banner.
    public var routeDescriptions: [String] { [] }
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

/// Which flow answers which call (stub).
public struct RoutingTable: Sendable {
    public init() {}
}
