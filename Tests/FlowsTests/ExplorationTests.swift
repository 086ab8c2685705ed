import Flows
import FoundationEssentials
import Testing
import Touchtone
import TouchtoneCommandLine
import TouchtoneTesting

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct ExplorationTests {
    /// Open, after hours, and a public holiday in Berlin.
    static let times = ["2026-11-30 10:00", "2026-11-30 19:30", "2026-12-25 10:00"].map {
        try! TestTime.date($0, in: try! Zone("Europe/Berlin"))
    }

    @Test func theShippedFlowsHaveNoDeadEndsEndlessSilencesOrInvalidAnswers() async throws {
        let outgoing = ["4930123456", "4990012345", "0900123456", "33123456789", "030123456", "112", "anonymous"]
        let explorer = FlowExplorer(
            routes: routes,
            callers: [.init(), .init(from: "4915100000666"), .init(from: "anonymous"), .init(to: "4921100001")]
                + outgoing.map { .init(to: $0, direction: .outgoing) },
            times: Self.times,
            // A PIN and a customer number the account line's checks accept (demo account 4170007).
            inputs: ["pin": ["2580#"], "customerNumber": ["4170007#"]])
        let report = try await explorer.run()
        #expect(report.problems == [], "\(report)")
        #expect(report.statesReached["hotline"]?.count == Hotline.allCases.count, "\(report)")
        // Both shares of the A/B split: the explorer walks each of them.
        #expect(report.statesReached["hotline"]?.isSuperset(of: ["mainMenu", "quickMenu"]) == true, "\(report)")
        // Exploration answers look-ups by outcome name, without the variables a real look-up
        // sets, so the overdrawn read-out (overdrawn = yes) is left to AccountLineTests.
        #expect(
            report.statesReached["account-line"] == Set(AccountLineState.allCases.map(\.rawValue)).subtracting(["overdrawn"]),
            "\(report)")
        #expect(report.statesReached["outgoing-guard"]?.count == OutgoingGuardState.allCases.count, "\(report)")
        try writeCorpus(report.answers, prefix: "flows")
    }

    @Test func theReferenceFlowHasNoDeadEnds() async throws {
        let report = try await FlowExplorer(routes: ReferenceFlow.routes).run()
        #expect(report.problems == [], "\(report)")
        try writeCorpus(report.answers, prefix: "reference")
    }

    @Test func explorationFlagsSilenceThatNeverEndsTheCall() async throws {
        enum PingPong: String, FlowState { case a, b }
        // Compiles (key 9 ends the call), but a silent caller is sent between two menus
        // for far longer than any caller would wait.
        let pingPong = Flow("pingpong", states: PingPong.self, start: .a) {
            Menu(.a, prompt: "welcome") { Key("9", .hangup) }.attempts(2, then: .go(.b))
            Menu(.b, prompt: "welcome") { Key("9", .hangup) }.attempts(2, then: .go(.a))
        }
        .maxSilencesInARow(1000)
        let report = try await FlowExplorer(routes: RoutingTable { Route.default(pingPong) }, maxDepth: 4).run()
        #expect(report.problems.contains { $0.contains("staying silent in pingpong.a never ends the call") }, "\(report)")
    }
}

/// With TOUCHTONE_XML_CORPUS_DIR set, writes each answer as a file for `.ci/xsd-check`.
func writeCorpus(_ answers: Set<String>, prefix: String) throws {
    guard let raw = getenv("TOUCHTONE_XML_CORPUS_DIR") else { return }
    let directory = String(
        decoding: Array(UnsafeBufferPointer(start: raw, count: strlen(raw))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    for (i, xml) in answers.sorted().enumerated() {
        try Data(xml.utf8).write(to: URL(fileURLWithPath: "\(directory)/\(prefix)-\(i).xml"))
    }
}
