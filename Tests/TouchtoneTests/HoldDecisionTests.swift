import FoundationEssentials
import Testing

@testable import Touchtone

/// What each push to a held call does, decided from the stored session alone.
@Suite struct HoldDecisionTests {
    let start = Date(timeIntervalSince1970: 1_767_225_600)
    var deadline: Date { start.addingTimeInterval(60) }

    func hold() throws -> HoldNode {
        let environment = CompileEnvironment(publicURL: try AbsoluteURL("https://ivr.example.com"), prompts: FakePrompts(good: heldPrompts))
        guard case .lookup(let node) = heldFlow().compile(in: environment).0.nodes[0], let hold = node.hold else {
            throw LookupHoldTests.HoldMissing()
        }
        return hold
    }

    func decide(_ digits: String, ending: LookupEnding? = nil, at seconds: Double) throws -> HoldDecision {
        HoldDecision.at(digits: digits, ending: ending, deadline: deadline, now: start.addingTimeInterval(seconds), hold: try hold())
    }

    @Test func withoutAResultBeforeTheDeadlineTheCallerIsHeldAgain() throws {
        guard case .holdAgain(ignored: nil) = try decide("", at: 9.5) else {
            Issue.record("not held again")
            return
        }
    }

    @Test func aResultStoredBetweenTwoHoldPushesAnswersTheNext() throws {
        let found = LookupEnding.finished(ErasedLookupResult(LookupResult(AccountFound.found, setting: ["account": "7"])))
        guard case .ended(.finished(let result)) = try decide("", ending: found, at: 17.5) else {
            Issue.record("the stored result was not answered")
            return
        }
        #expect(result.outcome == "found")
        #expect(result.variables == ["account": "7"])
        guard case .ended(.failed("backend down")) = try decide("", ending: .failed("backend down"), at: 17.5) else {
            Issue.record("the stored failure was not answered")
            return
        }
    }

    @Test func theDeadlinePassingWhileHeldTakesTheFallback() throws {
        guard case .deadlinePassed = try decide("", at: 60) else {
            Issue.record("deadline not taken")
            return
        }
        guard case .deadlinePassed = try decide("5", at: 61.5) else {
            Issue.record("deadline not taken after a key")
            return
        }
    }

    @Test func aHoldKeyLeavesTheLookupEvenWithAResultThere() throws {
        guard case .key("0", .go(2)) = try decide("0", at: 9.5) else {
            Issue.record("hold key 0 not taken")
            return
        }
        guard case .key("0", .go(2)) = try decide("0", ending: .failed("late"), at: 70) else {
            Issue.record("hold key 0 not taken")
            return
        }
    }

    @Test func aKeyWithoutMeaningIsIgnoredAndTheHoldGoesOn() throws {
        guard case .holdAgain(ignored: "5") = try decide("5", at: 9.5) else {
            Issue.record("key 5 broke the hold")
            return
        }
    }
}
