import Testing
import Touchtone

@testable import TouchtoneServer

/// A held look-up's ending is kept only once its hold is written, whichever comes first.
@Suite struct HoldWritesTests {
    final class Look {}
    let ending = LookupEnding.timedOut

    @Test func anEndingAfterTheHoldIsWrittenIsKeptAtOnce() {
        var writes = HoldWrites()
        let look = ObjectIdentifier(Look())
        writes.started(look)
        #expect(writes.written(look) == nil)
        #expect(writes.ended(look, ending) != nil)
        #expect(writes.count == 0)
    }

    @Test func anEndingWhileTheHoldIsBeingWrittenWaitsForTheWrite() {
        var writes = HoldWrites()
        let look = ObjectIdentifier(Look())
        writes.started(look)
        #expect(writes.ended(look, ending) == nil)
        #expect(writes.written(look) != nil)
        #expect(writes.written(look) == nil)
        #expect(writes.count == 0)
    }

    @Test func holdsOfTwoLookUpsDoNotMix() {
        var writes = HoldWrites()
        let (first, second) = (Look(), Look())
        writes.started(ObjectIdentifier(first))
        writes.started(ObjectIdentifier(second))
        #expect(writes.ended(ObjectIdentifier(first), ending) == nil)
        #expect(writes.written(ObjectIdentifier(second)) == nil)
        #expect(writes.ended(ObjectIdentifier(second), ending) != nil)
        #expect(writes.written(ObjectIdentifier(first)) != nil)
        #expect(writes.count == 0)
    }
}
