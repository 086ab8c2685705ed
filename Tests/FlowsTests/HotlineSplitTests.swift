import Flows
import Testing
import Touchtone
import TouchtoneTesting

/// The hotline's A/B split between the main menu and the quick menu: by calling number,
/// the same for a caller every time, about half and half.
@Suite struct HotlineSplitTests {
    /// The share a call from `from` gets, as its session keeps it, and the menu it waits in.
    func share(of from: String, on phone: TestPhone) async -> (share: String?, state: String) {
        let call = await phone.call(from: from)
        return (call.state.variables[menuSplit], call.state.state)
    }

    @Test func aCallerGetsTheSameMenuEveryTime() async throws {
        let numbers = ["4915112345678", "4930123456", "492111234567", "4917012345678", "4989765432", "4915799900001"]
        let phone = try hotlinePhone()
        phone.exhaustivity = .off
        // Another instance (another engine) shares callers out the same way.
        let other = try TestPhone(routes: routes, prompts: audioFolder)
        other.exhaustivity = .off
        var shares: Set<String> = []
        for number in numbers {
            let first = await share(of: number, on: phone)
            let share = try #require(first.share, "\(number) met no split")
            #expect(first.state == share, "\(number) got \(share) but waits in \(first.state)")
            shares.insert(share)
            for _ in 0..<2 {
                let again = await self.share(of: number, on: phone)
                #expect(again.share == share && again.state == share, "\(number): \(share), then \(again)")
            }
            let elsewhere = await self.share(of: number, on: other)
            #expect(elsewhere.share == share, "\(number): \(share) here, \(elsewhere) on another engine")
        }
        #expect(shares == ["mainMenu", "quickMenu"], "these numbers are known to land in both shares")
    }

    @Test func manyCallersAreSharedOutAboutHalfAndHalf() async throws {
        let phone = try hotlinePhone()
        phone.exhaustivity = .off
        // Fixed numbers, spread over a mobile range: the result is the same on every run.
        let numbers = (0..<1000).map { "4915" + String(10_000_000 + $0 * 7_919) }
        var count: [String: Int] = [:]
        for number in numbers {
            let menu = await share(of: number, on: phone).state
            count[menu, default: 0] += 1
        }
        #expect(Set(count.keys) == ["mainMenu", "quickMenu"], "\(count)")
        let main = count["mainMenu", default: 0]
        #expect((450...550).contains(main), "of 1000 callers, \(main) got the main menu: \(count)")
    }

    /// Over HTTP to a real server (with the test's clock: the hotline is open), as sipgate
    /// would call it: each share is served to the callers the split gives it.
    @Test func bothMenusAreServedOverHTTP() async throws {
        let phone = try TestPhone.live(routes: routes, prompts: audioFolder)
        await phone.call(forcing: .mainMenu, hears: .prompts("welcome", "main-menu")) {
            $0.state = "mainMenu"
            $0.variables = ["language": "de", menuSplit: "mainMenu"]
        }
        let quick = await phone.call(forcing: .quickMenu, hears: .prompts("welcome", "quick-menu")) {
            $0.state = "quickMenu"
            $0.variables = ["language": "de", menuSplit: "quickMenu"]
        }
        await quick.press("2", hears: .prompts("support-menu")) {
            $0.state = "supportMenu"
            $0.trail = ["quickMenu"]
        }
        await quick.press("9", hears: .prompts("quick-menu")) {
            $0.state = "quickMenu"
            $0.trail = []
        }
    }
}
