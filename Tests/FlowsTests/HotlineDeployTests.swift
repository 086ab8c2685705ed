import Flows
import Testing
import Touchtone
import TouchtoneTesting

/// The deploy of the hotline's version 2 (the A/B split) during calls: the routing table
/// keeps version 1, so a call that began on it goes on as it began; new calls get version 2.
@Suite struct HotlineDeployTests {
    @Test func aCallBegunOnVersion1GoesOnThereAfterTheDeploy() async throws {
        // An instance of the build before: version 1 only.
        let before = try TestPhone(routes: RoutingTable { Route.default(hotlineVersion1) }, prompts: audioFolder)
        let call = await before.call(hears: .prompts("welcome", "main-menu")) { $0.state = "mainMenu" }
        await call.press("2", hears: .prompts("support-menu")) {
            $0.state = "supportMenu"
            $0.trail = ["mainMenu"]
        }
        // Its session, moved to an instance of this build as Redis moves it.
        let after = try TestPhone(routes: routes, prompts: audioFolder)
        let session = try #require(before.engine.store.session(call.callId))
        let moved = try #require(
            after.engine.decodeRecord(before.engine.encodeRecord(session), callId: call.callId, now: after.clock.now()))
        #expect(moved.note == nil, "version 1 is kept: the call goes on as it is")
        #expect(after.engine.store.insert(moved.session) == .inserted)
        // Key 9 of the support menu: version 1's main menu. Version 2 would have sent this
        // caller to their share of the split, the quick menu.
        guard case .answer(let answer, let record) = after.engine.handle(.dtmf(DTMFEvent(callId: call.callId, digits: "9"))) else {
            Issue.record("the key was not answered at once")
            return
        }
        #expect(CallerHears(answer.response) == .prompts("main-menu"))
        #expect(record.flowVersion == 1 && record.stateAfter == "mainMenu" && record.variant == nil, "\(record)")
        // A new call from the same number gets today's version (3), and its share of the split.
        await after.call(from: call.from, callId: "after-the-deploy", hears: .prompts("welcome", "quick-menu")) {
            $0.state = "quickMenu"
            $0.variables = ["language": "de", menuSplit: "quickMenu"]
        }
        #expect(after.engine.store.session("after-the-deploy")?.flowVersion == 3)
    }
}
