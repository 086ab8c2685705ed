import Testing
import Touchtone

@testable import TouchtoneServer

/// What a loop waits for when it stops: look-ups still running, but not those it gave up.
@Suite struct LoopLookupsTests {
    /// Two look-ups of the held line, waiting in their state.
    func pendings() throws -> (PendingLookup, PendingLookup) {
        let engine = try Engine(
            routes: RoutingTable { Route.default(HoldOverHTTPTests.heldLine(Gate())) }, store: InMemorySessionStore(),
            settings: EngineSettings(publicURL: try AbsoluteURL("http://127.0.0.1:3000/")))
        func start(_ id: CallID) throws -> PendingLookup {
            guard
                case .lookup(let pending, _) = engine.handle(
                    .newCall(NewCallEvent(callId: id, from: "4915100000000", to: "1", direction: .incoming)))
            else { throw Unexpected() }
            return pending
        }
        return (try start("a"), try start("b"))
    }

    struct Unexpected: Error {}

    @Test func aHeldLookUpIsWaitedForUntilItEnds() throws {
        let (a, _) = try pendings()
        var lookups = LoopLookups()
        lookups.running = 1
        lookups.holdStarted(a)
        #expect(lookups.outstanding)
        let ended = lookups.heldEnded(a)
        #expect(ended)
        lookups.running -= 1
        #expect(!lookups.outstanding)
    }

    @Test func lookUpsGivenUpAtStopAreNoLongerWaitedForAndTheirLateEndingsAreNotKept() throws {
        let (a, b) = try pendings()
        var lookups = LoopLookups()
        lookups.running = 3  // a third, not holding, is still waited for
        lookups.holdStarted(a)
        lookups.holdStarted(b)
        let given = lookups.giveUpHolding()
        #expect(Set(given.map(ObjectIdentifier.init)) == [ObjectIdentifier(a), ObjectIdentifier(b)])
        #expect(lookups.outstanding)
        let again = lookups.giveUpHolding()
        #expect(again.isEmpty)
        // Their endings come later: not kept, and the count stays right.
        let (endedA, endedB) = (lookups.heldEnded(a), lookups.heldEnded(b))
        #expect(!endedA && !endedB)
        lookups.running -= 1
        lookups.running -= 1
        #expect(lookups.outstanding)
        lookups.running -= 1
        #expect(!lookups.outstanding)
    }
}
