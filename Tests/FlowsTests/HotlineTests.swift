import Flows
import Testing
import Touchtone
import TouchtoneTesting

/// The repository's `Audio/` folder, found from this file so tests run from any directory.
let audioFolder = AudioFolder(path: String(#filePath.split(separator: "/").dropLast(3).joined(separator: "/").prepending("/")) + "/Audio")

extension String {
    func prepending(_ prefix: String) -> String { prefix + self }
}

/// Shared by the scenario tests and the coverage test, so one run measures all of them.
let hotlineCoverage = FlowCoverage()

func hotlinePhone() throws -> TestPhone {
    try TestPhone(routes: routes, prompts: audioFolder, coverage: hotlineCoverage)
}

/// The variable the hotline's A/B split keeps a caller's share in: `split.menuSplit`.
let menuSplit = Split<Hotline>.variable(for: .menuSplit)

extension ForcedShare {
    /// A call the hotline's split gives today's main menu.
    static let mainMenu = ForcedShare.share("mainMenu", of: Hotline.menuSplit)
    /// A call the hotline's split gives the shorter quick menu.
    static let quickMenu = ForcedShare.share("quickMenu", of: Hotline.menuSplit)
}

@Suite struct HotlineTests {
    @Test func callersReachSupportAndGoBack() async throws {
        let phone = try hotlinePhone()
        let call = await phone.call(forcing: .mainMenu, hears: .prompts("welcome", "main-menu")) {
            $0.state = "mainMenu"
            $0.variables = ["language": "de", menuSplit: "mainMenu"]
        }
        await call.press("2", hears: .prompts("support-menu")) {
            $0.state = "supportMenu"
            $0.trail = ["mainMenu"]
        }
        await call.press("8", hears: .prompts("main-menu")) {
            $0.state = "mainMenu"
            $0.trail = []
        }
        await call.press("2", hears: .prompts("support-menu")) {
            $0.state = "supportMenu"
            $0.trail = ["mainMenu"]
        }
        await call.press("9", hears: .prompts("main-menu")) {
            $0.state = "mainMenu"
            $0.trail = []
        }
        await call.press("2", hears: .prompts("support-menu")) {
            $0.state = "supportMenu"
            $0.trail = ["mainMenu"]
        }
        await call.press("1", hears: .dial("4915799912347", "4915799912348", "4915799912349", after: "connecting")) {
            $0.state = "technical"
            $0.trail = ["mainMenu", "supportMenu"]
            $0.finished = true
        }
        await call.answer(by: "Bob") { $0.answered = true }
        await call.hangUp { $0.ended = true }
    }

    @Test func silenceAndWrongKeysEscalateToTheOperator() async throws {
        let phone = try hotlinePhone()
        let call = await phone.call(forcing: .mainMenu, hears: .prompts("welcome", "main-menu")) {
            $0.state = "mainMenu"
            $0.variables = ["language": "de", menuSplit: "mainMenu"]
        }
        await call.silence(hears: .prompts("no-input", "main-menu-short")) { $0.noInputs = 1 }
        await call.press("7", hears: .prompts("invalid-option", "main-menu-last")) { $0.wrongKeys = 1 }
        await call.silence(hears: .dial("4921199999999", after: "connecting-operator")) {
            $0.state = "operatorDesk"
            $0.noInputs = 0
            $0.wrongKeys = 0
            $0.finished = true
        }
        call.expectTranscript(
            """
            < play [de] welcome, main-menu (waiting for 1 digit, 5 s)
            > (silence)
            < play [de] no-input, main-menu-short (waiting for 1 digit, 5 s)
            > 7
            < play [de] invalid-option, main-menu-last (waiting for 1 digit, 5 s)
            > (silence)
            < play [de] connecting-operator, then dial 4921199999999
            """)
    }

    @Test func everyMainMenuKeyLeadsToItsDesk() async throws {
        let phone = try hotlinePhone()
        phone.exhaustivity = .off
        let desks: [(String, CallerHears)] = [
            ("1", .dial("4915799912345", "4915799912346", after: "connecting")),
            ("0", .dial("4921199999999", after: "connecting-operator")),
        ]
        for (key, expected) in desks {
            let call = await phone.call(forcing: .mainMenu)
            await call.press(key, hears: expected)
        }
        let support = await phone.call(forcing: .mainMenu)
        await support.press("2")
        await support.press("2", hears: .dial("4915799912350", after: "connecting"))
        let lost = await phone.call(forcing: .mainMenu)
        await lost.press("2")
        await lost.silence(hears: .prompts("no-input", "support-menu-short"))
        await lost.press("5", hears: .prompts("invalid-option", "support-menu-short"))
        await lost.silence(hears: .dial("4921199999999", after: "connecting-operator")) { $0.state = "operatorDesk" }
    }

    @Test func afterHoursAndHolidaysGoToVoicemail() async throws {
        let phone = try hotlinePhone()
        phone.setClock(to: "2026-12-01 18:00")
        await phone.call(hears: .voicemail(after: "after-hours")) {
            $0.state = "afterHours"
            $0.variables = ["language": "de"]
            $0.finished = true
        }
        phone.setClock(to: "2026-12-05 11:00")  // a Saturday
        await phone.call(hears: .voicemail(after: "after-hours")) {
            $0.state = "afterHours"
            $0.variables = ["language": "de"]
            $0.finished = true
        }
        phone.setClock(to: "2026-12-25 10:00")  // 1. Weihnachtstag
        await phone.call(hears: .voicemail(after: "holiday")) {
            $0.state = "holiday"
            $0.variables = ["language": "de"]
            $0.finished = true
        }
        phone.setClock(to: "2027-05-17 10:00")  // Pfingstmontag next year
        await phone.call(hears: .voicemail(after: "holiday")) {
            $0.state = "holiday"
            $0.variables = ["language": "de"]
            $0.finished = true
        }
        phone.setClock(to: "2026-12-01 07:59")
        await phone.call(hears: .voicemail(after: "after-hours")) {
            $0.state = "afterHours"
            $0.variables = ["language": "de"]
            $0.finished = true
        }
        phone.setClock(to: "2026-12-01 08:00")
        await phone.call(forcing: .mainMenu, hears: .prompts("welcome", "main-menu")) {
            $0.state = "mainMenu"
            $0.variables = ["language": "de", menuSplit: "mainMenu"]
        }
    }

    @Test func blockedCallersHearBusy() async throws {
        let phone = try hotlinePhone()
        await phone.call(from: "4915100000666", hears: .reject(.busy)) {
            $0.state = "entry"
            $0.variables = ["language": "de"]
            $0.finished = true
        }
    }

    @Test func theHotlineFlowIsFullyCovered() async throws {
        let phone = try hotlinePhone()
        phone.exhaustivity = .off
        // Paths the scenario tests do not take.
        let sales = await phone.call(forcing: .mainMenu)
        await sales.press("1")
        let account = await phone.call(forcing: .mainMenu)
        await account.press("3")
        let supportSilent = await phone.call(forcing: .mainMenu)
        await supportSilent.press("2")
        await supportSilent.silence()
        await supportSilent.press("7")
        await supportSilent.silence()
        try await callersReachSupportAndGoBack()
        try await silenceAndWrongKeysEscalateToTheOperator()
        try await everyMainMenuKeyLeadsToItsDesk()
        try await afterHoursAndHolidaysGoToVoicemail()
        try await blockedCallersHearBusy()
        let quickMenu = QuickMenuTests()
        try await quickMenu.everyQuickMenuKeyLeadsToItsDesk()
        try await quickMenu.silenceAndWrongKeysInTheQuickMenuEscalateToTheOperator()
        try await quickMenu.threeWrongKeysInTheQuickMenuReachTheOperator()
        try await quickMenu.threeSilencesInTheQuickMenuReachTheOperator()
        let languages = HotlineLanguageTests()
        try await languages.anEnglishCallerHearsEnglishAndCanSwitchToGerman()
        try await languages.threeHandsAGermanCallerToTheAccountLineInGerman()
        try await languages.theMainMenuSwitchesBothWaysAndKeepsTheCallersShare()
        phone.expectFullCoverage(of: "hotline")
    }
}
