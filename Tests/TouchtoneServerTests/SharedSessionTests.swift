import Testing
import Touchtone

@testable import TouchtoneServer

/// Several instances on one real `redis-server` (started by each test) serve the same calls
/// as one instance would: what the caller hears, and what Redis keeps.
@Suite("Sessions shared through Redis", .serialized, .enabled(if: RedisTestServer.enabled, RedisTestServer.skipReason))
struct SharedSessionTests {
    /// The TTL the instances give sessions (``sharedSettings(_:_:)``), in milliseconds.
    static let ttl = 600_000

    @Test func aCallWhosePushesAlternateBetweenTwoInstancesHearsWhatOneInstanceWouldAnswer() throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let a = try TestInstance(redis: redis, loops: 1)
        let b = try TestInstance(redis: redis, loops: 2)
        let alone = try TestInstance(.memory)
        let shared = TestCall("alternating")
        let single = TestCall("alternating")

        // Each step on the shared call, at the instance named, and on the lone instance.
        let steps: [(name: String, shared: () throws -> ClientResponse, single: () throws -> ClientResponse)] = [
            ("newCall on A", { try shared.newCall(a) }, { try single.newCall(alone) }),
            ("wrong key on B", { try shared.dtmf("9", b) }, { try single.dtmf("9", alone) }),
            ("key 4 on A", { try shared.dtmf("4", a) }, { try single.dtmf("4", alone) }),
            ("answer on B", { try shared.answer(b) }, { try single.answer(alone) }),
            ("key 1 on A", { try shared.dtmf("1", a) }, { try single.dtmf("1", alone) }),
        ]
        var heardLast = ClientResponse(status: 0, headers: [], body: [])
        for (index, step) in steps.enumerated() {
            if index == 2 {
                // The next write gives the key the whole TTL again.
                #expect(try peek.run(RESPCommand("PEXPIRE", shared.key(), 100_000)).integer == 1)
            }
            let heard = try labelled(step.name) { try step.shared() }
            let expected = try step.single()
            #expect(heard.status == 200, "\(step.name)")
            #expect(heard.body == expected.body, "\(step.name)")
            let left = try peek.pttl(shared.key())
            #expect(left > Self.ttl - 10_000 && left <= Self.ttl, "\(step.name): PTTL \(left)")
            heardLast = heard
        }
        // Key 1 of the second menu: the call was in it, answered, whoever served it.
        #expect(heardLast.text.contains("<Dial><Number>4915799900000</Number></Dial>"))
        let session = try #require(try peek.session(shared, a.engine))
        #expect(session.answered && session.stateName(a.engine) == "more")

