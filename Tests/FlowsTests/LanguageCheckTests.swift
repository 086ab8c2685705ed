import Flows
import Foundation
import Testing
import Touchtone

/// `touchtone check` looks in every language's folder: a prompt missing in one language is
/// reported for that language only, with the flow and state that play it.
@Suite struct LanguageCheckTests {
    @Test func checkReportsAGermanPromptMissingAsGermanOnly() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("touchtone-lang-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.copyItem(atPath: ToolBinary.packageRoot + "/Audio", toPath: folder)
        try FileManager.default.removeItem(atPath: folder + "/de/goodbye.wav")
        let run = try ToolBinary.run(["check", "--audio", folder])
        #expect(run.status == 1)
        #expect(run.errors == "")
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "account-line.tooManyAttempts: prompt goodbye: \(folder)/de/goodbye.wav is missing", "\(run)")
        #expect(lines.count == 2, "\(run)")
        #expect(lines.last?.hasPrefix("touchtone check: 1 problem (3 flows, ") == true, "\(run)")
    }

    @Test func checkReportsAnEnglishPromptMissingInEveryFlowThatPlaysIt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("touchtone-lang-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.copyItem(atPath: ToolBinary.packageRoot + "/Audio", toPath: folder)
        try FileManager.default.removeItem(atPath: folder + "/en/connecting-operator.wav")
        let run = try ToolBinary.run(["check", "--audio", folder])
        #expect(run.status == 1)
        let lines = run.output.split(separator: "\n").map(String.init)
        // The German recording is there: only English is reported, once per state that plays it.
        #expect(lines.contains("hotline.operatorDesk: prompt connecting-operator: \(folder)/en/connecting-operator.wav is missing"))
        #expect(lines.contains("account-line.operatorDesk: prompt connecting-operator: \(folder)/en/connecting-operator.wav is missing"))
        #expect(!lines.contains { $0.contains("/de/") || $0.contains("\(folder)/connecting-operator.wav") }, "\(run)")
    }
}
