import FoundationEssentials
import Testing
import Touchtone
import TouchtoneServer
import TouchtoneTesting

@testable import TouchtoneCommandLine

private enum ReportDesk: String, FlowState {
    case account, found, operatorDesk
}

private enum ReportAccount: String, LookupOutcome {
    case found
}

/// The look-ups of ``heldReportDesk`` by call: each waits until its test opens it.
private let openings = Lock<[String: OneOpening]>([:])

/// Opens once; a look-up waiting for it goes on then.
private final class OneOpening: Sendable {
    private let state = Lock<(open: Bool, waiting: CheckedContinuation<Void, Never>?)>((false, nil))

    func wait() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiting = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }

    func open() {
        state.withLock { state in
            state.open = true
            defer { state.waiting = nil }
            return state.waiting
        }?.resume()
    }
}

/// A slow look-up that holds its caller after 50 ms; 0 while held goes to the operator.
private let heldReportDesk = Flow("held-report", version: 1, states: ReportDesk.self, start: .account) {
    Lookup(.account, outcomes: ReportAccount.self, deadline: .seconds(60), fallback: .go(.operatorDesk)) { call in
        await openings.withLock { $0[call.callId.description] }?.wait()
        return .init(.found)
    } then: { _ in
        .go(.found)
    }
    .holding(after: .milliseconds(50), play: "please-hold") {
        Key("0", .go(.operatorDesk))
    }
    Announce(.found, play: "connecting", then: .transfer(to: "4915799955555"))
    Announce(.operatorDesk, play: "operator", then: .transfer(to: "4915799912345"))
}

/// Two held calls over HTTP to a server logging JSON: one gets its result at the next push,
/// one presses 0. `/metrics` and the report read from the log count each edge, ending and
/// look-up once: the look-up's own line (its ending kept while the caller was held) adds
/// only its duration.
@Suite("Held calls in the report and /metrics")
struct HeldCallsInTheReportTests {
    @Test func theReportAndTheMetricsCountHeldCallsOnce() async throws {
        let traffic = try JSONLoggedServer(routes: RoutingTable { Route.default(heldReportDesk) })
        let transport = traffic.transport
        let (found, pressed) = (OneOpening(), OneOpening())
        openings.withLock { $0 = ["report-found": found, "report-pressed": pressed] }
        defer {
            found.open()
            pressed.open()
        }
        func start(_ callId: String) async -> PushAddress {
            await transport.deliver(
                .newCall(NewCallEvent(callId: CallID(callId), from: "4915100000000", to: "4921100000", direction: .incoming)),
                address: PushAddress(), lookups: LookupStubs()
            ).next
        }
        func press(_ callId: String, _ key: String, at address: PushAddress) async -> String {
            await transport.deliver(.dtmf(DTMFEvent(callId: CallID(callId), digits: key)), address: address, lookups: LookupStubs())
                .xml
        }
        func logged(_ text: String) async throws -> Bool {
            for _ in 0..<1500 {
                if traffic.logText.contains(text) { return true }
                try await Task.sleep(for: .milliseconds(20))
            }
            return false
        }

        // Held, the result comes, sipgate's next push gets it.
        let heldForResult = await start("report-found")
        found.open()
        #expect(try await logged("kept for the next push"))
        #expect(await press("report-found", "", at: heldForResult).contains("4915799955555"))
        // Held, 0 for the operator; the look-up ends later, after the call moved on.
        let heldForKey = await start("report-pressed")
        #expect(await press("report-pressed", "0", at: heldForKey).contains("4915799912345"))
        pressed.open()
        #expect(try await logged("moved on"))
        let (metrics, report) = await traffic.finish()

        let edges: [String: Int] = [
            "account|held|account": 2, "account|result found|found": 1, "found|next|transfer": 1,
            "account|key 0 (holding)|operatorDesk": 1, "operatorDesk|next|transfer": 1,
        ]
        let expected = FlowCounts(edges: edges, endings: ["found|transfer": 1, "operatorDesk|transfer": 1])

        #expect(metrics.contains("touchtone_flow_calls_total{flow=\"held-report\",version=\"1\"} 2\n"))
        #expect(
            metrics.contains("touchtone_flow_lookup_duration_seconds_count{flow=\"held-report\",version=\"1\",state=\"account\"} 2\n"),
            "\(metrics)")
        #expect(metrics.contains("touchtone_lookup_holds_total 2\n"))
        #expect(FlowCounts(metrics: metrics, flow: "held-report", version: 1) == expected)

        #expect(report.lines.notUnderstood == 0)
        let flow = try #require(report.flows.first { $0.name == "held-report" })
        #expect(flow.calls == 2)
        #expect(FlowCounts(report: flow) == expected)
        let account = try #require(flow.states.first { $0.name == "account" })
        #expect(account.visits == 2)
        // Two calls left the look-up, each held first: the hold is not a way out.
        #expect(account.edgesOut == 2)
        let exits = ReportTables.exits(flow).rows.map { $0.joined(separator: " | ") }
        #expect(exits.contains("account | result found | found | 1 | 50.0%"), "\(exits)")
        #expect(exits.contains(" | held | account | 2 | 100.0%"), "\(exits)")
        let lookup = try #require(flow.lookups.first)
        #expect(lookup.held == 2)
        #expect(lookup.latency.count == 2)
        #expect(lookup.outcomes.filter { $0.count > 0 }.map(\.via).sorted() == ["key 0 (holding)", "result found"])
        let text = ReportTables.lookupOutcomes(flow).rows.map { $0.joined(separator: " | ") }
        #expect(text.contains(" | (held first) | 2 | 100.0%"), "\(text)")
    }
}