        let end = try shared.hangup(b)
        #expect(end.status == 200)
        #expect(end.text == (try single.hangup(alone)).text)
        #expect(try peek.pttl(shared.key()) == -2)
        #expect(try peek.keys().isEmpty)
        #expect(alone.engine.store.count == 0)
        // Neither instance kept the call in its own memory.
        #expect(a.engine.store.count == 0 && b.engine.store.count == 0)
    }

    @Test func anInstanceStoppedMidCallLosesNothing() throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let a = try TestInstance(redis: redis)
        let b = try TestInstance(redis: redis)
        let alone = try TestInstance(.memory)
        let shared = TestCall("stopped")
        let single = TestCall("stopped")
        #expect(try shared.newCall(a).text == (try single.newCall(alone)).text)
        #expect(try shared.dtmf("9", a).text == (try single.dtmf("9", alone)).text)
        #expect(try shared.dtmf("8", a).text == (try single.dtmf("8", alone)).text)

        a.stop()  // a deploy: no state file, nothing saved
        #expect(a.server.port == nil)
        let kept = try #require(try peek.session(shared, b.engine))
        #expect(kept.wrongKeyCount == 2 && kept.turn == 2)

        // B goes on with the call's counters: the third miss ends it, as on one instance.
        let third = try shared.dtmf("7", b)
        #expect(third.text == (try single.dtmf("7", alone)).text)
        #expect(third.text.contains("<Hangup/>"))
    }

    @Test func aPushDeliveredAgainToTheOtherInstanceGetsTheSameAnswerAndChangesTheCallOnce() throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let a = try TestInstance(redis: redis)
        let b = try TestInstance(redis: redis, loops: 2)
        let call = TestCall("repeated")
        let welcome = try call.newCall(a)
        // sipgate delivers newCall again, to B: the same answer, the call not started over.
        #expect(try call.newCall(b).body == welcome.body)
        #expect(try b.metric("touchtone_repeated_pushes_total") == 1)

        let first = try call.dtmf("9", a, turn: 0)
        let again = try call.dtmf("9", b, turn: 0)
        #expect(first.status == 200 && again.status == 200)
        #expect(first.body == again.body)
        #expect(TestCall.turn(in: again.text) == 1)
        var session = try #require(try peek.session(call, a.engine))
        #expect(session.turn == 1 && session.wrongKeyCount == 1)
        #expect(try b.metric("touchtone_repeated_pushes_total") == 2)
        #expect(try a.metric("touchtone_repeated_pushes_total") == 0)

        // The call moves on; then a push of an older turn arrives late: the call stays as it is.
        let second = try call.dtmf("8", b)
        let stored = try #require(try peek.get(call.key()))
        let stale = try call.dtmf("4", a, turn: 0)
        #expect(stale.body == second.body)
        #expect(!stale.text.contains("more.wav"))
        #expect(try peek.get(call.key()) == stored)
        session = try #require(try peek.session(call, a.engine))
        #expect(session.turn == 2 && session.wrongKeyCount == 2 && session.stateName(a.engine) == "menu")
        #expect(try a.metric("touchtone_repeated_pushes_total") == 1)

        // Two misses, not four: the third ends the call.
        #expect(try call.dtmf("7", a).text.contains("<Hangup/>"))
    }

    @Test func pushesOfOneCallArrivingAtBothInstancesTogetherAreAllApplied() throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let a = try TestInstance(redis: redis, loops: 2)
        let b = try TestInstance(redis: redis, loops: 2)

        for round in 0..<20 {
            let call = TestCall("race-\(round)")
            let (one, other) = round % 2 == 0 ? (a, b) : (b, a)
            let (onePort, otherPort) = (one.port, other.port)
            // sipgate's newCall, delivered again at once to the other instance: one call, one answer.
            let start = call.newCallBody
            let started = try together([
                { try TestInstance.push(port: onePort, start, turn: nil) },
                { try TestInstance.push(port: otherPort, start, turn: nil) },
            ])()
            #expect(started[0].body == started[1].body && started[0].text.contains("audio/welcome.wav"), "round \(round)")
            // sipgate's answer and the caller's key at the same moment, one at each instance.
            let (answer, key) = (call.answerBody, call.dtmfBody("4"))
            let raced = try together([
                { try TestInstance.push(port: onePort, answer, turn: 0) },
                { try TestInstance.push(port: otherPort, key, turn: 0) },
            ])()
            #expect(raced[0].status == 200 && raced[0].text.hasSuffix("<Response/>"), "round \(round)")
            #expect(raced[1].text.contains("audio/more.wav") && TestCall.turn(in: raced[1].text) == 1, "round \(round)")
            var session = try #require(try peek.session(call, a.engine), "round \(round)")
            #expect(session.answered && session.stateName(a.engine) == "more" && session.turn == 1, "round \(round)")

            // The same key delivered to both at once: applied once.
            let miss = call.dtmfBody("9")
            let twice = try together([
                { try TestInstance.push(port: onePort, miss, turn: 1) },
                { try TestInstance.push(port: otherPort, miss, turn: 1) },
            ])()
            #expect(twice[0].body == twice[1].body, "round \(round)")
            session = try #require(try peek.session(call, a.engine), "round \(round)")
            #expect(session.turn == 2 && session.wrongKeyCount == 1 && session.answered, "round \(round)")
            #expect(try call.dtmf("1", other, turn: 2).text.contains("4915799900000"), "round \(round)")
        }
        let repeated = try a.metric("touchtone_repeated_pushes_total")! + b.metric("touchtone_repeated_pushes_total")!
        #expect(repeated == 2 * 20)
    }

    /// Redis holds every write (`CLIENT PAUSE ... WRITE`) until both pushes read the call:
    /// both then write over the same session, and one of them must apply itself again.
    @Test func aWriteThatMeetsTheOtherInstancesChangeIsAppliedAgain() throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let a = try TestInstance(redis: redis)
        let b = try TestInstance(redis: redis)
        func conflicts() throws -> Int {
            try a.metric("touchtone_store_conflicts_total")! + b.metric("touchtone_store_conflicts_total")!
        }
        /// Sends `first` to A and `second` to B while writes wait; lets them go once `reads`
        /// `GET`s ran and both wait to write.
        func held(_ first: String, _ second: String, turn: Int, reads: Int = 2) throws -> [ClientResponse] {
            let before = try peek.calls(of: "GET")
            #expect(try peek.run(RESPCommand("CLIENT", "PAUSE", 10_000, "WRITE")).isOK)
            let (portA, portB) = (a.port, b.port)
            let wait = try together([
                { try TestInstance.push(port: portA, first, turn: turn) },
                { try TestInstance.push(port: portB, second, turn: turn) },
            ])
            let bothWait = try eventually(within: 8) {
                try peek.calls(of: "GET") >= before + reads && peek.blockedClients() >= 2
            }
            #expect(try peek.run(RESPCommand("CLIENT", "UNPAUSE")).isOK)
            #expect(bothWait)
            return try wait()
        }

        let call = TestCall("held")
        try call.newCall(a)
        var before = try conflicts()
        let raced = try held(call.answerBody, call.dtmfBody("4"), turn: 0)
        #expect(raced[0].text.hasSuffix("<Response/>"))
        #expect(raced[1].text.contains("audio/more.wav"))
        #expect(try conflicts() == before + 1)
        var session = try #require(try peek.session(call, a.engine))
        #expect(session.answered && session.stateName(a.engine) == "more" && session.turn == 1)

        // The same key twice: the second writer finds it applied and answers the kept answer.
        before = try conflicts()
        let twice = try held(call.dtmfBody("9"), call.dtmfBody("9"), turn: 1)
        #expect(twice[0].body == twice[1].body)
        #expect(try conflicts() == before + 1)
        session = try #require(try peek.session(call, a.engine))
        #expect(session.turn == 2 && session.wrongKeyCount == 1)
        #expect(try a.metric("touchtone_repeated_pushes_total")! + b.metric("touchtone_repeated_pushes_total")! == 1)

        // A key press and the hangup together: whichever Redis runs first, nothing is left behind.
        let ended = try held(call.dtmfBody("1"), call.hangupBody, turn: 2, reads: 1)
        #expect(ended[0].status == 200 && ended[1].status == 200)
        #expect(ended[1].text.hasSuffix("<Response/>"))
        #expect(try peek.pttl(call.key()) == -2)
    }

    /// A deploy rolls over the instances: B serves version 2 and keeps version 1 for the calls
    /// that began on it, A still serves version 1 only.
    @Test func duringARollingDeployTheNewInstanceContinuesTheOldVersionsCallsExactly() throws {
        let version2 = Flow("desk", version: 2, states: SharedDesk.self, start: .menu) {
            Menu(.menu, prompt: "welcome2") {
                Key("4", .go(.more))
            }
            Menu(.more, prompt: "more2") {
                Key("1", .transfer(to: "4915799977777"))
            }
        }
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let a = try TestInstance(redis: redis)
        let b = try TestInstance(redis: redis, routes: RoutingTable { Route.default(version2) }.keeping(sharedDeskFlow))
        let call = TestCall("deployed")
        try call.newCall(a)
        let pressed = try call.dtmf("4", a, turn: 0)
        #expect(try call.dtmf("4", b, turn: 0).body == pressed.body)
        let session = try #require(try peek.session(call, b.engine))
        #expect(session.flowVersion == 1 && session.turn == 1 && session.stateName(b.engine) == "more" && session.wrongKeyCount == 0)
        #expect(try call.dtmf("1", b).text.contains("4915799900000"))
        // A call that begins now gets version 2.
        #expect(try TestCall("after-the-deploy").newCall(b).text.contains("audio/welcome2.wav"))
    }

    /// sipgate never pipelines, but a proxy in front might: the pushes of one connection
    /// reach Redis in order, each after the one before was written.
    @Test func pipelinedPushesOfOneCallAreAppliedInOrder() throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let a = try TestInstance(redis: redis)
        let alone = try TestInstance(.memory)
        let call = TestCall("pipelined")
        let pushes = [
            (call.newCallBody, ""), (call.dtmfBody("4"), "?f=desk&t=0"), (call.dtmfBody("1"), "?f=desk&t=1"),
            (call.hangupBody, "?f=desk&t=2"),
        ]
        let batch = pushes.map { body, query in
            "POST /\(query) HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        }.joined()
        var heard: [[String]] = []
        for port in [a.port, alone.port] {
            let client = try TestClient(port: port)
            try client.send(batch)
            heard.append(try pushes.indices.map { _ in try client.readResponse().text })
        }
        #expect(heard[0] == heard[1])
        #expect(heard[0][2].contains("4915799900000"))
        #expect(try peek.keys().isEmpty)
        // Each push behind another went to Redis as soon as the one before it was answered,
        // not at the loop's next idle wake-up (up to a second later).
        #expect(try a.metric("touchtone_push_duration_seconds_bucket{le=\"0.25\"}") == pushes.count)
    }

    @Test func aSessionExpiresWithItsKey() async throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let instance = try TestInstance(redis: redis) { $0.sessionTTL = .milliseconds(300) }
        let call = TestCall("forgotten")
        try call.newCall(instance)
        let left = try peek.pttl(call.key())
        #expect(left <= 300 && left != -1, "PTTL \(left)")  // -2 if a slow machine read it late
        #expect(try await eventually(within: 5) { try peek.pttl(call.key()) == -2 })
        // The caller left long ago: the call is unknown, and ended.
        #expect(try call.dtmf("1", instance).text.contains("<Hangup/>"))
        #expect(try instance.metric("touchtone_unknown_call_events_total") == 1)
        #expect(try peek.keys().isEmpty)
    }

    /// A key that starts a look-up on A, delivered again to B while the look-up runs: B
    /// starts it again (sipgate waits for that answer), and the two end in one answer.
    @Test func aLookUpStartedAgainOnTheOtherInstanceEndsInOneAnswer() async throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let a = try TestInstance(redis: redis)
        let b = try TestInstance(redis: redis)
        let call = TestCall("looked-up")
        try call.newCall(a)
        sharedLookupGate.withLock { $0 = Gate() }
        // Whatever fails below, the look-ups end (and the instances can stop).
        defer { sharedLookupGate.withLock { $0 }.open() }
        let started = sharedLookupsStarted.withLock { $0 }
        /// Waits (without holding a thread: the look-ups need Swift's pool) until `count` look-ups started.
        func lookUps(_ count: Int) async throws -> Bool {
            for _ in 0..<500 where sharedLookupsStarted.withLock({ $0 }) < started + count {
                try await Task.sleep(for: .milliseconds(10))
            }
            return sharedLookupsStarted.withLock { $0 } == started + count
        }

        let (portA, portB, press) = (a.port, b.port, call.dtmfBody("3"))
        let first = try together([{ try TestInstance.push(port: portA, press, turn: 0) }])
        #expect(try await lookUps(1))
        let session = try #require(try peek.session(call, a.engine))
        #expect(session.phase == .awaitingLookup && session.stateName(a.engine) == "check" && session.turn == 1)
        let again = try together([{ try TestInstance.push(port: portB, press, turn: 0) }])
        #expect(try await lookUps(2))
        sharedLookupGate.withLock { $0 }.open()
        let (fromA, fromB) = try await offThePool { (try first()[0], try again()[0]) }
        #expect(fromA.body == fromB.body)
        #expect(fromA.text.contains("<Dial><Number>4915799955555</Number></Dial>"))

        // Once more: the kept answer, no third look-up.
        #expect(try call.dtmf("3", a, turn: 0).body == fromA.body)
        #expect(sharedLookupsStarted.withLock { $0 } == started + 2)
        let ended = try #require(try peek.session(call, a.engine))
        #expect(ended.turn == 1 && ended.phase != .awaitingLookup && ended.lastAnswer != nil)
    }

    /// A load balancer (or a deploy script) asks right after start-up: start-up reached
    /// Redis, so the instance is healthy, not "unreachable" until its loops connected.
    /// A look-up whose client went away (a reset) while the instance stops: the loop has no
    /// connection left, but it waits for the look-up and writes the call it moved on.
    @Test func aStoppingInstanceStillWritesTheLookUpOfAClientThatLeft() async throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let a = try TestInstance(redis: redis)
        let call = TestCall("left-while-stopping")
        try call.newCall(a)
        sharedLookupGate.withLock { $0 = Gate() }
        defer { sharedLookupGate.withLock { $0 }.open() }
        let started = sharedLookupsStarted.withLock { $0 }

        let body = call.dtmfBody("3")
        var client: TestClient? = try TestClient(port: a.port)
        try client?.send(
            "POST /?f=desk&t=0 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
        #expect(try await eventually(within: 5) { sharedLookupsStarted.withLock { $0 } == started + 1 })
        ConnectionOverSocketTests.reset(client!)
        client = nil
        // Only the request for /metrics itself is open: the loop has closed the caller's connection.
        let port = a.port
        #expect(try await eventually(within: 5) { try a.metric("touchtone_connections_open") == 1 })

        a.server.shutdown()
        #expect(try await eventually(within: 5) { (try? TestClient(port: port, timeoutMilliseconds: 200)) == nil })
        sharedLookupGate.withLock { $0 }.open()
        await a.server.shutdownAndWait()

        let session = try #require(try peek.session(call, a.engine))
        #expect(session.phase != .awaitingLookup && session.turn == 1)
        #expect(session.lastAnswer.map { PushAnswer($0).xml.contains("4915799955555") } == true)
    }

    @Test func anInstanceIsHealthyAsSoonAsItStarted() throws {
        let redis = try RedisTestServer()
        for round in 0..<5 {
            let instance = try TestInstance(redis: redis, loops: 2)
            let health = try instance.health()
            #expect(health.status == 200, "round \(round): \(health.text)")
            #expect(try instance.metric("touchtone_store_up") == 1, "round \(round)")
            #expect(try instance.metric("touchtone_store_reconnects_total") == 0, "round \(round)")
        }
    }

    @Test func theKeyPrefixNamesTheKeys() throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let other = try TestInstance(redis: redis) { $0.keyPrefix = "other:" }
        let plain = try TestInstance(redis: redis)
        let call = TestCall("prefixed")
        #expect(try call.newCall(other).text.contains("<Gather"))
        #expect(try peek.keys() == ["other:{prefixed}"])
        let left = try peek.pttl(call.key("other:"))
        #expect(left > Self.ttl - 10_000 && left <= Self.ttl)

        // An instance with another prefix does not see the call (and changes nothing of it).
        #expect(try plain.push(call.dtmfBody("1"), turn: 0).text.contains("<Hangup/>"))
        #expect(try peek.keys() == ["other:{prefixed}"])

        #expect(try call.dtmf("1", other).text.contains("4915799912345"))
        #expect(try call.hangup(other).status == 200)
        #expect(try peek.keys().isEmpty)
    }
}
