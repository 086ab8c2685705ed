import FoundationEssentials
import Testing
import Touchtone

@testable import TouchtoneServer

/// The states of ``heldDesk(after:)``.
enum HeldDesk: String, FlowState {
    case account, found, operatorDesk
}

/// Holds the look-up of ``heldDesk(after:)`` until a test opens it.
let heldDeskGate = Lock(Gate())
/// Runs when that look-up starts, before it waits for the gate (a test sets it).
let heldDeskLookupStarts = Lock<(@Sendable () -> Void)?>(nil)

/// A call that starts in a slow look-up which holds its caller after `after`; 0 while held goes
/// to the operator, as does the deadline. Named `desk` so the tests' caller follows its turns.
func heldDesk(after: Duration) -> Flow<HeldDesk> {
    Flow("desk", version: 1, states: HeldDesk.self, start: .account) {
        Lookup(.account, outcomes: HeldLineAccount.self, deadline: .seconds(60), fallback: .go(.operatorDesk)) { _ in
            heldDeskLookupStarts.withLock { $0 }?()
            await heldDeskGate.withLock { $0 }.wait()
            return .init(.found)
        } then: { _ in
            .go(.found)
        }
        .holding(after: after, play: "menu", every: .seconds(1)) {
            Key("0", .go(.operatorDesk))
        }
        Announce(.found, play: "connecting", then: .transfer(to: "4915799955555"))
        Announce(.operatorDesk, play: "goodbye", then: .transfer(to: "4915799912345"))
    }
}

let heldDeskRoutes = RoutingTable { Route.default(heldDesk(after: .milliseconds(50))) }

/// A look-up holding its caller with the session in Redis: the hold is written there, the
/// late result is kept there, and the caller's next push may land on any instance, even
/// when the instance that ran the look-up is gone.
@Suite("Holding with shared sessions", .serialized, .enabled(if: RedisTestServer.enabled, RedisTestServer.skipReason))
struct SharedHoldingTests {
    static let resultAnswer = "<Dial><Number>4915799955555</Number></Dial>"
    static let operatorAnswer = "<Dial><Number>4915799912345</Number></Dial>"

    /// Makes the look-up pause `redis`'s writes (`CLIENT PAUSE ... WRITE`, 10 s) as it
    /// starts, before its hold: the hold's write then waits until the test unpauses.
    func pauseWritesWhenTheLookUpStarts(_ redis: RedisTestServer) {
        let url = redis.url()
        heldDeskLookupStarts.withLock {
            $0 = {
                let link = try? RedisLink(url: url, settings: sharedSettings(url).link)
                _ = try? link?.roundTrip(RESPCommand("CLIENT", "PAUSE", 10_000, "WRITE")).get()
            }
        }
    }

    /// A fresh gate for the look-up, opened whatever the test does (so instances can stop).
    func closeTheLookUp() -> Gate {
        let gate = Gate()
        heldDeskGate.withLock { $0 = gate }
        heldDeskLookupStarts.withLock { $0 = nil }
        return gate
    }

    @Test func aResultThatCameWhileHeldOnOneInstanceAnswersThePushOnTheOther() async throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let a = try TestInstance(redis: redis, routes: heldDeskRoutes)
        let b = try TestInstance(redis: redis, routes: heldDeskRoutes)
        let gate = closeTheLookUp()
        defer { gate.open() }
        let call = TestCall("held-then-found")

        let hold = try await call.newCallOffThePool(a)
        #expect(hold.text.contains("<Gather") && hold.text.contains("menu.wav"), "\(hold.text)")
        var session = try #require(try peek.session(call, a.engine))
        #expect(session.phase == .holding && session.held != nil && session.held?.outcome == nil)

        gate.open()
        #expect(try await eventually(within: 5) { try peek.session(call, a.engine)?.held?.outcome == "found" })
        // sipgate comes back when the hold's Gather times out: on B, which answers the result.
        let result = try await call.dtmfOffThePool("", b)
        #expect(result.text.contains("connecting.wav") && result.text.contains(Self.resultAnswer), "\(result.text)")
        session = try #require(try peek.session(call, a.engine))
        #expect(session.held == nil && session.stateName(a.engine) == "found")

