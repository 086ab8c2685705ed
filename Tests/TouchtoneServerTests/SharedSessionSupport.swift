import Dispatch
import Synchronization
import Testing
import Touchtone

@testable import TouchtoneServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// What the tests of sessions shared through a real redis-server (SharedSessionTests,
// SharedSessionTroubleTests) use: a small flow, in-process instances on port 0, a caller
// that follows the turns its answers name, and a blocking look into Redis.

/// The states of ``sharedDeskFlow``.
enum SharedDesk: String, FlowState {
    case menu, more, check
}

/// Holds the look-up of ``sharedDeskFlow`` (key 3) until a test opens it; a test that
/// needs it closed puts a new one here.
let sharedLookupGate = Lock(Gate())
/// How many times that look-up started, over all instances.
let sharedLookupsStarted = Lock(0)

/// Like the reference flow (1 transfers, 2 voicemail, three misses hang up), with a second
/// menu behind key 4 whose key 1 transfers elsewhere: which menu a call is in shows in the
/// number it is transferred to. Key 3 runs a look-up (held by ``sharedLookupGate``) that
/// transfers to a third number.
let sharedDeskFlow = Flow("desk", version: 1, states: SharedDesk.self, start: .menu) {
    Menu(.menu, prompt: "welcome") {
        Key("1", .transfer(to: "4915799912345"))
        Key("2", .voicemail)
        Key("3", .go(.check))
        Key("4", .go(.more))
    }
    .attempts(3, then: .hangup)
    Menu(.more, prompt: "more") {
        Key("1", .transfer(to: "4915799900000"))
    }
    .attempts(3, then: .hangup)
    Lookup(.check, outcomes: Finished.self, deadline: .seconds(8), fallback: .hangup) { _ in
        sharedLookupsStarted.withLock { $0 += 1 }
        await sharedLookupGate.withLock { $0 }.wait()
        return .init(.done)
    } then: { _ in
        .transfer(to: "4915799955555")
    }
}

/// The voicemail answer a call in progress gets when its session cannot be read (the flow's
/// default `whenSessionsUnreachable`).
let voicemailAnswer = "<Dial><Voicemail/></Dial>"

/// A Touchtone instance of a test: a ``FlowServer`` of its own engine on 127.0.0.1, port 0.
/// All instances share the public URL, so their answers can be compared byte for byte.
final class TestInstance {
    let server: FlowServer
    let port: Int
    let logs = LogCapture()
    private var stopped = false

    var engine: Engine { server.engine }

    init(
        _ store: SessionStoreChoice, loops: Int = 1, routes: RoutingTable = RoutingTable { Route.default(sharedDeskFlow) },
        clock: any WallClock = SystemClock(), shutdownGrace: Duration = .seconds(10)
    ) throws {
        let engine = try Engine(
            routes: routes, store: InMemorySessionStore(), clock: clock,
            settings: EngineSettings(publicURL: try AbsoluteURL("http://127.0.0.1:3000/")))
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.loopCount = loops
        configuration.sessionStore = store
        configuration.limits.shutdownGrace = shutdownGrace
        server = FlowServer(configuration: configuration, engine: engine, logger: logs.logger())
        port = try server.start()
    }

    /// An instance on `redis` (the tests' fast reconnecting, a TTL of 10 minutes).
    convenience init(
        redis: RedisTestServer, loops: Int = 1, routes: RoutingTable = RoutingTable { Route.default(sharedDeskFlow) },
        clock: any WallClock = SystemClock(), shutdownGrace: Duration = .seconds(10),
        _ change: (inout RedisSessionSettings) -> Void = { _ in }
    ) throws {
        try self.init(
            .redis(sharedSettings(redis.url(), change)), loops: loops, routes: routes, clock: clock, shutdownGrace: shutdownGrace)
    }

    deinit { stop() }

    /// Stops the instance as a deploy would (no state file): returns once its loops ended.
    func stop() {
        guard !stopped else { return }
        stopped = true
        server.shutdown()
        server.waitUntilStopped()
    }

    /// POSTs `body` to `/?f=desk&t=TURN` (`/` without a turn), as sipgate calls back the URL of an answer.
    func push(_ body: String, turn: Int?) throws -> ClientResponse {
        try Self.push(port: port, body, turn: turn)
    }

    /// The same to the instance on `port`, from any thread.
    static func push(port: Int, _ body: String, turn: Int?, timeoutMilliseconds: Int32 = 5000) throws -> ClientResponse {
        let target = turn.map { "/?f=desk&t=\($0)" } ?? "/"
        return try request(port, "POST", target, headers: formType, body: body, timeoutMilliseconds: timeoutMilliseconds)
    }

