import Testing
import Touchtone

@testable import TouchtoneServer

/// Sessions in a real `redis-server` that fails: stopped and started again, never reached,
/// refusing the password, losing its scripts, holding a damaged value. Calls always get a
/// safe answer in time, and the instance recovers by itself.
@Suite(
    "Sessions shared through Redis, when Redis fails", .serialized,
    .enabled(if: RedisTestServer.enabled, RedisTestServer.skipReason))
struct SharedSessionTroubleTests {
    /// sipgate gives up on an answer after about 10 seconds; a safe answer comes well before.
    static let quickly = 3.0

    @Test func whileRedisIsDownCallsGetSafeAnswersAndTheInstanceRecoversWhenItIsBack() async throws {
        let redis = try RedisTestServer()
        let instance = try TestInstance(redis: redis, loops: 2)
        let store = "redis://127.0.0.1:\(redis.port)/0"
        let inProgress = TestCall("before-the-fall")
        try inProgress.newCall(instance)
        #expect(try instance.health().status == 200)

        redis.kill()
        // A new call rings as if Touchtone were not there.
        let (fresh, newCallSeconds) = try timed { try TestCall("during-the-fall").newCall(instance) }
        #expect(fresh.status == 200)
        #expect(fresh.text.hasSuffix("<Response/>"))
        #expect(newCallSeconds < Self.quickly, "newCall took \(newCallSeconds) s")
        // A call in progress gets the flow's answer for it: voicemail.
        let (keys, dtmfSeconds) = try timed { try inProgress.dtmf("1", instance) }
        #expect(keys.status == 200)
        #expect(keys.text.contains(voicemailAnswer))
        #expect(!keys.text.contains("4915799912345"))
        #expect(dtmfSeconds < Self.quickly, "dtmf took \(dtmfSeconds) s")

        // A load balancer takes the instance out of rotation; the operator sees why.
        #expect(try await eventually(within: 5) { try instance.health().status == 503 })
        let health = try instance.health()
        #expect(health.status == 503)
        #expect(health.text.contains("session store \(store) unreachable"), "\(health.text)")
        #expect(try instance.metric("touchtone_store_up") == 0)
        #expect(try instance.metric("touchtone_store_unreachable_answers_total{event=\"newCall\"}") == 1)
        #expect(try instance.metric("touchtone_store_unreachable_answers_total{event=\"dtmf\"}") == 1)

        // Back on the same port (empty: it kept nothing): the instance finds it by itself.
        try redis.start()
        let restarted = Clock.monotonicNanoseconds()
        #expect(
            try await eventually(within: 5) { try instance.health().status == 200 },
            "not healthy \(seconds(since: restarted)) s after Redis came back")
        #expect(try instance.metric("touchtone_store_up") == 1)
        #expect(try instance.metric("touchtone_store_reconnects_total")! >= 1)
        let after = TestCall("after-the-fall")
        #expect(try after.newCall(instance).text.contains("audio/welcome.wav"))
        #expect(try after.dtmf("4", instance).text.contains("audio/more.wav"))
        #expect(try after.dtmf("1", instance).text.contains("4915799900000"))
        #expect(try instance.metric("touchtone_store_unreachable_answers_total{event=\"dtmf\"}") == 1)

