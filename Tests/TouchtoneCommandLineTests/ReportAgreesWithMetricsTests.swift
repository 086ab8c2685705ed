import FoundationEssentials
import Testing
import Touchtone
import TouchtoneServer
import TouchtoneTesting

@testable import TouchtoneCommandLine

private enum Trial: String, FlowState {
    case split, long, short, bye
}

/// Callers split 50/50 between two menus; 1 transfers, 2 says goodbye and hangs up.
private let trial = Flow("trial", version: 3, states: Trial.self, start: .split) {
    Split(.split, by: .caller) {
        Share(50, .go(.long))
        Share(50, .go(.short))
    }
    Menu(.long, prompt: "long-menu") {
        Key("1", .transfer(to: "4915799912345"))
        Key("2", .go(.bye))
    }
    .attempts(2, then: .go(.bye))
    Menu(.short, prompt: "short-menu") {
        Key("1", .transfer(to: "4915799912345"))
        Key("2", .go(.bye))
    }
    Announce(.bye, play: "goodbye", then: .hangup)
}

/// Calls with known paths over HTTP to a real server logging JSON: `/metrics`, the report
/// read from the log, and the paths themselves must all say the same.
@Suite("The report and /metrics agree")
struct ReportAgreesWithMetricsTests {
    /// A caller's keys (`""` is silence) and whether they hang up at the end.
    struct Path {
        var share: String
        var keys: [String]
        var hangsUp: Bool
    }

    static let paths: [Path] = [
        Path(share: "long", keys: ["1"], hangsUp: false),  // transfer from long
        Path(share: "long", keys: ["2"], hangsUp: false),  // bye, hang-up
        Path(share: "long", keys: ["9", ""], hangsUp: false),  // wrong key, silence: attempts -> bye
        Path(share: "long", keys: [], hangsUp: true),  // caller hangs up in long
        Path(share: "short", keys: ["1"], hangsUp: false),  // transfer from short
        Path(share: "short", keys: [], hangsUp: true),  // caller hangs up in short
        Path(share: "short", keys: ["9"], hangsUp: true),  // wrong key, then hangs up in short
    ]

    @Test func theReportFromTheLogAndTheMetricsCountTheKnownPaths() async throws {
        let traffic = try JSONLoggedServer(routes: RoutingTable { Route.default(trial) })
        let transport = traffic.transport
        let (compiled, _) = trial.compile(in: CompileEnvironment(publicURL: try AbsoluteURL("http://127.0.0.1:1")))
        for (number, path) in Self.paths.enumerated() {
            let landing = try #require(
                compiled.call(landingIn: path.share, atSplit: "split", from: "4915100000000", callId: "agree-\(number)"))
            let id = CallID(landing.callId)
            var next = await transport.deliver(
                .newCall(NewCallEvent(callId: id, from: landing.from, to: "4921100000", direction: .incoming)), address: PushAddress(),
                lookups: LookupStubs()
            ).next
            for key in path.keys {
                next = await transport.deliver(.dtmf(DTMFEvent(callId: id, digits: key)), address: next, lookups: LookupStubs()).next
            }
            if path.hangsUp {
                _ = await transport.deliver(.hangup(HangupEvent(callId: id, cause: .normalClearing)), address: next, lookups: LookupStubs())
            }
        }
        let (metrics, report) = await traffic.finish()

        // What the paths say, worked out by hand.
        let edges: [String: Int] = [
            "split|share long (50%)|long": 4, "split|share short (50%)|short": 3,
            "long|key 1|transfer": 1, "long|key 2|bye": 1, "long|wrong key|long": 1, "long|attempts exhausted|bye": 1,
            "short|key 1|transfer": 1, "short|wrong key|short": 1, "bye|next|hangup": 2,
        ]
        let endings: [String: Int] = [
            "long|transfer": 1, "bye|hangup": 2, "long|caller-hangup": 1, "short|transfer": 1, "short|caller-hangup": 2,
        ]

        let expected = FlowCounts(edges: edges, endings: endings)
        // /metrics.
        #expect(metrics.contains("touchtone_flow_calls_total{flow=\"trial\",version=\"3\"} 7\n"))
        #expect(FlowCounts(metrics: metrics, flow: "trial", version: 3) == expected)
        // The report, read from the log.
        #expect(report.lines.notUnderstood == 0)
        let flow = try #require(report.flows.first { $0.name == "trial" && $0.version == 3 })
        #expect(flow.calls == 7)
        #expect(FlowCounts(report: flow) == expected)
        let split = try #require(flow.splits.first)
        #expect(split.variants.map(\.share) == ["long", "short"])
        #expect(split.variants.map(\.calls) == [4, 3])
    }
}
