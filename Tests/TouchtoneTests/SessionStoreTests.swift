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

    @Test func shardChoiceDependsOnTheCallIdBytesAlone() {
        // Built from a String, decoded from a body or restored from JSON: one call, one shard.
        let id = "54566B150B0C0D3A5D564D5F565F735B54565B54505E535E78595756455045544647465F5A57"
        let fromBody = Array("event=dtmf&callId=\(id)".utf8)
        guard case .dtmf(let event) = try? WebhookEvent.decode(fromBody) else {
            Issue.record("the body did not decode")
            return
        }
        let restored = try? JSONDecoder().decode(CallID.self, from: JSONEncoder().encode(CallID(id)))
        for mask in [0, 1, 255, 0xFFFF] {
            #expect(
                InMemorySessionStore.shardIndex(of: event.callId, mask: mask) == InMemorySessionStore.shardIndex(of: CallID(id), mask: mask)
            )
            #expect(
                restored.map { InMemorySessionStore.shardIndex(of: $0, mask: mask) }
                    == InMemorySessionStore.shardIndex(of: CallID(id), mask: mask))
        }
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

    // MARK: compact sessions

    @Test func sessionStaysSmall() {
        // A million sessions live in memory at once: every byte here is a megabyte there.
        #expect(MemoryLayout<Session>.size <= 200)
        #expect(MemoryLayout<CallData>.size <= 72)
    }

    @Test(arguments: [
        "54566B150B0C0D3A5D564D5F565F735B54565B54505E535E78595756455045544647465F5A57",  // 78 hex, packed
        "54566b150b0c0d3a5d564d5f565f735b54565b54505e535e78595756455045544647465f5a57",  // lower case, packed
        "7336664479460300001", "9", "123", "0000", "abcdef", "ABCDEF",  // packed
        "54566B150B0C0D3A5D564D5F565F735B54565B54505E535E78595756455045544647465F5A570",  // 79: a string
        "54566b150b0c0d3a5d564d5f565f735b54565b54505e535e78595756455045544647465F5A57",  // mixed case
        "", "call-1", "12 34", "Jürgen", "g", "0x12", String(repeating: "A", count: 256),
    ])
    func everyCallIdComesBackAsItWentIn(_ id: String) {
        let session = makeSession(id)
        #expect(session.callId.rawValue == id)
        #expect(Array(session.callId.rawValue.utf8) == Array(id.utf8))
        let store = InMemorySessionStore(shards: 4)
        add(session, to: store)
        #expect(store.session(CallID(id)) == session)
        #expect(store.update(CallID(id)) { $0.callId } == CallID(id))
        #expect(store.allSessions().map(\.callId) == [CallID(id)])
        let sameShard = store.shardCount - 1
        #expect(
            InMemorySessionStore.shardIndex(of: CallID(id), mask: sameShard)
                == InMemorySessionStore.shardIndex(of: session.callId, mask: sameShard))
        #expect(store.remove(CallID(id)) == session)
        #expect(store.count == 0)
    }

    @Test func hexCallIdsOfEveryLengthPackAndSpellBackExactly() {
        // The packer takes eight digits at a time and the rest one by one: every length,
        // both cases and a bad byte at every position must come out as they went in.
        var generator = SplitMix64(seed: 7)
        let upper = Array("0123456789ABCDEF".utf8)
        let lower = Array("0123456789abcdef".utf8)
        for length in 1...CompactCallID.PackedHex.maxDigits {
            for digits in [upper, lower] {
                let bytes = (0..<length).map { _ in digits[Int(generator.next() % 16)] }
                let id = String(decoding: bytes, as: UTF8.self)
                let fromBytes = bytes.withUnsafeBufferPointer { CallID(validUTF8: $0) }
                guard case .packed = fromBytes.storage else {
                    Issue.record("\(id) (\(length) digits) was not packed")
                    continue
                }
                #expect(fromBytes.rawValue == id)
                #expect(fromBytes == CallID(id))
                #expect(fromBytes.hashValue == CallID(id).hashValue)
                // A byte just outside the hex ranges, at each position, keeps the id a string.
                for position in [0, length / 2, length - 1] {
                    for bad in [
                        UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "G"),
                        UInt8(ascii: "`"), UInt8(ascii: "g"), 0xC3,
                    ] {
                        var spoiled = bytes
                        spoiled[position] = bad
                        let text = String(decoding: spoiled, as: UTF8.self)
                        let callId = CallID(text)
                        guard case .string = callId.storage else {
                            Issue.record("\(text) was packed")
                            continue
                        }
                        #expect(callId.rawValue == text)
                    }
                }
            }
            if length >= 2 {
                // Both cases in one id: a string, so that "aB" and "AB" stay apart.
                let mixed = String(repeating: "a", count: length - 1) + "B"
                guard case .string = CallID(mixed).storage else {
                    Issue.record("\(mixed) was packed")
                    continue
                }
            }
        }
    }

    @Test func callIdsThatDifferOnlyInCaseAreDifferentCalls() {
        let store = InMemorySessionStore(shards: 1)
        for id in ["ab12", "AB12", "Ab12", "ab120", "0ab12"] { add(makeSession(id), to: store) }
        #expect(store.count == 5)
        #expect(store.session("aB12") == nil)
        #expect(store.remove("AB12")?.callId == "AB12")
        #expect(store.session("ab12")?.callId == "ab12")
        #expect(store.session("Ab12")?.callId == "Ab12")
    }

    @Test func sessionsCompareAndHashByTheirCallIdBytes() {
        // "\u{212A}" (Kelvin sign) is canonically equivalent to "K" as a String, but sipgate's
        // ids are opaque bytes: two calls, as in the store.
        #expect(makeSession("K") != makeSession("\u{212A}"))
        #expect(Set([makeSession("K"), makeSession("\u{212A}"), makeSession("K")]).count == 2)
        #expect(CallID("K") != CallID("\u{212A}"))
        let store = InMemorySessionStore(shards: 1)
        add(makeSession("K"), to: store)
        #expect(store.session("\u{212A}") == nil)
        #expect(makeSession("AB") != makeSession("ab"))
        var changed = makeSession("AB")
        changed.callId = "ab"
        #expect(changed == makeSession("ab"))
    }

    @Test func usersOfACallAreKeptInOrder() throws {
        for users in [[], ["Alice"], ["Alice", "Bob"], ["w0", "w1", "w0"]] {
            var call = CallData(from: "1", to: "2", direction: .outgoing, users: users)
            #expect(call.users == users)
            let decoded = try JSONDecoder().decode(CallData.self, from: JSONEncoder().encode(call))
            #expect(decoded == call)
            #expect(decoded.users == users)
            call.users.append("Carol")
            #expect(call.users == users + ["Carol"])
            #expect(call == CallData(from: "1", to: "2", direction: .outgoing, users: users + ["Carol"]))
        }
        // A missing `users` key is an error, as it always was; a missing diversion is nil.
        let json = Data(#"{"from":"1","to":"2","direction":"in"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(CallData.self, from: json) }
        let noDiversion = try JSONDecoder().decode(CallData.self, from: Data(#"{"from":"1","to":"2","direction":"in","users":[]}"#.utf8))
        #expect(noDiversion.diversion == nil)
        #expect(!String(decoding: try JSONEncoder().encode(noDiversion), as: UTF8.self).contains("diversion"))
    }

    @Test func trailAndCountersKeepTheirValuesInTheCompactSession() {
        var session = makeSession("call-1")
        session.trail.push(3)
        session.trail.push(65535)
        session.noInputCount = 255
        session.wrongKeyCount = 7
        session.silenceStreak = 200
        session.answered = true
        session.state = 65535
        session.phase = .finished
        #expect(session.trail.states == [3, 65535])
        #expect(session.trail.pop() == 65535)
        #expect(session.trail.states == [3])
        #expect([session.noInputCount, session.wrongKeyCount, session.silenceStreak] == [255, 7, 200])
        #expect(session.answered && session.state == 65535 && session.phase == .finished)
    }

    @Test func sessionPrintsItsPublicFields() {
        let text = String(describing: makeSession("ABC1"))
        // The fields in the order of their keys, as the state file writes them.
        #expect(text.hasPrefix("Session(answered: false, call: "), "\(text)")
        #expect(text.contains(#"callId: ABC1, flow: "main", flowVersion: 1, held: nil, lastActivity: "#), "\(text)")
        #expect(text.contains(#"users: ["Alice"]"#), "\(text)")
        #expect(text.contains("trail: Touchtone.MenuTrail(states: [])"), "\(text)")
        #expect(!text.contains("stored"), "\(text)")
    }

    @Test func updateThatChangesTheCallIdLeavesTheSessionUnderItsKey() {
        let store = InMemorySessionStore(shards: 1)
        add(makeSession("AAAA"), to: store)
        store.update("AAAA") {
            $0.callId = "BBBB"
            $0.state = 9
        }
        #expect(store.session("AAAA")?.callId == "AAAA")
        #expect(store.session("AAAA")?.state == 9)
        #expect(store.session("BBBB") == nil)
    }

    @Test func oneLargeShardFindsEverySessionAsItGrowsAndShrinks() {
        // Past 2^15 index buckets an entry no longer holds its home bucket: both ways tested.
        let store = InMemorySessionStore(idleTimeout: .seconds(60), shards: 1)
        let ids = (0..<30_000).map { String($0 &* 7919, radix: 16) }
        for id in ids { add(makeSession(id), to: store) }
        for id in ids where id.hasSuffix("1") || id.hasSuffix("a") { #expect(store.remove(CallID(id)) != nil) }
        let left = ids.filter { !($0.hasSuffix("1") || $0.hasSuffix("a")) }
        #expect(store.count == left.count)
        #expect(left.allSatisfy { store.session(CallID($0))?.callId.rawValue == $0 })
        for id in left.dropFirst(20) { store.remove(CallID(id)) }
        #expect(store.count == 20)
        #expect(Set(store.allSessions().map(\.callId.rawValue)) == Set(left.prefix(20)))
    }

    @Test func tableAgreesWithADictionaryThroughInsertsRemovalsAndSweeps() {
        // A deterministic mix over one shard: growing, shrinking and sweeping the index.
        let store = InMemorySessionStore(idleTimeout: .seconds(60), shards: 1)
        var model: [String: Session] = [:]
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: seed >> 33)
        }
        for step in 0..<20_000 {
            let id = next() % 3 == 0 ? "call-\(next() % 3_000)" : String(next() % 3_000, radix: 16, uppercase: true)
            switch next() % 10 {
            case 0..<5:
                let session = makeSession(id, lastActivity: Double(step / 100))
                let outcome = store.insert(session)
                if let existing = model[id] {
                    #expect(outcome == .exists(existing))
                } else {
                    #expect(outcome == .inserted)
                    model[id] = session
                }
            case 5..<8:
                #expect(store.remove(CallID(id)) == model.removeValue(forKey: id))
            case 8:
                let found = store.update(CallID(id)) { session -> UInt16 in
                    session.state &+= 1
                    return session.state
                }
                model[id]?.state &+= 1
                #expect(found == model[id]?.state)
            default:
                let now = at(Double(step / 100 + next() % 40))
                let expired = store.sweep(now: now).expired
                let expected = model.values.filter { $0.lastActivity < now.addingTimeInterval(-60) }
                #expect(Set(expired.map(\.callId)) == Set(expected.map(\.callId)))
                for session in expired { model.removeValue(forKey: session.callId.rawValue) }
            }
            if step % 1_000 == 0 {
                #expect(store.count == model.count)
                for (id, session) in model { #expect(store.session(CallID(id)) == session) }
            }
        }
        #expect(store.count == model.count)
        #expect(Set(store.allSessions().map(\.callId.rawValue)) == Set(model.keys))
        for (id, session) in model { #expect(store.session(CallID(id)) == session) }
    }
}
