import FoundationEssentials
import Testing

/// The README's Swift examples that `Tests/FlowsTests/ReadmeExampleTests.swift` runs must be
/// the same code, word for word: a test that passes while the README shows something else
/// proves nothing for the reader.
@Suite struct ReadmeExamplesAreTheTestsTests {
    static func file(_ path: String) throws -> String {
        let data = try #require(FileManager.default.contents(atPath: ReadmeHelpTests.packageRoot + "/" + path))
        return String(decoding: data, as: UTF8.self)
    }

    /// From the line starting `opening` to the next line that is `}` alone, inclusive.
    static func block(_ text: String, from opening: String) -> String? {
        guard let start = text.firstRange(of: opening) else { return nil }
        guard let end = text[start.upperBound...].firstRange(of: "\n}\n") else { return nil }
        return String(text[start.lowerBound..<end.upperBound])
    }

    @Test(arguments: [
        ("@Test func supportIsTwoKeysAway()", "@Test func readmeExample_supportIsTwoKeysAway()"),
        ("@FlowBuilder<S>\nfunc pinEntry", "@FlowBuilder<S>\nfunc pinEntry"),
        ("let billingLine = Flow(", "let billingLine = Flow("),
        ("let voicemailBox = Flow(", "let voicemailBox = Flow("),
        ("let patientOrders = Flow(", "let patientOrders = Flow("),
        ("@Test func aSlowCRMHoldsTheCallerUntilItAnswers()", "@Test func readmeExample_aSlowCRMHoldsTheCallerUntilItAnswers()"),
    ])
    func theReadmeShowsTheCodeTheTestsRun(readmeOpening: String, testOpening: String) throws {
        let readme = try Self.file("README.md")
        let tests = try Self.file("Tests/FlowsTests/ReadmeExampleTests.swift")
        let shown = try #require(Self.block(readme, from: readmeOpening), "README.md lacks \(readmeOpening)")
        let run = try #require(Self.block(tests, from: testOpening), "ReadmeExampleTests.swift lacks \(testOpening)")
        #expect(shown == run.replacing("readmeExample_", with: ""), "update README.md from ReadmeExampleTests.swift")
    }
}
