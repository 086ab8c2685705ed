import Testing
import Touchtone

@testable import TouchtoneCommandLine

/// What the report counts, on logs written by hand (``ReportLogs``), the numbers worked out by hand.
@Suite struct ReportAggregationTests {
    func report(_ text: String, filter: LogFilter = LogFilter(), times: Int = 1) -> TrafficReport {
        var logs = LogTally(filter: filter)
        for i in 0..<times { logs.read(text: text, name: "log\(i + 1)") }
        return TrafficReport(tally: logs.tally, names: logs.parser.names, routes: reportRoutes)
    }

    func desk(_ report: TrafficReport) throws -> FlowTraffic {
        try #require(report.flows.first { $0.name == "desk" })
    }

    @Test func linesAreSortedOut() {
        let lines = report(ReportLogs.sevenCalls).lines
        #expect(lines.read == 20 && lines.counted == 17 && lines.other == 2)
        #expect(lines.notUnderstood == 1 && lines.firstNotUnderstood == "log1:20")
        #expect(lines.outsideWindow == 0 && lines.otherFlows == 0)
    }

    @Test func callsAndEndings() throws {
        let report = report(ReportLogs.sevenCalls)
        #expect(report.flows.map(\.title) == ["desk version 2", "reference version 1"])  // routing-table order
        let desk = try desk(report)
        #expect(desk.calls == 7)
        // transfer, voicemail, reject, hangup, caller-hangup, expired, handoff, other
        #expect(desk.endings.counts == [1, 3, 0, 0, 1, 1, 0, 0])
        #expect(desk.noEndingSeen == 1)
        let reference = try #require(report.flows.last)
        #expect(reference.calls == 1 && reference.noEndingSeen == 1 && reference.state(named: "menu")?.visits == 1)
    }

    @Test func visitsExitsAndRates() throws {
        let desk = try desk(report(ReportLogs.sevenCalls))
        #expect(desk.states.map(\.name) == ["entry", "menu", "identify", "known", "closed"])
        #expect(desk.states.map(\.visits) == [7, 6, 2, 1, 1])
        let entry = try #require(desk.state(named: "entry"))
        #expect(entry.edges.map { "\($0.via)>\($0.to):\($0.count)" } == ["when closed>closed:1", "otherwise>menu:6"])  // the flow's order
        let menu = try #require(desk.state(named: "menu"))
        #expect(menu.edges.map { "\($0.via):\($0.count)" } == ["key 1:2", "key 2:1", "no input:1", "wrong key:1"])
        #expect(menu.edgesOut == 5 && menu.silences == 1 && menu.wrongKeys == 1)
        #expect(menu.callerHangups == 1 && menu.endings.counts == [0, 1, 0, 0, 1, 1, 0, 0])
        #expect(abs((menu.hangupShare ?? 0) - 1.0 / 6) < 1e-9 && !menu.isMarked)
        #expect(desk.state(named: "closed")?.edges.map(\.to) == ["voicemail"])
    }

    @Test func timeSpentAndLookups() throws {
        let desk = try desk(report(ReportLogs.sevenCalls))
        let waited = try #require(desk.state(named: "menu")).waited
        // 1000, 2000, 3000, 4000, 5000, 6000 ms (the expiry line names no state): p50 3000, p90 6000.
        #expect(waited.count == 6)
        #expect(abs(Double(waited.percentile(0.5) ?? 0) - 3_000) <= 3_000 * 0.016)
        #expect(abs(Double(waited.percentile(0.9) ?? 0) - 6_000) <= 6_000 * 0.016)
        let lookup = try #require(desk.lookups.first)
        #expect(desk.lookups.count == 1 && lookup.state == "identify")
        #expect(lookup.outcomes.map { "\($0.via):\($0.count)" } == ["result known:1", "deadline passed:1"])
        #expect(lookup.latency.count == 2 && lookup.latency.percentile(0.5) == 300 && lookup.latency.maximum == 2_000)
    }

    @Test func concatenatedLogsAddUp() throws {
        let once = try desk(report(ReportLogs.sevenCalls))
        let twice = report(ReportLogs.sevenCalls, times: 2)
        let desk = try desk(twice)
        #expect(desk.calls == 14 && desk.endings.counts == once.endings.counts.map { $0 * 2 })
        #expect(desk.states.map(\.visits) == once.states.map { $0.visits * 2 })
        #expect(desk.state(named: "menu")?.waited.count == 12)
        #expect(twice.lines.read == 40 && twice.lines.notUnderstood == 2 && twice.lines.firstNotUnderstood == "log1:20")
    }

    @Test func sinceUntilAndFlow() throws {
        let since = LogTime.milliseconds("2026-12-06T14:01")
        let until = LogTime.milliseconds("2026-12-06T14:03:04Z")
        let window = report(ReportLogs.sevenCalls, filter: LogFilter(since: since, until: until))
        // B's four lines, C's and D's first (14:01:01 to 14:03:01) are in; D's second, at
        // 14:03:04, is not (until is exclusive).
        #expect(window.lines.counted == 6 && window.lines.outsideWindow == 11)
        let desk = try desk(window)
        #expect(desk.calls == 3 && desk.endings.counts == [0, 1, 0, 0, 1, 0, 0, 0] && desk.noEndingSeen == 1)
        let flow = report(ReportLogs.sevenCalls, filter: LogFilter(flow: "reference"))
        #expect(flow.flows.map(\.name) == ["reference"] && flow.lines.otherFlows == 16 && flow.lines.counted == 1)
    }

