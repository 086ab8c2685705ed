import FoundationEssentials
import Testing

@testable import Touchtone

/// A slow look-up holding its caller, push by push, on the engine's own store with a
/// manual clock: nothing sleeps, the test moves time and ends the look-up by hand.
@Suite struct HoldingEngineTests {
    let clock = ManualClock()
    let store = InMemorySessionStore()
    let found = LookupEnding.finished(ErasedLookupResult(LookupResult(AccountFound.found, setting: ["account": "7"])))

    func engine() throws -> Engine {
        try makeEngine(RoutingTable { Route.default(heldFlow()) }, clock: clock, store: store)
    }

    /// A call whose look-up was slow: its push answered with the hold after 1.5 s.
    func heldCall(_ engine: Engine) throws -> (PendingLookup, PushAnswer, EventRecord) {
        guard case .lookup(let pending, _) = engine.handle(newCall()) else { throw NotALookup() }
        #expect(pending.holdAfter == .milliseconds(1500))
        clock.advance(by: 1.5)
        let (answer, record) = pending.hold()
        return (pending, answer, record)
    }

    struct NotALookup: Error {}

    /// The push of the hold `Gather`'s timeout (or of `digits`), for the call's turn `turn`.
    func push(_ engine: Engine, _ digits: String = "", turn: UInt32) -> (PushAnswer, EventRecord) {
        guard case .answer(let answer, let record) = engine.handle(dtmf(digits), address: PushAddress(flow: "held", turn: turn)) else {
            Issue.record("expected an answer")
            return (.empty, EventRecord())
        }
        return (answer, record)
    }

    func labels(_ record: EventRecord) -> [String] {
        record.trace.map { "\($0.label)" }
    }

    @Test func aSlowLookupHoldsTheCallerAfterItsThreshold() throws {
        let engine = try engine()
        let (_, answer, record) = try heldCall(engine)
        #expect(heard(answer) == ["please-hold"])
        guard case .gather(let gather) = answer.response.final else { throw NotALookup() }
        #expect(gather.timeoutMilliseconds == 8000)
        #expect(answer.turn == 0)
        #expect(record.note == "holding: the look-up takes longer than 1.5 seconds")
        #expect(labels(record) == ["held"])
        let session = try #require(store.session("call-1"))
        #expect(session.phase == .holding)
        #expect(session.held?.deadline == clock.now().addingTimeInterval(58.5))
        #expect(engine.counters.lookupHolds == 1)
    }

    @Test func aResultArrivingBetweenTwoHoldPushesAnswersTheNext() throws {
        let engine = try engine()
        let (pending, _, _) = try heldCall(engine)
        clock.advance(by: 8)
        let (again, againRecord) = push(engine, turn: 0)
        #expect(heard(again) == ["please-hold"])
        #expect(again.turn == 1)
        #expect(againRecord.note == "holding (round 2)")
        clock.advance(by: 3)
        #expect(pending.keep(found).note == "look-up ended while the caller was held: kept for the next push")
        clock.advance(by: 5)
        let (result, record) = push(engine, turn: 1)
        #expect(heard(result) == ["found"])
        #expect(labels(record) == ["result found", "next"])
        #expect(record.note == "held 2 times")
        #expect(store.session("call-1")?.variables["account"] == "7")
    }

    @Test func theDeadlinePassingWhileHeldTakesTheFallback() throws {
        let engine = try engine()
        _ = try heldCall(engine)
        clock.advance(by: 58.5)
        let (answer, record) = push(engine, turn: 0)
        #expect(heard(answer) == ["operator"])
        #expect(labels(record) == ["deadline passed", "next"])
        #expect(record.note == "look-up passed its deadline; held once")
        #expect(engine.counters.lookupTimeouts == 1)
    }

    @Test func aHoldKeyStopsWaitingAndTheLateResultChangesNothing() throws {
        let engine = try engine()
        let (pending, _, _) = try heldCall(engine)
        clock.advance(by: 2)
        let (answer, record) = push(engine, "0", turn: 0)
        #expect(heard(answer) == ["operator"])
        #expect(labels(record) == ["key 0 (holding)", "next"])
        #expect(pending.keep(found).note == "look-up ended after its call moved on")
        #expect(store.session("call-1")?.variables["account"] == nil)
    }

    @Test func aKeyWithoutMeaningIsIgnoredAndTheHoldGoesOn() throws {
        let engine = try engine()
        _ = try heldCall(engine)
        clock.advance(by: 2)
        let (answer, record) = push(engine, "5", turn: 0)
        #expect(heard(answer) == ["please-hold"])
        #expect(record.note == "holding (round 2); key 5 ignored")
        #expect(store.session("call-1")?.phase == .holding)
    }

    @Test func aRepeatedPushWhileHeldGetsTheSameHoldAnswer() throws {
        let engine = try engine()
        _ = try heldCall(engine)
        clock.advance(by: 8)
        let (first, _) = push(engine, turn: 0)
        let (repeated, record) = push(engine, turn: 0)
        #expect(repeated.xml == first.xml)
        #expect(repeated.turn == 1)
        #expect(record.note == "repeated push")
        #expect(store.session("call-1")?.held?.rounds == 2)
    }

    @Test func aHeldCallTravelsInTheSharedRecordWithItsResult() throws {
        let engine = try engine()
        let (pending, _, _) = try heldCall(engine)
        _ = pending.keep(found)
        let session = try #require(store.session("call-1"))
        let read = try #require(engine.decodeRecord(engine.encodeRecord(session), callId: "call-1", now: clock.now()))
        #expect(read.session.phase == .holding)
        #expect(read.session.held?.outcome == "found")
        #expect(read.session.held?.variables["account"] == "7")
        #expect(read.session.held?.deadline == session.held?.deadline)
    }
}
