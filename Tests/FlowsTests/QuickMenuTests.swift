import Flows
import Testing
import Touchtone
import TouchtoneTesting

/// The hotline's quick menu, the share of its A/B split with fewer options and a shorter
/// prompt: each call is forced into that share.
@Suite struct QuickMenuTests {
    @Test func everyQuickMenuKeyLeadsToItsDesk() async throws {
        let phone = try hotlinePhone()
        let sales = await phone.call(forcing: .quickMenu, hears: .prompts("welcome", "quick-menu")) {
            $0.state = "quickMenu"
            $0.variables = ["language": "de", menuSplit: "quickMenu"]
        }
        await sales.press("1", hears: .dial("4915799912345", "4915799912346", after: "connecting")) {
            $0.state = "sales"
            $0.trail = ["quickMenu"]
            $0.finished = true
        }
        let operatorDesk = await phone.call(forcing: .quickMenu, hears: .prompts("welcome", "quick-menu")) {
            $0.state = "quickMenu"
            $0.variables = ["language": "de", menuSplit: "quickMenu"]
        }
        await operatorDesk.press("0", hears: .dial("4921199999999", after: "connecting-operator")) {
            $0.state = "operatorDesk"
            $0.trail = ["quickMenu"]
            $0.finished = true
        }
        let support = await phone.call(forcing: .quickMenu, hears: .prompts("welcome", "quick-menu")) {
            $0.state = "quickMenu"
            $0.variables = ["language": "de", menuSplit: "quickMenu"]
        }
        await support.press("2", hears: .prompts("support-menu")) {
            $0.state = "supportMenu"
            $0.trail = ["quickMenu"]
        }
        await support.press("8", hears: .prompts("quick-menu")) {
            $0.state = "quickMenu"
            $0.trail = []
        }
        await support.press("2", hears: .prompts("support-menu")) {
            $0.state = "supportMenu"
            $0.trail = ["quickMenu"]
        }
        // "Main menu" keeps the caller in their share: the quick menu, not the long one.
        await support.press("9", hears: .prompts("quick-menu")) {
            $0.state = "quickMenu"
            $0.trail = []
        }
        await support.press("2", hears: .prompts("support-menu")) {
            $0.state = "supportMenu"
            $0.trail = ["quickMenu"]
        }
        await support.press("2", hears: .dial("4915799912350", after: "connecting")) {
            $0.state = "orders"
            $0.trail = ["quickMenu", "supportMenu"]
            $0.finished = true
        }
    }

    @Test func silenceAndWrongKeysInTheQuickMenuEscalateToTheOperator() async throws {
        let phone = try hotlinePhone()
        let call = await phone.call(forcing: .quickMenu, hears: .prompts("welcome", "quick-menu")) {
            $0.state = "quickMenu"
            $0.variables = ["language": "de", menuSplit: "quickMenu"]
        }
        await call.silence(hears: .prompts("no-input", "quick-menu")) { $0.noInputs = 1 }
        // Billing's key in the main menu; the quick menu has none.
        await call.press("3", hears: .prompts("invalid-option", "quick-menu-last")) { $0.wrongKeys = 1 }
        await call.silence(hears: .dial("4921199999999", after: "connecting-operator")) {
            $0.state = "operatorDesk"
            $0.noInputs = 0
            $0.wrongKeys = 0
            $0.finished = true
        }
        call.expectTranscript(
            """
            < play [de] welcome, quick-menu (waiting for 1 digit, 5 s)
            > (silence)
            < play [de] no-input, quick-menu (waiting for 1 digit, 5 s)
            > 3
            < play [de] invalid-option, quick-menu-last (waiting for 1 digit, 5 s)
            > (silence)
            < play [de] connecting-operator, then dial 4921199999999
            """)
    }

    @Test func threeWrongKeysInTheQuickMenuReachTheOperator() async throws {
        let phone = try hotlinePhone()
        let call = await phone.call(forcing: .quickMenu, hears: .prompts("welcome", "quick-menu")) {
            $0.state = "quickMenu"
            $0.variables = ["language": "de", menuSplit: "quickMenu"]
        }
        await call.press("5", hears: .prompts("invalid-option", "quick-menu")) { $0.wrongKeys = 1 }
        await call.press("*", hears: .prompts("invalid-option", "quick-menu-last")) { $0.wrongKeys = 2 }
        await call.press("7", hears: .dial("4921199999999", after: "connecting-operator")) {
            $0.state = "operatorDesk"
            $0.wrongKeys = 0
            $0.finished = true
        }
    }

    @Test func threeSilencesInTheQuickMenuReachTheOperator() async throws {
        let phone = try hotlinePhone()
        let call = await phone.call(forcing: .quickMenu, hears: .prompts("welcome", "quick-menu")) {
            $0.state = "quickMenu"
            $0.variables = ["language": "de", menuSplit: "quickMenu"]
        }
        await call.silence(hears: .prompts("no-input", "quick-menu")) { $0.noInputs = 1 }
        await call.silence(hears: .prompts("no-input", "quick-menu-last")) { $0.noInputs = 2 }
        await call.silence(hears: .dial("4921199999999", after: "connecting-operator")) {
            $0.state = "operatorDesk"
            $0.noInputs = 0
            $0.finished = true
        }
    }
}
