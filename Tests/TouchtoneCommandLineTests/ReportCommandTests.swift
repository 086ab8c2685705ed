import FoundationEssentials
import Testing
import Touchtone

@testable import TouchtoneCommandLine
@testable import TouchtoneTesting

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `touchtone report` run in process: each format, files and standard input, usage errors.
@Suite struct ReportCommandTests {
    /// Runs `touchtone arguments...` for ``reportRoutes`` with `input` on standard input.
    func run(_ arguments: [String], input: String = "") throws -> (status: Int32, out: String, err: String) {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let bytes = Array(input.utf8)
        try #require(bytes.count < 60_000)  // the pipe holds it all
        try #require(bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) } == bytes.count)
        close(fds[1])
        let streams = CollectedStreams()
        let status = TouchtoneCommand.run(arguments, environment: [:], routes: reportRoutes, streams: streams.streams(input: fds[0]))
        return (status, streams.output, streams.errors)
    }

    @Test func textHasTheTables() throws {
        let result = try run(["report"], input: ReportLogs.sevenCalls)
        #expect(result.status == 0)
        #expect(result.err == "touchtone report: 1 line(s) not understood, skipped (first: -:20)\n")
        let lines = result.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "20 lines read: 17 counted, 2 other, 1 not understood (first: -:20)")
        for expected in [
            "== desk version 2: 7 calls ==", "How the 7 calls ended", "  caller-hangup       1     14.3%",
            "  no ending seen      1     14.3%",
            "  state     visits  hang-ups  of visits  silence  wrong key  time p50  time p90",
            "  menu           6         1      16.7%    20.0%      20.0%     3.0 s     6.0 s",
            "  menu      key 1            identify       2   40.0%", "  identify  result known         1  50.0%",
            "  identify      2  300 ms  2.0 s  2.0 s  2.0 s", "== reference version 1: 1 call ==", "How the call ended",
        ] {
            #expect(lines.contains(expected), "\(expected)\n\(result.out)")
        }
    }

    @Test func markdownHasTablesAndTheDiagramWithCounts() throws {
        let result = try run(["report", "--format", "markdown"], input: ReportLogs.sevenCalls)
        #expect(result.status == 0)
        let text = result.out
        #expect(text.hasPrefix("# Call report\n"))
        #expect(text.contains("## desk version 2\n") && text.contains("| menu | 6 | 1 | 16.7% | 20.0% | 20.0% | 3.0 s | 6.0 s |  |\n"))
        #expect(text.contains("```mermaid\nflowchart TD\n"))
        #expect(text.contains(#"    s1 -->|"key 1 · 2 (40%)"| s2"#))
        #expect(text.contains(#"    s0 -.->|"when closed · 1 (14%)"| s4"#))
        #expect(!text.contains("classDef"))  // one hang-up in six visits marks nothing
    }

    /// The parts of `--format json` the test reads.
    struct JSONReport: Decodable {
        struct Lines: Decodable {
            let read, counted, other, notUnderstood, outsideWindow, otherFlows: Int
            let firstNotUnderstood: String?
        }
        struct Flow: Decodable {
            let flow: String
            let version: Int?
            let diagramVersion: Int?
            let calls, noEndingSeen: Int
            let endings: [String: Int]
            let states: [State]
            let lookups: [Lookup]
            let splits: [Split]
        }
        struct State: Decodable {
            let state: String
            let visits, callerHangups, exits: Int
            let silenceRate, wrongKeyRate, hangupShare: Double?
            let marked: Bool
            let timeSpentMs: [String: Int?]
            let next: [Edge]
        }
        struct Edge: Decodable {
            let via, to: String
            let calls: Int
            let share: Double?
        }
        struct Lookup: Decodable {
            let state: String
            let outcomes: [Edge]
            let latencyMs: [String: Int?]
        }
        struct Split: Decodable {
            let state: String
            let variants: [Variant]
        }
        struct Variant: Decodable {
            let share: String
            let calls: Int
            let completionRate, dropOffRate: Double?
            let callerHangups: [String: Int]
        }
        let lines: Lines
        let flows: [Flow]
    }

    @Test func jsonDecodesWithTheNumbers() throws {
        let result = try run(["report", "--format=json"], input: ReportLogs.sevenCalls + ReportLogs.splits)
        let report = try JSONDecoder().decode(JSONReport.self, from: Data(result.out.utf8))
        #expect(report.lines.read == 28 && report.lines.notUnderstood == 1 && report.lines.firstNotUnderstood == "-:20")
        let desk = try #require(report.flows.first)
        #expect(desk.flow == "desk" && desk.version == 2 && desk.diagramVersion == 2 && desk.calls == 11 && desk.noEndingSeen == 1)
        #expect(
            desk.endings == [
                "transfer": 2, "voicemail": 4, "reject": 0, "hangup": 0, "caller-hangup": 3, "expired": 1, "handoff": 0, "other": 0,
            ])
        let menu = try #require(desk.states.first { $0.state == "menu" })
        #expect(menu.visits == 10 && menu.callerHangups == 3 && menu.exits == 7 && menu.hangupShare == 0.3 && !menu.marked)
        #expect(menu.silenceRate == 0.1429 && menu.wrongKeyRate == 0.1429)
        #expect(menu.timeSpentMs["p50"] == 2_976 && menu.timeSpentMs["samples"] == 6)  // 3000 within its bucket
        #expect(menu.next.first.map { "\($0.via) \($0.to) \($0.calls) \($0.share ?? 0)" } == "key 1 identify 2 0.2857")
        #expect(desk.lookups.first?.latencyMs == ["samples": 2, "p50": 300, "p90": 2_000, "p99": 2_000, "max": 2_000])
        let entry = try #require(desk.splits.first)
        #expect(entry.state == "entry" && entry.variants.map(\.share) == ["a", "b"] && entry.variants.map(\.calls) == [2, 2])
        #expect(entry.variants.map(\.completionRate) == [0.5, 0.5] && entry.variants[0].callerHangups == ["menu": 1])
        #expect(report.flows.last?.flow == "reference")
    }

    @Test func svgIsSelfContainedXMLWithTheLabels() throws {
        let result = try run(
            ["report", "--format", "svg"],
            input: ReportLogs.sevenCalls + #"{"time":"2026-12-06T14:00:00Z","kind":"push","flow":"<script>&\"x","started":true}"#)
        #expect(result.status == 0)
        let root = try MiniXML.parse(result.out).get()
        #expect(root.name == "svg")
        let texts = Self.texts(of: root)
        for label in [
            "desk version 2", "reference version 1", "entry", "menu", "identify", "known", "closed", "transfer", "voicemail",
            "caller-hangup", "expired", "<script>&\"x (no version)",
        ] {
            #expect(texts.contains(label), "\(label)")
        }
        #expect(texts.contains { $0.hasPrefix("7 calls · 1 transfer · 3 voicemail") })
        #expect(texts.contains("menu: 1 caller-hangup"))
        #expect(!result.out.contains("<script") && !result.out.contains("href") && !result.out.contains("url("))
    }

    /// Every text in `element` and below, one per text node.
    static func texts(of element: MiniXML.Element) -> [String] {
        element.children.flatMap { node -> [String] in
            switch node {
            case .element(let child): texts(of: child)
            case .text(let text), .cdata(let text): [text]
            }
        }
    }

    @Test func filesAddUpAndDashIsStandardInput() throws {
        let path = ReportLogs.file(ReportLogs.sevenCalls)
        defer { unlink(path) }
        let result = try run(["report", path, "-", path, "--flow", "desk", "--format", "json"], input: ReportLogs.sevenCalls)
        let report = try JSONDecoder().decode(JSONReport.self, from: Data(result.out.utf8))
        #expect(report.flows.map(\.calls) == [21] && report.lines.otherFlows == 3 && report.lines.notUnderstood == 3)
        #expect(report.lines.firstNotUnderstood == "\(path):20")
    }

    @Test func sinceAndUntil() throws {
        let result = try run(
            ["report", "--since", "2026-12-06T14:01", "--until", "2026-12-06T14:03:04Z", "--format", "json"], input: ReportLogs.sevenCalls)
        let report = try JSONDecoder().decode(JSONReport.self, from: Data(result.out.utf8))
        #expect(report.lines.counted == 6 && report.lines.outsideWindow == 11 && report.flows.map(\.calls) == [3])
        let later = try run(["report", "--since", "2026-12-07"], input: ReportLogs.sevenCalls)
        #expect(later.status == 0 && later.out.contains("No calls of a flow in the input."))
    }

    @Test func usageErrors() throws {
        let times = "a UTC time such as 2026-12-06, 2026-12-06T14:00 or 2026-12-06T14:00:00Z"
        #expect(
            try run(["report", "--since", "yesterday"])
                == (2, "", "touchtone report: --since must be \(times), not 'yesterday' (see touchtone report --help)\n"))
        #expect(try run(["report", "--until", "2026-12-06T25:00"]).err.contains("--until must be \(times), not '2026-12-06T25:00'"))
        #expect(
            try run(["report", "--since", "2026-12-07", "--until", "2026-12-06"])
                == (2, "", "touchtone report: --since must be before --until (see touchtone report --help)\n"))
        #expect(
            try run(["report", "--format", "pdf"])
                == (2, "", "touchtone report: --format must be text, markdown, json or svg, not 'pdf' (see touchtone report --help)\n"))
        #expect(
            try run(["report", "/nonexistent/app.log"]) == (
                1, "", "touchtone report: cannot read '/nonexistent/app.log': No such file or directory\n"
            ))
        let none = try run(["report", "--flow", "nope"], input: ReportLogs.sevenCalls)
        #expect(none.status == 0 && none.err.hasSuffix("touchtone report: no lines of flow 'nope' (flows: desk, reference)\n"))
    }

    @Test func helpListsTheCommand() throws {
        #expect(try run(["--help"]).out.contains("  report  summarize the JSON log per flow"))
        let help = try run(["report", "--help"])
        #expect(help.status == 0 && help.out.hasPrefix("USAGE: touchtone report [<log>...] [options]\n"))
        #expect(help.out.contains("  --since TIME\n      only lines from this UTC time on (default: the beginning)\n"))
    }
}