    @Test func splitsSideBySide() throws {
        let desk = try desk(report(ReportLogs.splits))
        #expect(desk.splits.map(\.state) == ["entry", "menu"])
        let entry = try #require(desk.splits.first).variants
        #expect(entry.map(\.share) == ["a", "b"])
        #expect(entry.map(\.calls) == [2, 2])
        #expect(entry[0].endings.counts == [0, 1, 0, 0, 1, 0, 0, 0] && entry[1].endings.counts == [1, 0, 0, 0, 1, 0, 0, 0])
        #expect(entry.map(\.completionRate) == [0.5, 0.5] && entry.map(\.dropOffRate) == [0.5, 0.5])
        #expect(entry.map { $0.hangups.map { "\($0.state):\($0.count)" } } == [["menu:1"], ["menu:1"]])
        let menu = try #require(desk.splits.last).variants
        #expect(menu.map(\.share) == ["x"] && menu[0].calls == 1 && menu[0].completionRate == 1 && menu[0].dropOffRate == 0)
    }

    @Test func manyHangUpsMarkAStateOnTheDiagram() throws {
        // Ten calls into the menu, five hang up there: 50% and 5, so the menu is marked.
        var lines: [String] = []
        for i in 0..<10 {
            lines.append(ReportLogs.desk("00:0\(i)", #""started":true,"edges":[["entry","otherwise","menu"]]"#))
            if i < 5 { lines.append(ReportLogs.desk("01:0\(i)", #""ending":"caller-hangup","endingState":"menu""#)) }
        }
        lines.append(ReportLogs.desk("02:00", #""edges":[["menu","key 1","identify"]]"#))
        let desk = try desk(report(lines.joined(separator: "\n")))
        #expect(desk.state(named: "menu")?.isMarked == true)
        let mermaid = try #require(desk.mermaidWithTraffic)
        #expect(mermaid.contains(#"s1["menu ⚠ 50% hang up"]"#))
        #expect(mermaid.contains(#"s0 -->|"otherwise · 10 (100%)"| s1"#))
        #expect(mermaid.contains(#"s1 -->|"key 1 · 1 (100%)"| s2"#))
        #expect(mermaid.contains(#"s2 -->|"result known · 0"| s3"#))
        #expect(mermaid.contains("class s1 marked"))
    }

    @Test func backToAMenuIsAVisit() throws {
        let line = #"{"time":"2026-12-06T14:00:00Z","kind":"push","flow":"gone","version":1,"#
        let text = [
            line + #""state":"none->a","started":true}"#,
            line + #""state":"a->b","edges":[["a","key 1","b"]]}"#,
            line + #""state":"b->a","edges":[["b","key 8","back"]]}"#,
            line + #""state":"a->a","edges":[["a","key 2","x"],["x","next","back"]]}"#,
        ].joined(separator: "\n")
        let gone = try #require(report(text).flows.first)
        // a: started there, then back from b and back from x.
        #expect(gone.states.map { "\($0.name):\($0.visits)" } == ["a:3", "b:1", "x:1"])
    }

    @Test func flowsAndVersionsTheRoutingTableDoesNotHave() throws {
        let text = [
            ReportLogs.desk("00:01", #""started":true,"edges":[["entry","otherwise","menu"]]"#).replacing(
                #""version":2"#, with: #""version":3"#),
            #"{"time":"2026-12-06T14:00:00Z","kind":"push","flow":"gone","version":1,"started":true,"edges":[["a","key 1","b"]]}"#,
        ].joined(separator: "\n")
        let report = report(text)
        #expect(report.flows.map(\.title) == ["desk version 3", "gone version 1"])
        let desk = try #require(report.flows.first)
        #expect(desk.diagramNote == "the diagram shows version 2, the routed one; the log is of version 3")
        #expect(desk.states.map(\.name) == ["entry", "menu"])  // no quiet states of another version
        let gone = try #require(report.flows.last)
        #expect(gone.diagram == nil && gone.mermaidWithTraffic == nil && gone.states.map(\.name) == ["a", "b"])
        #expect(gone.diagramNote == "no diagram: the routing table has no flow named gone")
    }
}

/// A call that passes its split twice (back through the main menu) is one call of its variant.
@Suite struct SplitReentryTests {
    @Test func aCallPassingItsSplitAgainCountsOnce() throws {
        let t = "\"time\":\"2026-12-06T10:00:00.000Z\",\"kind\":\"push\",\"flow\":\"ab\",\"version\":1"
        let log = """
            {\(t),"callId":"1","event":"newCall","state":"none->a","started":true,"variant":"s=a","edges":[["s","share a (50%)","a"]]}
            {\(t),"callId":"1","event":"dtmf","state":"a->a","variant":"s=a","edges":[["a","key 9","s"],["s","share a (50%)","a"]]}
            {\(t),"callId":"1","event":"hangup","state":"a->none","variant":"s=a","ending":"caller-hangup","endingState":"a"}
            {\(t),"callId":"2","event":"newCall","state":"none->b","started":true,"variant":"s=b","edges":[["s","share b (50%)","b"]]}
            {\(t),"callId":"2","event":"dtmf","state":"b->b","variant":"s=b","edges":[["b","key 1","transfer"]],"ending":"transfer","endingState":"b"}
            {\(t),"callId":"3","event":"newCall","state":"none->b","started":true,"variant":"s=b","edges":[["s","share b (50%)","b"]]}
            """
        var logs = LogTally(filter: LogFilter())
        logs.read(text: log)
        let report = TrafficReport(tally: logs.tally, names: logs.parser.names, routes: reportRoutes)
        let split = try #require(report.flows.first { $0.name == "ab" }?.splits.first)
        #expect(split.state == "s")
        #expect(split.variants.map(\.share) == ["a", "b"])
        // Call 1 took the split's edge twice; call 3 has not ended: counted where it ends.
        #expect(split.variants.map(\.calls) == [1, 1])
        #expect(split.variants.map(\.completionRate) == [0, 1])
    }
}
