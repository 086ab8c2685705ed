import FoundationEssentials
import Testing

@testable import Touchtone

/// The states of ``backAndAgainFlow``.
enum BackAndAgain: String, FlowState { case menu, account, found, operatorDesk }

/// A menu whose 1 starts a look-up that holds; 0 while held goes back to the menu, where
/// 1 starts the look-up again.
func backAndAgainFlow() -> Flow<BackAndAgain> {
    Flow("again", states: BackAndAgain.self, start: .menu) {
        Menu(.menu, prompt: "found") { Key("1", .go(.account)) }
        Lookup(.account, outcomes: AccountFound.self, deadline: .seconds(60), fallback: .go(.operatorDesk)) { _ in
            .init(.found)
        } then: { _ in
            .go(.found)
        }
        .holding(after: .milliseconds(1500), play: "please-hold", every: .seconds(8)) { Key("0", .go(.menu)) }
        Announce(.found, play: "found", then: .hangup)
        Announce(.operatorDesk, play: "operator", then: .transfer(to: "4921199999999"))
    }
}

/// How a held look-up's late ending is kept, logged and counted: once, for its own look-up
/// only, never as an answer.
@Suite struct HoldingEndingsTests {
    let clock = ManualClock()
    let store = InMemorySessionStore()
    let stale = LookupEnding.finished(ErasedLookupResult(LookupResult(AccountFound.found, setting: ["account": "OLD"])))

    struct Unexpected: Error {}

    func push(_ engine: Engine, _ event: WebhookEvent, turn: UInt32?) -> EngineReply {
        engine.handle(event, address: PushAddress(flow: "again", turn: turn))
    }

    @Test func anEarlierLookUpsEndingIsNotKeptInALaterHold() throws {
        let engine = try makeEngine(RoutingTable { Route.default(backAndAgainFlow()) }, clock: clock, store: store)
        _ = push(engine, newCall(), turn: nil)
        guard case .lookup(let first, _) = push(engine, dtmf("1"), turn: 0) else { throw Unexpected() }
        clock.advance(by: 1.5)
        _ = first.hold()
        clock.advance(by: 2)
        guard case .answer(let menu, _) = push(engine, dtmf("0"), turn: first.turn + 1),
            case .lookup(let second, _) = push(engine, dtmf("1"), turn: menu.turn)
        else { throw Unexpected() }
        clock.advance(by: 1.5)
        _ = second.hold()
        #expect(first.keep(stale).note == "look-up ended after its call moved on")
        #expect(store.session("call-1")?.held?.outcome == nil)
        // The later look-up's own ending is kept.
        #expect(second.keep(stale).note == "look-up ended while the caller was held: kept for the next push")
    }

    @Test func theLateEndingOfACallThatHungUpWhileHeldIsTheLookUpsLineOnly() throws {
        let engine = try makeEngine(RoutingTable { Route.default(backAndAgainFlow()) }, clock: clock, store: store)
        _ = push(engine, newCall(), turn: nil)
        guard case .lookup(let pending, _) = push(engine, dtmf("1"), turn: 0) else { throw Unexpected() }
        clock.advance(by: 1.5)
        _ = pending.hold()
        _ = engine.handle(.hangup(HangupEvent(callId: "call-1", cause: .normalClearing)))
        clock.advance(by: 3)
        let line = pending.keep(stale)
        #expect(line.note == "call ended while held")
        #expect(line.edges.isEmpty && line.digits == nil && !line.started && line.waitedMilliseconds == nil)
        #expect(line.lookupState == "account" && line.lookupMilliseconds == 4500)
    }

    @Test func aCallHungUpWhileHeldFromItsFirstPushStartsOnce() throws {
        let engine = try makeEngine(RoutingTable { Route.default(heldFlow()) }, clock: clock, store: store)
        guard case .lookup(let pending, _) = engine.handle(newCall()) else { throw Unexpected() }
        clock.advance(by: 1.5)
        let (_, holdLine) = pending.hold()
        #expect(holdLine.started)
        _ = engine.handle(.hangup(HangupEvent(callId: "call-1", cause: .normalClearing)))
        #expect(!pending.keep(stale).started)
    }

    @Test func aKeptEndingIsNotCountedAsAnAnswerSent() throws {
        let engine = try makeEngine(RoutingTable { Route.default(heldFlow()) }, clock: clock, store: store)
        guard case .lookup(let pending, _) = engine.handle(newCall()) else { throw Unexpected() }
        clock.advance(by: 1.5)
        _ = pending.hold()
        let before = engine.counters.answersByVerb
        _ = pending.keep(stale)
        #expect(engine.counters.answersByVerb == before)
        _ = engine.handle(.hangup(HangupEvent(callId: "call-1", cause: .normalClearing)))
        let afterHangup = engine.counters.answersByVerb
        _ = pending.keep(stale)
        #expect(engine.counters.answersByVerb == afterHangup)
    }

    @Test func aTimeOutWhileHeldIsLoggedAsOneAndLeavesTheDeadlineToTheNextPush() throws {
        let engine = try makeEngine(RoutingTable { Route.default(heldFlow()) }, clock: clock, store: store)
        guard case .lookup(let pending, _) = engine.handle(newCall()) else { throw Unexpected() }
        clock.advance(by: 1.5)
        _ = pending.hold()
        clock.advance(by: 59)
        let line = pending.keep(.timedOut)
        #expect(line.note == "look-up passed its deadline while the caller was held: the next push takes the fallback")
        #expect(store.session("call-1")?.phase == .holding)
    }

    /// A repeat of the push that reached the look-up runs it again at the same turn: whichever
    /// run ends first, its ending is the call's.
    @Test func theEndingOfALookUpRunAgainByARepeatedPushIsKept() throws {
        let engine = try makeEngine(RoutingTable { Route.default(backAndAgainFlow()) }, clock: clock, store: store)
        _ = push(engine, newCall(), turn: nil)
        guard case .lookup(let first, _) = push(engine, dtmf("1"), turn: 0) else { throw Unexpected() }
        clock.advance(by: 0.5)
        guard case .lookup(let repeated, _) = push(engine, dtmf("1"), turn: 0) else { throw Unexpected() }
        clock.advance(by: 1.0)
        _ = first.hold()
        #expect(repeated.keep(stale).note == "look-up ended while the caller was held: kept for the next push")
        #expect(first.keep(.failed("CRM down")).note == "look-up ended again (a repeated push): the first ending is kept")
        #expect(store.session("call-1")?.held?.outcome == "found")
        #expect(engine.counters.lookupFailures == 0)
    }

    /// A look-up given up by a stopping instance is kept as its own note, and is not a
    /// failure of the back end.
    @Test func aLookUpGivenUpAtStopIsNotCountedAsAFailure() throws {
        let engine = try makeEngine(RoutingTable { Route.default(heldFlow()) }, clock: clock, store: store)
        guard case .lookup(let pending, _) = engine.handle(newCall()) else { throw Unexpected() }
        clock.advance(by: 1.5)
        _ = pending.hold()
        let line = pending.keep(.failed(LookupEnding.stoppedReason))
        #expect(line.note == "look-up given up: the instance stopped; the next push takes the fallback")
        #expect(store.session("call-1")?.held?.failure == LookupEnding.stoppedReason)
        #expect(engine.counters.lookupFailures == 0)
        // A real failure after that is not kept, nor counted.
        _ = pending.keep(.failed("CRM down"))
        #expect(engine.counters.lookupFailures == 0)
    }
}