    func health() throws -> ClientResponse { try request(port, "GET", "/healthz") }

    /// The value of one series of `/metrics` (`name` or `name{label="x"}`); nil when absent.
    func metric(_ series: String) throws -> Int? {
        let text = try request(port, "GET", "/metrics").text
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Int(line.dropFirst(series.count + 1))
        }
        return nil
    }
}

/// Redis session settings for the tests: the production defaults, but a link that retries
/// every 20 to 250 ms (a restarted Redis is found within a fraction of a second).
func sharedSettings(_ url: RedisURL, _ change: (inout RedisSessionSettings) -> Void = { _ in }) -> RedisSessionSettings {
    var settings = RedisSessionSettings(url: url)
    settings.sessionTTL = .seconds(600)
    settings.link.firstReconnectDelay = .milliseconds(20)
    settings.link.maxReconnectDelay = .milliseconds(250)
    change(&settings)
    return settings
}

/// One call as sipgate makes it: each push goes to the instance the test names, with the
/// turn the last answer's callback URL named.
final class TestCall {
    let callId: String
    /// The `t` of the last answer's callback URL; nil before the first answer.
    private(set) var turn: Int?

    init(_ callId: String) { self.callId = callId }

    var newCallBody: String {
        "event=newCall&from=492111234567&to=4915791234567&direction=in&callId=\(callId)&user[]=Alice"
    }
    func dtmfBody(_ digits: String) -> String { "event=dtmf&dtmf=\(digits)&callId=\(callId)" }
    var answerBody: String {
        "event=answer&callId=\(callId)&user=John+Doe&from=492111234567&to=4915791234567&direction=in&answeringNumber=21199999999"
    }
    var hangupBody: String {
        "event=hangup&cause=normalClearing&callId=\(callId)&from=492111234567&to=4915791234567&direction=in"
    }

    /// The key of the call's session under `prefix`.
    func key(_ prefix: String = "touchtone:") -> String { "\(prefix){\(callId)}" }

    @discardableResult
    func newCall(_ on: TestInstance) throws -> ClientResponse { try follow(on.push(newCallBody, turn: nil)) }

    /// Presses `digits` in answer to the last answer (or to the turn given: a late push).
    @discardableResult
    func dtmf(_ digits: String, _ on: TestInstance, turn: Int? = nil) throws -> ClientResponse {
        try follow(on.push(dtmfBody(digits), turn: turn ?? self.turn))
    }

    @discardableResult
    func answer(_ on: TestInstance) throws -> ClientResponse { try on.push(answerBody, turn: turn) }

    @discardableResult
    func hangup(_ on: TestInstance) throws -> ClientResponse { try on.push(hangupBody, turn: turn) }

    /// ``newCall(_:)`` from a thread of its own, for an `async` test whose push waits for a
    /// look-up (which needs one of Swift's few cooperative threads, and may wait for one
    /// while other tests hold them: it waits up to 30 s).
    @discardableResult
    func newCallOffThePool(_ on: TestInstance) async throws -> ClientResponse {
        let (port, body) = (on.port, newCallBody)
        return follow(try await offThePool { try TestInstance.push(port: port, body, turn: nil, timeoutMilliseconds: 30_000) })
    }

    /// ``dtmf(_:_:turn:)`` from a thread of its own.
    @discardableResult
    func dtmfOffThePool(_ digits: String, _ on: TestInstance, turn: Int? = nil) async throws -> ClientResponse {
        let (port, body, turn) = (on.port, dtmfBody(digits), turn ?? self.turn)
        return follow(try await offThePool { try TestInstance.push(port: port, body, turn: turn, timeoutMilliseconds: 30_000) })
    }

    /// Takes the turn the answer's callback URLs name.
    private func follow(_ response: ClientResponse) -> ClientResponse {
        if let named = Self.turn(in: response.text) { turn = named }
        return response
    }

    /// The `t` of the first callback URL in `xml` (`?f=desk&amp;t=3`).
    static func turn(in xml: String) -> Int? {
        guard let range = xml.range(of: "f=desk&amp;t=") else { return nil }
        return Int(xml[range.upperBound...].prefix { $0.isNumber })
    }
}

/// A blocking connection of the test's own to the Redis the instances share, to look at
/// (and damage) what they keep there.
final class RedisPeek {
    let link: RedisLink