        #expect(
            try await eventually(within: 5) { a.logs.text.contains("look-up ended while the caller was held: kept for the next push") },
            "\(a.logs.text)")
        #expect(try await eventually(within: 5) { b.logs.text.contains("held once") }, "\(b.logs.text)")
        #expect(try a.metric("touchtone_lookup_holds_total") == 1)
        let metricsText = try request(a.port, "GET", "/metrics").text
        #expect(try a.metric("touchtone_lookups_running") == 0, "\(metricsText)")
        a.stop()
        b.stop()
    }

    /// The look-up's instance never writes its ending (as after `kill -9`: A's look-up here
    /// never ends): the other holds the caller until the deadline, then takes the fallback.
    @Test func aCallWhoseLookUpsInstanceIsGoneTakesTheFallbackAtTheDeadline() async throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let a = try TestInstance(redis: redis, routes: heldDeskRoutes)
        let clock = ManualClock(Date())
        let b = try TestInstance(redis: redis, routes: heldDeskRoutes, clock: clock)
        let gate = closeTheLookUp()
        defer { gate.open() }
        let call = TestCall("held-then-gone")

        let hold = try await call.newCallOffThePool(a)
        #expect(hold.text.contains("<Gather") && hold.text.contains("menu.wav"), "\(hold.text)")

        // Before the deadline: held again, on B, at the next turn.
        let again = try await call.dtmfOffThePool("", b)
        #expect(again.text.contains("<Gather") && again.text.contains("menu.wav"), "\(again.text)")
        #expect(try await eventually(within: 5) { b.logs.text.contains("holding (round 2)") }, "\(b.logs.text)")
        // A key without a meaning while held is ignored; the hold goes on.
        let ignored = try await call.dtmfOffThePool("5", b)
        #expect(ignored.text.contains("<Gather") && ignored.text.contains("menu.wav"), "\(ignored.text)")
        #expect(try await eventually(within: 5) { b.logs.text.contains("key 5 ignored") }, "\(b.logs.text)")

        // Past the deadline A wrote with the hold (A's clock, the look-up's start + 60 s).
        let deadline = try #require(try peek.session(call, b.engine)?.held?.deadline)
        clock.set(deadline.addingTimeInterval(1))
        let fallback = try await call.dtmfOffThePool("", b)
        #expect(fallback.text.contains("goodbye.wav") && fallback.text.contains(Self.operatorAnswer), "\(fallback.text)")
        #expect(try await eventually(within: 5) { b.logs.text.contains("deadline passed") }, "\(b.logs.text)")
        let session = try #require(try peek.session(call, b.engine))
        #expect(session.held == nil && session.stateName(b.engine) == "operatorDesk")
        b.stop()
    }

    /// A deploy stops A while it holds a caller: once A's grace ends it gives up the look-up
    /// and keeps a failure with the call, so B takes the fallback at the caller's next push
    /// instead of holding them until the deadline.
    @Test func aStoppingInstanceGivesUpItsHeldLookUpAndTheNextPushTakesTheFallback() async throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let a = try TestInstance(redis: redis, routes: heldDeskRoutes, shutdownGrace: .milliseconds(200))
        let b = try TestInstance(redis: redis, routes: heldDeskRoutes)
        let gate = closeTheLookUp()
        defer { gate.open() }
        let call = TestCall("held-then-deploy")

        let hold = try await call.newCallOffThePool(a)
        #expect(hold.text.contains("<Gather") && hold.text.contains("menu.wav"), "\(hold.text)")
        await a.server.shutdownAndWait()
        let session = try #require(try peek.session(call, b.engine))
        #expect(session.phase == .holding && session.held?.failure == LookupEnding.stoppedReason)
        #expect(a.logs.text.contains("look-up given up: the instance stopped; the next push takes the fallback"), "\(a.logs.text)")

        let fallback = try await call.dtmfOffThePool("", b)
        #expect(fallback.text.contains("goodbye.wav") && fallback.text.contains(Self.operatorAnswer), "\(fallback.text)")
        #expect(try await eventually(within: 5) { b.logs.text.contains("look-up failed") }, "\(b.logs.text)")
        b.stop()
    }

    /// 0 on B while A's look-up still runs: the caller goes to the operator; the result that
    /// comes later on A changes nothing.
    @Test func aHoldKeyOnTheOtherInstanceWinsOverALateResult() async throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let a = try TestInstance(redis: redis, routes: heldDeskRoutes)
        let b = try TestInstance(redis: redis, routes: heldDeskRoutes)
        let gate = closeTheLookUp()
        defer { gate.open() }
        let call = TestCall("held-then-key")

        _ = try await call.newCallOffThePool(a)
        let heldTurn = call.turn
        let operatorDesk = try await call.dtmfOffThePool("0", b)
        #expect(operatorDesk.text.contains(Self.operatorAnswer), "\(operatorDesk.text)")
        #expect(try await eventually(within: 5) { b.logs.text.contains("key 0 while held") }, "\(b.logs.text)")

        gate.open()
        #expect(try await eventually(within: 5) { a.logs.text.contains("look-up ended after its call moved on") })
        let session = try #require(try peek.session(call, a.engine))
        #expect(session.held == nil && session.stateName(a.engine) == "operatorDesk")
        // The push sipgate might deliver again gets the answer it got.
        let repeated = try await call.dtmfOffThePool("0", a, turn: heldTurn)
        #expect(repeated.body == operatorDesk.body)
        a.stop()
        b.stop()
    }

    /// The look-up ends while the hold's write still waits in Redis (the look-up itself
    /// pauses Redis's writes, `CLIENT PAUSE ... WRITE`, as it starts): its ending is kept
    /// after the hold, not lost. (Which of the two the loop starts first is `HoldWritesTests`.)
    @Test func anEndingThatComesWhileTheHoldIsBeingWrittenIsKeptAfterIt() async throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        // The hold comes 1 s after the look-up starts: long after the look-up paused Redis.
        let a = try TestInstance(redis: redis, routes: RoutingTable { Route.default(heldDesk(after: .seconds(1))) })
        let gate = closeTheLookUp()
        defer { gate.open() }
        pauseWritesWhenTheLookUpStarts(redis)
        defer { _ = try? peek.run(RESPCommand("CLIENT", "UNPAUSE")) }
        let call = TestCall("ended-during-the-hold-write")
        let (port, body) = (a.port, call.newCallBody)
        let evals = try peek.calls(of: "EVALSHA")

        let newCall = try together([{ try TestInstance.push(port: port, body, turn: nil, timeoutMilliseconds: 30_000) }])
        // The hold read the call and waits to write it.
        #expect(try await eventually(within: 5) { try peek.blockedClients() >= 1 })
        #expect(try peek.calls(of: "EVALSHA") == evals)
        // The look-up ends and the loop has taken its ending, the hold still unwritten.
        gate.open()
        #expect(try await eventually(within: 5) { try a.metric("touchtone_lookups_running") == 0 })
        #expect(try peek.run(RESPCommand("CLIENT", "UNPAUSE")).isOK)
        let hold = try await offThePool { try newCall()[0] }
        #expect(hold.text.contains("<Gather") && hold.text.contains("menu.wav"), "\(hold.text)")
        #expect(try await eventually(within: 5) { try peek.session(call, a.engine)?.held?.outcome == "found" })
        #expect(try await eventually(within: 5) { a.logs.text.contains("kept for the next push") }, "\(a.logs.text)")
        #expect(!a.logs.text.contains("moved on"), "\(a.logs.text)")
        a.stop()
    }

    /// The grace ends while a hold is still being written and the look-up's ending waits for
    /// it (Redis pauses writes): the stopping instance takes one second more, and the ending
    /// is kept once the writes go through, not lost.
    @Test func aStoppingInstanceWaitsASecondMoreForAHoldStillBeingWritten() async throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let a = try TestInstance(
            redis: redis, routes: RoutingTable { Route.default(heldDesk(after: .seconds(1))) }, shutdownGrace: .milliseconds(100))
        let gate = closeTheLookUp()
        defer { gate.open() }
        pauseWritesWhenTheLookUpStarts(redis)
        defer { _ = try? peek.run(RESPCommand("CLIENT", "UNPAUSE")) }
        let call = TestCall("stopped-during-the-hold-write")
        let (port, body) = (a.port, call.newCallBody)

        let newCall = try together([{ try TestInstance.push(port: port, body, turn: nil, timeoutMilliseconds: 30_000) }])
        #expect(try await eventually(within: 5) { try peek.blockedClients() >= 1 })
        gate.open()
        #expect(try await eventually(within: 5) { try a.metric("touchtone_lookups_running") == 0 })
        a.server.shutdown()
        #expect(try await eventually(within: 5) { a.logs.text.contains("stopping: one second more for the session store") })
        #expect(try peek.run(RESPCommand("CLIENT", "UNPAUSE")).isOK)
        await a.server.shutdownAndWait()
        _ = try? await offThePool { try newCall() }  // the push may have lost its answer to the stop
        let session = try #require(try peek.session(call, a.engine))
        #expect(session.phase == .holding && session.held?.outcome == "found", "\(a.logs.text)")
    }
}