        // Nothing is stuck: the loops stop at once.
        let ((), stopSeconds) = timed { instance.stop() }
        #expect(stopSeconds < Self.quickly, "stopping took \(stopSeconds) s")
    }

    @Test func aRedisThatStopsAnsweringCostsACallerAtMostTheCommandTimeout() async throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let instance = try TestInstance(redis: redis) {
            $0.link.commandTimeout = .milliseconds(500)
            $0.link.connectTimeout = .milliseconds(500)
        }
        let call = TestCall("held-up")
        try call.newCall(instance)

        // Redis takes connections but runs no command for 1.5 s.
        #expect(try peek.run(RESPCommand("CLIENT", "PAUSE", 1_500, "ALL")).isOK)
        let (port, press) = (instance.port, call.dtmfBody("1"))
        let (heard, took) = try await offThePool { try timed { try TestInstance.push(port: port, press, turn: 0) } }
        #expect(heard.text.contains(voicemailAnswer))
        #expect(took >= 0.45 && took < Self.quickly, "answered after \(took) s")
        #expect(try instance.metric("touchtone_store_errors_total{kind=\"timeout\"}")! >= 1)

        // Once Redis answers again, so does the instance.
        #expect(try await eventually(within: 5) { try instance.health().status == 200 })
        let next = TestCall("after-the-hold")
        #expect(try next.newCall(instance).text.contains("audio/welcome.wav"))
        #expect(try next.dtmf("1", instance).text.contains("4915799912345"))
    }

    @Test func startUpGivesUpAfterItsWaitWithOneLineNamingTheStore() async throws {
        let port = try RedisTestServer.freePort()
        let url = RedisURL(host: "127.0.0.1", port: port, password: "s3cret-pass")
        let settings = sharedSettings(url) { $0.startupWait = .seconds(1) }
        let (error, seconds) = try await offThePool { Self.failedStart(settings) }
        let line = try #require(Self.line(error))
        #expect(line.hasPrefix("session store redis://:****@127.0.0.1:\(port)/0 unreachable after "), "\(line)")
        #expect(line.contains("Connection refused"), "\(line)")
        #expect(!line.contains("s3cret-pass") && !line.contains("\n"))
        #expect(seconds >= 0.9 && seconds < 4, "gave up after \(seconds) s")
    }

    @Test func aWrongPasswordFailsStartUpAtOnceWithoutShowingIt() async throws {
        let redis = try RedisTestServer(["--requirepass", "right-password"])
        for password in ["wrong-password", nil] {
            let settings = sharedSettings(redis.url(password: password)) { $0.startupWait = .seconds(20) }
            let (error, seconds) = try await offThePool { Self.failedStart(settings) }
            let line = try #require(Self.line(error))
            let shown = password == nil ? "redis://127.0.0.1:\(redis.port)/0" : "redis://:****@127.0.0.1:\(redis.port)/0"
            #expect(line.hasPrefix("session store \(shown): "), "\(line)")
            #expect(line.contains(password == nil ? "NOAUTH" : "WRONGPASS"), "\(line)")
            #expect(!line.contains("wrong-password") && !line.contains("right-password") && !line.contains("\n"))
            #expect(seconds < 2, "failed after \(seconds) s, not at once")
        }
    }

    @Test func aRedisThatLostItsScriptsStillTakesTheNextPush() throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let instance = try TestInstance(redis: redis)
        let alone = try TestInstance(.memory)
        let shared = TestCall("scripts-flushed")
        let single = TestCall("scripts-flushed")
        try shared.newCall(instance)
        try single.newCall(alone)

        #expect(try peek.run(RESPCommand("SCRIPT", "FLUSH")).isOK)
        #expect(try shared.dtmf("9", instance).text == (try single.dtmf("9", alone)).text)
        #expect(try peek.calls(of: "EVAL") == 1)  // the script itself, once: it is loaded again
        #expect(try shared.dtmf("4", instance).text == (try single.dtmf("4", alone)).text)
        #expect(try peek.calls(of: "EVAL") == 1)
        let session = try #require(try peek.session(shared, instance.engine))
        #expect(session.turn == 2 && session.stateName(instance.engine) == "more")
        #expect(try instance.metric("touchtone_store_unreachable_answers_total{event=\"dtmf\"}") == 0)
        #expect(try instance.metric("touchtone_store_errors_total{kind=\"server\"}") == 0)
    }

    @Test func aRedisThatRefusesWritesGetsCallsTheSafeAnswers() throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let instance = try TestInstance(redis: redis)
        let call = TestCall("full")
        try call.newCall(instance)

        // Full: every write is refused (OOM), reads still work.
        #expect(try peek.run(RESPCommand("CONFIG", "SET", "maxmemory", 1)).isOK)
        #expect(try TestCall("no-room").newCall(instance).text.hasSuffix("<Response/>"))
        #expect(try call.dtmf("4", instance, turn: 0).text.contains(voicemailAnswer))
        #expect(try instance.metric("touchtone_store_errors_total{kind=\"server\"}") == 2)
        #expect(try peek.session(call, instance.engine)?.turn == 0)

        #expect(try peek.run(RESPCommand("CONFIG", "SET", "maxmemory", 0)).isOK)
        #expect(try call.dtmf("4", instance, turn: 0).text.contains("audio/more.wav"))
    }

    @Test func aDamagedSessionGetsTheSafeAnswerNeverACrash() async throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let instance = try TestInstance(redis: redis, loops: 2)
        let good = TestCall("good")
        try good.newCall(instance)
        let record = try #require(try peek.get(good.key()))

        let damaged: [(name: String, value: [UInt8])] = [
            ("garbage", Array("garbage".utf8)),
            ("empty", []),
            ("cut short", Array(record.prefix(record.count / 2))),
            ("of a later format", [99] + record.dropFirst()),
        ]
        for (index, damage) in damaged.enumerated() {
            let call = TestCall("damaged-\(index)")
            #expect(try peek.run(RESPCommand("SET", call.key(), damage.value)).isOK)
            let heard = try call.dtmf("1", instance, turn: 0)
            #expect(heard.status == 200, "\(damage.name)")
            #expect(heard.text.contains(voicemailAnswer), "\(damage.name): \(heard.text)")
            #expect(try instance.metric("touchtone_store_unreadable_total") == index + 1, "\(damage.name)")
        }
        #expect(try instance.metric("touchtone_store_unreachable_answers_total{event=\"dtmf\"}") == damaged.count)

        // Its newCall again rings without Touchtone; its hangup clears it.
        let call = TestCall("damaged-0")
        #expect(try call.newCall(instance).text.hasSuffix("<Response/>"))
        #expect(try call.hangup(instance).status == 200)
        #expect(try peek.pttl(call.key()) == -2)
        #expect(try instance.metric("touchtone_store_unreadable_total") == damaged.count + 2)

        // Other calls never noticed; the instance stays healthy.
        #expect(try await eventually(within: 5) { try instance.health().status == 200 })
        #expect(try instance.metric("touchtone_store_errors_total{kind=\"protocol\"}") == 0)
        #expect(try good.dtmf("1", instance).text.contains("4915799912345"))
    }

    /// Starts a server on `settings` that must fail: its error, and how long start-up took.
    static func failedStart(_ settings: RedisSessionSettings) -> (ServerError?, Double) {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.loopCount = 1
        configuration.sessionStore = .redis(settings)
        let engine = try? Engine(
            routes: RoutingTable { Route.default(sharedDeskFlow) }, store: InMemorySessionStore(),
            settings: EngineSettings(publicURL: try! AbsoluteURL("http://127.0.0.1:3000/")))
        guard let engine else { return (nil, 0) }
        let server = FlowServer(configuration: configuration, engine: engine, logger: LogCapture().logger())
        return timed { () -> ServerError? in
            do throws(ServerError) {
                try server.start()
                server.shutdown()
                server.waitUntilStopped()
                return nil
            } catch {
                return error
            }
        }
    }

    /// The line of a ``ServerError/sessionStore(_:)``; nil for any other outcome.
    static func line(_ error: ServerError?) -> String? {
        guard case .sessionStore(let line)? = error else { return nil }
        #expect(line == error?.description)
        return line
    }
}