    init(_ server: RedisTestServer) throws {
        link = try RedisLink(url: server.url(), settings: sharedSettings(server.url()).link)
        // Connects now: a link first used seconds later (a slow push before it) would find
        // its handshake's time long past.
        _ = try run(RESPCommand("PING"))
    }

    func run(_ command: RESPCommand) throws -> RESPReply {
        try link.roundTrip(command).get()
    }

    func get(_ key: String) throws -> [UInt8]? { try run(RESPCommand("GET", key)).bytes }

    /// Milliseconds the key has left; -2 when it does not exist, -1 when it never expires.
    func pttl(_ key: String) throws -> Int { try run(RESPCommand("PTTL", key)).integer ?? -3 }

    /// The keys there are, sorted.
    func keys() throws -> [String] {
        (try run(RESPCommand("KEYS", "*")).array ?? []).compactMap(\.string).sorted()
    }

    /// The session kept under `call`'s key, read by `engine` as any instance would read it.
    func session(_ call: TestCall, _ engine: Engine, prefix: String = "touchtone:") throws -> Session? {
        guard let bytes = try get(call.key(prefix)) else { return nil }
        return engine.decodeRecord(bytes, callId: CallID(call.callId), now: engine.clock.now())?.session
    }

    /// Clients whose commands wait (for a `CLIENT PAUSE` to end, among others).
    func blockedClients() throws -> Int {
        let info = try run(RESPCommand("INFO", "clients")).string ?? ""
        let prefix = "blocked_clients:"
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix(prefix) {
            return Int(line.dropFirst(prefix.count)) ?? 0
        }
        return 0
    }

    /// Times `command` has run on the server (`INFO commandstats`).
    func calls(of command: String) throws -> Int {
        let info = try run(RESPCommand("INFO", "commandstats")).string ?? ""
        let prefix = "cmdstat_\(command.lowercased()):calls="
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix(prefix) {
            return Int(line.dropFirst(prefix.count).prefix { $0.isNumber }) ?? 0
        }
        return 0
    }
}

extension Session {
    /// The name of its state in ``sharedDeskFlow``.
    func stateName(_ engine: Engine) -> String? {
        engine.flows.first { $0.name == flow }?.stateName(state)
    }
}

/// Starts `bodies` on threads of their own, released together: pushes that reach the
/// instances at the same moment. The returned function waits for their results, in order.
func together(_ bodies: [@Sendable () throws -> ClientResponse]) throws -> @Sendable () throws -> [ClientResponse] {
    let arrived = Atomic<Int>(0)
    let results = Lock<[Int: Result<ClientResponse, any Error>]>([:])
    let done = DispatchGroup()
    for (index, body) in bodies.enumerated() {
        done.enter()
        do {
            try Thread.start {
                arrived.add(1, ordering: .acquiringAndReleasing)
                // A short wait: every thread is started already or about to be.
                while arrived.load(ordering: .acquiring) < bodies.count { sched_yield() }
                let result = Result { try body() }
                results.withLock { $0[index] = result }
                done.leave()
            }
        } catch {
            // Release the threads started already (they run their pushes), and fail.
            arrived.add(bodies.count, ordering: .acquiringAndReleasing)
            throw error
        }
    }
    return {
        // Each body ends within its client's receive timeout; this only guards against a bug.
        guard done.wait(timeout: .now() + .seconds(30)) == .success else { throw ClientError(description: "pushes did not end") }
        return try results.withLock { all in try bodies.indices.map { try all[$0]!.get() } }
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` passed; true when it held.
func eventually(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let limit = Clock.monotonicNanoseconds() + UInt64(seconds * 1e9)
    while true {
        if try condition() { return true }
        if Clock.monotonicNanoseconds() >= limit { return false }
        usleep(20_000)
    }
}

/// The same from a test that is `async`: it waits without holding one of Swift's few
/// cooperative threads, which look-ups (of this test or another running alongside) need.
func eventually(within seconds: Double, _ condition: () throws -> Bool) async throws -> Bool {
    let limit = Clock.monotonicNanoseconds() + UInt64(seconds * 1e9)
    while true {
        if try condition() { return true }
        if Clock.monotonicNanoseconds() >= limit { return false }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// Seconds since `start` (monotonic nanoseconds).
func seconds(since start: UInt64) -> Double {
    Double(Clock.monotonicNanoseconds() - start) / 1e9
}

/// Seconds `body` took, and what it returned.
func timed<R>(_ body: () throws -> R) rethrows -> (R, Double) {
    let started = Clock.monotonicNanoseconds()
    let result = try body()
    return (result, Double(Clock.monotonicNanoseconds() - started) / 1e9)
}
