import FoundationEssentials
import Testing

@testable import Touchtone

/// Opens once; whoever waits before or after goes on then. Lets a test order a look-up's
/// work and its hold timer without sleeping.
final class Gate: Sendable {
    private let state = Lock<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiting.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}

/// What the hold callback was given.
final class HeldAnswers: Sendable {
    private let list = Lock<[PushAnswer]>([])
    func add(_ answer: PushAnswer) { list.withLock { $0.append(answer) } }
    var answers: [PushAnswer] { list.withLock { $0 } }
}

/// The race between a look-up's work and its hold, each side released by the test.
@Suite struct HoldingRunTests {
    let work = Gate()

    func engine() throws -> Engine {
        let work = work
        let flow = Flow("held", states: Held.self, start: .account) {
            Lookup(.account, outcomes: AccountFound.self, deadline: .seconds(60), fallback: .go(.operatorDesk)) { _ in
                await work.wait()
                return .init(.found, setting: ["account": "7"])
            } then: { _ in
                .go(.found)
            }
            .holding(play: "please-hold")
            Announce(.found, play: "found", then: .hangup)
            Announce(.operatorDesk, play: "operator", then: .hangup)
        }
        return try makeEngine(RoutingTable { Route.default(flow) })
    }

    @Test func aSlowWorkHoldsThePushAndItsEndingIsKept() async throws {
        let engine = try engine()
        guard case .lookup(let pending, _) = engine.handle(newCall()) else { throw HoldingEngineTests.NotALookup() }
        let held = HeldAnswers()
        let work = work
        // The hold's time comes at once; the work ends only once the hold went out.
        let run = await pending.runHolding(sleep: { _ in }) { answer, _ in
            held.add(answer)
            work.open()
        }
        #expect(held.answers.map(heard) == [["please-hold"]])
        guard case .keptAfterHold(let record) = run else { throw HoldingEngineTests.NotALookup() }
        #expect(record.note == "look-up ended while the caller was held: kept for the next push")
        // The look-up's own line: its time only; the push's line counted the start and the path.
        #expect(!record.started && record.edges.isEmpty && record.waitedMilliseconds == nil && record.ending == nil)
        #expect(record.lookupState == "account" && record.lookupMilliseconds != nil)
        #expect(engine.store.session("call-1")?.held?.outcome == "found")
    }

    @Test func aFastWorkAnswersItsPushWithoutAHold() async throws {
        let engine = try engine()
        guard case .lookup(let pending, _) = engine.handle(newCall()) else { throw HoldingEngineTests.NotALookup() }
        let held = HeldAnswers()
        let timer = Gate()
        work.open()
        let run = await pending.runHolding(sleep: { _ in await timer.wait() }) { answer, _ in held.add(answer) }
        timer.open()
        guard case .answered(let answer, _) = run else { throw HoldingEngineTests.NotALookup() }
        #expect(heard(answer) == ["found"])
        #expect(held.answers.isEmpty)
        #expect(engine.store.session("call-1")?.phase == .finished)
    }
}
