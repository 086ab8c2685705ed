import MyFlows
import Testing
import TouchtoneTesting

/// The package's Audio/ folder, found from this file so the test runs from any directory.
let prompts = AudioFolder(path: "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/") + "/Audio")

@Test func oneReachesTheTeam() async throws {
    let phone = try TestPhone(routes: routes, prompts: prompts)
    let call = await phone.call(hears: .prompts("welcome", "main-menu")) { $0.state = "menu" }
    await call.silence(hears: .prompts("no-input", "welcome", "main-menu")) { $0.noInputs = 1 }
    await call.press("1", hears: .dial("4921199999999")) { $0.finished = true }
}
