import FoundationEssentials
import Testing
@testable import Touchtone

/// A fixed instant; every test counts seconds from here, never from the wall clock.
private let t0 = Date(timeIntervalSince1970: 1_767_225_600)

private func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

private func makeSession(_ id: String, lastActivity seconds: Double = 0) -> Session {
    var session = Session(
        callId: CallID(id), flow: "main", flowVersion: 1, state: 0, phase: .awaitingKeys,
        call: CallData(from: "4915790000001", to: "4921100000002", direction: .incoming, users: ["Alice"]),
        startedAt: at(seconds))
    session.lastActivity = at(seconds)
    return session
}

/// Inserts `session`, which must be new to `store`.
private func add(_ session: Session, to store: InMemorySessionStore, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(store.insert(session) == .inserted, sourceLocation: sourceLocation)
}

private struct BodyFailure: Error, Equatable {}

@Suite struct SessionStoreTests {
    // MARK: insert, exists, full

    @Test func insertStoresTheSessionAndASecondInsertReturnsTheFirst() {
        let store = InMemorySessionStore()
        let first = makeSession("call-1")
        #expect(store.insert(first) == .inserted)
        #expect(store.session("call-1") == first)
        #expect(store.count == 1)

        var second = makeSession("call-1", lastActivity: 5)
        second.state = 7
        #expect(store.insert(second) == .exists(first))
        #expect(store.session("call-1") == first, "an existing session is never replaced by insert")
        #expect(store.count == 1)
    }

    @Test func fullStoreRefusesNewCallsAndKeepsTheExistingOnes() {
        let store = InMemorySessionStore(idleTimeout: .seconds(60), maxSessions: 3, shards: 4)
        for i in 0..<3 { #expect(store.insert(makeSession("call-\(i)")) == .inserted) }

        #expect(store.insert(makeSession("call-new", lastActivity: 30)) == .full)
        #expect(store.count == 3)
        #expect(store.session("call-new") == nil)
        for i in 0..<3 { #expect(store.session(CallID("call-\(i)")) != nil, "call-\(i) must not be evicted") }

        // A known call is still reported as existing, not as full.
        #expect(store.insert(makeSession("call-0", lastActivity: 30)) == .exists(makeSession("call-0")))

        // Removing one makes room for exactly one.
        store.remove("call-1")
        #expect(store.insert(makeSession("call-new", lastActivity: 30)) == .inserted)
        #expect(store.insert(makeSession("call-newer", lastActivity: 30)) == .full)
    }

    @Test func fullStoreExpiresIdleSessionsOfTheShardBeforeRefusing() {
        // One shard, so the idle sessions are in the new call's shard.
        let store = InMemorySessionStore(idleTimeout: .seconds(60), maxSessions: 2, shards: 1)
        #expect(store.insert(makeSession("idle", lastActivity: 0)) == .inserted)
        #expect(store.insert(makeSession("busy", lastActivity: 50)) == .inserted)

        // At 60 s "idle" is exactly at its timeout: still live, so the store is full.
        #expect(store.insert(makeSession("new", lastActivity: 60)) == .full)
        #expect(store.count == 2)

        // At 61 s it has expired and makes room; "busy" stays.
        #expect(store.insert(makeSession("new", lastActivity: 61)) == .inserted)
        #expect(store.session("idle") == nil)
        #expect(store.session("busy") != nil)
        #expect(store.session("new") != nil)
        #expect(store.count == 2)
    }

    @Test func zeroCapacityStoreRefusesEverything() {
        let store = InMemorySessionStore(maxSessions: 0)
        #expect(store.insert(makeSession("call")) == .full)
        #expect(store.count == 0)
    }

    // MARK: update, remove

    @Test func updateOfAnUnknownCallReturnsNilWithoutCallingTheBody() {
        let store = InMemorySessionStore()
        add(makeSession("known"), to: store)
        var called = false
        let result: Int? = store.update("unknown") { _ in
            called = true
            return 1
        }
        #expect(result == nil)
        #expect(!called)
    }

    @Test func updateKeepsTheChangesAndReturnsTheBodysResult() {
        let store = InMemorySessionStore()
        add(makeSession("call"), to: store)
        let result = store.update("call") { session -> String in
            session.state = 3
            session.variables.set("account", to: "12345")
            session.lastActivity = at(10)
            return "done"
        }
        #expect(result == "done")
        let stored = store.session("call")
        #expect(stored?.state == 3)
        #expect(stored?.variables["account"] == "12345")
        #expect(stored?.lastActivity == at(10))
    }

    @Test func updateRethrowsTheBodysErrorAndKeepsChangesMadeBeforeIt() {
        let store = InMemorySessionStore()
        add(makeSession("call"), to: store)
        #expect(throws: BodyFailure.self) {
            try store.update("call") { session in
                session.state = 9
                throw BodyFailure()
            }
        }
        #expect(store.session("call")?.state == 9, "update mutates in place; a throwing body keeps what it changed")
        #expect(store.count == 1)
    }

    @Test func removeReturnsTheSessionOnceAndKeepsTheCountRight() {
        let store = InMemorySessionStore()
        add(makeSession("a"), to: store)
        add(makeSession("b"), to: store)
        #expect(store.remove("a") == makeSession("a"))
        #expect(store.count == 1)
        #expect(store.remove("a") == nil)
        #expect(store.remove("never-seen") == nil)
        #expect(store.count == 1)
        #expect(store.session("a") == nil)
        #expect(store.session("b") != nil)
    }

    @Test func allSessionsReturnsEveryLiveSession() {
        let store = InMemorySessionStore(shards: 8)
        let ids = (0..<50).map { "call-\($0)" }
        for id in ids { add(makeSession(id), to: store) }
        store.remove("call-7")
        let all = store.allSessions().map(\.callId.rawValue)
        #expect(all.count == 49)
        #expect(Set(all) == Set(ids).subtracting(["call-7"]))
    }

    // MARK: concurrency

    @Test func concurrentUpdatesOfOneCallLoseNoUpdate() async {
        let store = InMemorySessionStore(shards: 4)
        add(makeSession("hot"), to: store)
        add(makeSession("other"), to: store)
        let increments = 2_000
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<increments {
                group.addTask {
                    // A read-modify-write that would lose updates without the shard lock.
                    store.update("hot") { session in
                        let current = Int(session.variables["counter"] ?? "0") ?? 0
                        // Work between the read and the write, so that an update that is
                        // not atomic would lose increments to the other threads.
                        var mix = UInt64(current)
                        for round in 0..<2_000 { mix = (mix ^ UInt64(round)) &* 0x100_0000_01b3 }
                        session.variables.set("mix", to: String(mix))
                        session.variables.set("counter", to: String(current + 1))
                        session.noInputCount &+= 1
                    }
                    // Traffic on another call of possibly the same shard.
                    store.update("other") { $0.wrongKeyCount &+= UInt8(i & 1) }
                }
            }
        }
        let hot = store.session("hot")
        #expect(hot?.variables["counter"] == String(increments))
        #expect(hot?.noInputCount == UInt8(truncatingIfNeeded: increments))
    }

    @Test func concurrentInsertsNeverExceedTheGlobalLimit() async {
        let limit = 1_000
        let store = InMemorySessionStore(maxSessions: limit, shards: 16)
        let inserted = await withTaskGroup(of: Int.self) { group in
            for task in 0..<40 {
                group.addTask {
                    var mine = 0
                    for i in 0..<50 where store.insert(makeSession("call-\(task)-\(i)")) == .inserted {
                        mine += 1
                    }
                    return mine
                }
            }
            return await group.reduce(0, +)
        }
        #expect(inserted == limit)
        #expect(store.count == limit)
        #expect(store.allSessions().count == limit)
    }

    @Test func concurrentInsertsRemovesAndSweepsKeepTheCountRight() async {
        let store = InMemorySessionStore(idleTimeout: .seconds(60), shards: 8)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<16 {
                group.addTask {
                    for i in 0..<100 {
                        // Even calls are idle since 0 s, odd ones active at 100 s.
                        add(makeSession("call-\(task)-\(i)", lastActivity: i.isMultiple(of: 2) ? 0 : 100), to: store)
                        if i % 10 == 9 { store.remove(CallID("call-\(task)-\(i)")) }
                    }
                }
                group.addTask { _ = store.sweep(now: at(100)) }
            }
        }
        store.sweepAll(now: at(100))
        // 16 tasks x 50 odd calls, of which 10 per task were removed.
        #expect(store.count == 16 * 40)
        #expect(store.allSessions().count == store.count)
    }

    // MARK: expiry

    @Test func sessionExactlyAtTheIdleTimeoutIsLiveAndOneSecondLaterExpired() {
        let store = InMemorySessionStore(idleTimeout: .seconds(60), shards: 4)
        add(makeSession("call", lastActivity: 0), to: store)
        #expect(store.sweepAll(now: at(60)) == 0)
        #expect(store.session("call") != nil)
        #expect(store.sweepAll(now: at(61)) == 1)
        #expect(store.session("call") == nil)
        #expect(store.count == 0)
    }

    @Test func activityPostponesExpiry() {
        let store = InMemorySessionStore(idleTimeout: .seconds(60), shards: 4)
        add(makeSession("call", lastActivity: 0), to: store)
        store.update("call") { $0.lastActivity = at(50) }
        #expect(store.sweepAll(now: at(100)) == 0)
        #expect(store.sweepAll(now: at(111)) == 1)
    }

    @Test func idleTimeoutInSecondsMatchesTheDurationForm() {
        let store = InMemorySessionStore(idleTimeoutSeconds: 90, shards: 1)
        #expect(store.idleTimeout == .seconds(90))
        add(makeSession("call", lastActivity: 0), to: store)
        #expect(store.sweepAll(now: at(90)) == 0)
        #expect(store.sweepAll(now: at(90.5)) == 1)
    }

    @Test func defaultsAreTwoHoursAMillionSessionsAnd256Shards() {
        let store = InMemorySessionStore()
        #expect(store.idleTimeout == .seconds(7_200))
        #expect(store.maxSessions == 1_000_000)
        #expect(store.shardCount == 256)
        add(makeSession("call", lastActivity: 0), to: store)
        #expect(store.sweepAll(now: at(7_200)) == 0)
        #expect(store.sweepAll(now: at(7_201)) == 1)
    }

    @Test func sweepReturnsTheExpiredSessionsAndKeepsTheLiveOnes() {
        let store = InMemorySessionStore(idleTimeout: .seconds(60), shards: 1)
        add(makeSession("idle-1", lastActivity: 0), to: store)
        add(makeSession("idle-2", lastActivity: 10), to: store)
        add(makeSession("live", lastActivity: 50), to: store)
        let report = store.sweep(now: at(100))
        #expect(Set(report.expired.map(\.callId)) == ["idle-1", "idle-2"])
        #expect(report.expired.first { $0.callId == "idle-1" } == makeSession("idle-1", lastActivity: 0))
        #expect(report.examined == 3)
        #expect(report.completedPass, "with one shard every sweep is a whole pass")
        #expect(store.count == 1)
        #expect(store.session("live") != nil)
    }

    @Test func sweepRemovesAFewIdleSessionsAmongManyLiveOnes() {
        let store = InMemorySessionStore(idleTimeout: .seconds(60), shards: 1)
        for i in 0..<10 { add(makeSession("call-\(i)", lastActivity: i < 2 ? 0 : 50), to: store) }
        let report = store.sweep(now: at(100))
        #expect(Set(report.expired.map(\.callId)) == ["call-0", "call-1"])
        #expect(report.examined == 10)
        #expect(store.count == 8)
        #expect(Set(store.allSessions().map(\.callId)) == Set((2..<10).map { CallID("call-\($0)") }))
        #expect(store.sweep(now: at(100)).expired.isEmpty)
    }

    @Test func sweepCoversEveryShardOnceInShardCountCalls() {
        let shards = 8
        let store = InMemorySessionStore(idleTimeout: .seconds(60), shards: shards)
        let ids = (0..<200).map { "call-\($0)" }
        for id in ids { add(makeSession(id, lastActivity: 0), to: store) }
        // The ids must actually spread, or this test would prove nothing.
        let used = Set(ids.map { InMemorySessionStore.shardIndex(of: CallID($0), mask: shards - 1) })
        #expect(used.count == shards)

        var expired: [CallID] = []
        var examined = 0
        for call in 1...shards {
            let report = store.sweep(now: at(61))
            expired += report.expired.map(\.callId)
            examined += report.examined
            #expect(report.completedPass == (call == shards), "call \(call)")
        }
        #expect(expired.count == ids.count)
        #expect(Set(expired) == Set(ids.map { CallID($0) }))
        #expect(examined == ids.count, "each session examined exactly once per pass")
        #expect(store.count == 0)

        // The cursor wraps: the next pass completes after another `shards` calls.
        let passes = (1...(2 * shards)).map { _ in store.sweep(now: at(61)).completedPass }
        #expect(passes.enumerated().filter(\.element).map(\.offset) == [shards - 1, 2 * shards - 1])
    }

    @Test func sweepOfOneShardExaminesOnlyThatShard() {
        let store = InMemorySessionStore(idleTimeout: .seconds(60), shards: 256)
        for i in 0..<2_560 { add(makeSession("call-\(i)", lastActivity: 0), to: store) }
        let report = store.sweep(now: at(61))
        // About 10 per shard; far fewer than the whole store.
        #expect(report.examined > 0)
        #expect(report.examined < 60)
        #expect(report.expired.count == report.examined)
        #expect(store.count == 2_560 - report.examined)
    }

    @Test func sweepAllReportsTheExpiredCountAndLeavesTheCursor() {
        let store = InMemorySessionStore(idleTimeout: .seconds(60), shards: 4)
        for i in 0..<40 { add(makeSession("call-\(i)", lastActivity: Double(i)), to: store) }
        // At 80 s, calls idle since before 20 s have expired: 0...19.
        #expect(store.sweepAll(now: at(80)) == 20)
        #expect(store.count == 20)
        #expect(store.sweepAll(now: at(80)) == 0)
        // The round-robin cursor is untouched: the 4th sweep call completes the pass.
        #expect((1...4).map { _ in store.sweep(now: at(80)).completedPass } == [false, false, false, true])
    }

    @Test func storeGrowsAgainAfterABurstExpired() {
        let store = InMemorySessionStore(idleTimeout: .seconds(60), shards: 2)
        for i in 0..<5_000 { add(makeSession("burst-\(i)", lastActivity: i < 4_990 ? 0 : 100), to: store) }
        #expect(store.sweepAll(now: at(100)) == 4_990)
        #expect(store.count == 10)
        for i in 0..<10 { #expect(store.session(CallID("burst-\(4_990 + i)")) != nil) }
        for i in 0..<100 { add(makeSession("after-\(i)", lastActivity: 100), to: store) }
        #expect(store.count == 110)
        #expect(store.allSessions().count == 110)
    }

    @Test func tablesGiveMemoryBackAsTheStoreEmpties() {
        let store = InMemorySessionStore(idleTimeout: .seconds(60), shards: 1)
        for i in 0..<4_000 { add(makeSession("call-\(i)", lastActivity: Double(i % 100)), to: store) }
        let full = store.tableCapacity
        #expect(full >= 4_000)
        // Each sweep expires 5 more of the 100 activity times: never half of what is left,
        // so the shard shrinks by removals, not by being rebuilt.
        for step in 1...18 {
            let left = store.count
            let report = store.sweep(now: at(60 + 5 * Double(step)))
            #expect(report.expired.count == 200)
            #expect(report.expired.count * 2 < left)
        }
        #expect(store.count == 400)
        #expect(store.tableCapacity * 3 < full, "capacity \(store.tableCapacity) after shrinking from \(full)")
        store.sweepAll(now: at(1_000))
        #expect(store.count == 0)
        #expect(store.tableCapacity == 0)
    }

    // MARK: restore

    @Test func restoreSkipsExpiredAndKnownSessionsAndStopsWhenFull() {
        let store = InMemorySessionStore(idleTimeout: .seconds(60), maxSessions: 3, shards: 4)
        add(makeSession("known", lastActivity: 100), to: store)
        let saved = [
            makeSession("expired", lastActivity: 39),
            makeSession("at-timeout", lastActivity: 40),
            makeSession("known", lastActivity: 90),
            makeSession("fresh", lastActivity: 99),
            makeSession("no-room", lastActivity: 99),
        ]
        #expect(store.restore(saved, now: at(100)) == 2)
        #expect(store.session("expired") == nil)
        #expect(store.session("at-timeout") != nil)
        #expect(store.session("known")?.lastActivity == at(100), "the live session wins over the saved one")
        #expect(store.session("fresh") != nil)
        #expect(store.session("no-room") == nil)
        #expect(store.count == 3)
    }

    // MARK: shard choice

    @Test func shardChoiceIsFNV1aAndIndependentOfTheProcess() {
        // FNV-1a 64 of "" is the offset basis, of "a" a published test vector.
        func folded(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash ^ (hash >> 32)) }
        #expect(InMemorySessionStore.shardIndex(of: "", mask: 0xFFFF) == folded(0xcbf2_9ce4_8422_2325) & 0xFFFF)
        #expect(InMemorySessionStore.shardIndex(of: "a", mask: 0xFFFF) == folded(0xaf63_dc4c_8601_ec8c) & 0xFFFF)
        #expect(InMemorySessionStore.shardIndex(of: "foobar", mask: 0xFF) == folded(0x8594_4171_f739_67e8) & 0xFF)
    }

    @Test func realisticCallIdsSpreadEvenlyOverShards() {
        // 78-character callIds as sipgate sends them, differing only in their last digits.
        var load = [Int](repeating: 0, count: 256)
        for i in 0..<25_600 {
            let suffix = String(UInt64(i) &* 0x9E37_79B9_7F4A_7C15, radix: 16)
            let id = String(repeating: "5", count: 78 - suffix.count) + suffix
            load[InMemorySessionStore.shardIndex(of: CallID(id), mask: 255)] += 1
        }
        // 100 per shard on average; a poor hash would leave shards empty or crowded.
        #expect(load.min()! > 50)
        #expect(load.max()! < 160)
    }
}
