import FoundationEssentials
import Testing
import Touchtone

@testable import TouchtoneServer

/// Calls with known paths through `lineFlow`, over HTTP: what `/metrics` and the JSON log
/// must both say about them.
@Suite("Flow traffic in /metrics and the log")
struct FlowTrafficTests {
    /// Three calls: a transfer by key, a wrong key then silence until the attempts end in the
    /// goodbye's hang-up, and a caller who hangs up in the menu. (Look-ups run on Swift's
    /// cooperative pool, which other tests can hold for seconds: they are counted below,
    /// with a manual clock.)
    static func placeKnownCalls(_ port: Int) throws {
        let client = try TestClient(port: port)
        func call(_ id: String, _ pushes: [String]) throws {
            #expect(try post(client, newCallBody.replacingOccurrences(of: "callId=123456", with: "callId=\(id)")).status == 200)
            for push in pushes { #expect(try post(client, push).status == 200) }
            let hangup = hangupBody.replacingOccurrences(of: "callId=123456", with: "callId=\(id)")
            #expect(try post(client, hangup).status == 200)
        }
        try call("a1", [dtmfBody("1", callId: "a1")])
        try call("c3", [dtmfBody("9", callId: "c3"), dtmfBody("", callId: "c3")])
        try call("d4", [])
    }

    static let expectedEdges: [String: Int] = [
        "from=\"menu\",to=\"sales\",via=\"key 1\"": 1,
        "from=\"menu\",to=\"identify\",via=\"key 2\"": 0,
        "from=\"menu\",to=\"menu\",via=\"wrong key\"": 1,
        "from=\"menu\",to=\"goodbye\",via=\"attempts exhausted\"": 1,
        "from=\"sales\",to=\"transfer\",via=\"next\"": 1,
        "from=\"goodbye\",to=\"hangup\",via=\"next\"": 1,
        "from=\"menu\",to=\"waitForGate\",via=\"key 3\"": 0,
        "from=\"menu\",to=\"menu\",via=\"no input\"": 0,
    ]

    static let expectedEndings: [String: Int] = [
        "state=\"sales\",how=\"transfer\"": 1,
        "state=\"goodbye\",how=\"hangup\"": 1,
        "state=\"menu\",how=\"caller-hangup\"": 1,
    ]

    @Test func metricsCountEachEdgeEndingAndLookUpOfTheKnownPaths() throws {
        let logs = LogCapture()
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.loopCount = 2
        let server = FlowServer(configuration: configuration, engine: try makeEngine(), logger: logs.logger(.json))
        let port = try server.start()
        try Self.placeKnownCalls(port)
        let metrics = server.metricsText()
        server.shutdown()
        server.waitUntilStopped()

        let flow = "flow=\"line\",version=\"1\""
        #expect(metrics.contains("touchtone_flow_calls_total{\(flow)} 3\n"))
        for (labels, count) in Self.expectedEdges {
            #expect(metrics.contains("touchtone_flow_edges_total{\(flow),\(labels)} \(count)\n"), "\(labels)")
        }
        for (labels, count) in Self.expectedEndings {
            #expect(metrics.contains("touchtone_flow_endings_total{\(flow),\(labels),variant=\"\"} \(count)\n"), "\(labels)")
        }
        // No call id, number or digit is ever a label.
        for secret in ["a1", "c3", "492111234567", "4915791234567"] { #expect(!metrics.contains(secret)) }

        // The log says the same, line by line.
        var edges: [String: Int] = [:]
        var endings: [String: Int] = [:]
        var started = 0
        for line in logs.text.split(separator: "\n") {
            let object = try JSONSerializationFree.decode(String(line))
            guard object["kind"] == "push" else { continue }
            if object["started"] == "true" { started += 1 }
            for edge in (object["edges"] ?? "").split(separator: ";") {
                let parts = edge.split(separator: " ", maxSplits: 1).map(String.init)
                let from = parts[0]
                let rest = parts[1].split(separator: " ").map(String.init)
                let to = rest.last!
                let via = rest.dropLast().joined(separator: " ")
                edges["from=\"\(from)\",to=\"\(to)\",via=\"\(via)\"", default: 0] += 1
            }
            if let how = object["ending"], let state = object["endingState"] {
                endings["state=\"\(state)\",how=\"\(how)\"", default: 0] += 1
            }
            if object["event"] == "dtmf" || object["event"] == "hangup" { #expect(object["waitedMs"] != nil, "\(line)") }
        }
        #expect(started == 3)
        #expect(edges == Self.expectedEdges.filter { $0.value > 0 })
        #expect(endings == Self.expectedEndings)
    }

    @Test func aRepeatedPushCountsNothingTwice() throws {
        let logs = LogCapture()
        try withServer(logs: logs) { server, port in
            let client = try TestClient(port: port)
            _ = try post(client, newCallBody)
            _ = try post(client, newCallBody)
            let pressed = "POST /?f=line&t=0 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            for _ in 0..<2 {
                let body = dtmfBody("1")
                try client.send(pressed + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
                #expect(try client.readResponse().status == 200)
            }
            _ = try post(client, hangupBody)
            _ = try post(client, hangupBody)
            let metrics = server.metricsText()
            let flow = "flow=\"line\",version=\"1\""
            #expect(metrics.contains("touchtone_flow_calls_total{\(flow)} 1\n"))
            #expect(metrics.contains("touchtone_flow_edges_total{\(flow),from=\"menu\",to=\"sales\",via=\"key 1\"} 1\n"))
            #expect(metrics.contains("touchtone_flow_endings_total{\(flow),state=\"sales\",how=\"transfer\",variant=\"\"} 1\n"))
            #expect(!metrics.contains("how=\"caller-hangup\""))
        }
    }

    @Test func anExpiredCallIsLoggedAndCountedWhereItWaited() throws {
        let clock = ManualClock()
        let store = InMemorySessionStore(idleTimeout: .seconds(60))
        let engine = try Engine(
            routes: RoutingTable { Route.default(lineFlow) }, store: store, clock: clock,
            settings: EngineSettings(publicURL: try AbsoluteURL("http://127.0.0.1:3000/")))
        _ = engine.handle(body: Array(newCallBody.utf8))
        _ = engine.handle(body: Array(newCallBody.replacingOccurrences(of: "123456", with: "ended").utf8))
        _ = engine.handle(body: Array(dtmfBody("1", callId: "ended").utf8))
        clock.advance(by: 61)
        var records: [EventRecord] = []
        while records.isEmpty && store.count > 0 { engine.sweep { records.append($0) } }
        for _ in 0..<64 { engine.sweep { records.append($0) } }
        // The transferred call's flow had ended it: only the call left in the menu expired.
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.ending == .expired && record.endingState == "menu" && record.waitedMilliseconds == 61_000)

        let logs = LogCapture()
        let logger = logs.logger(.json)
        logger.expired(record)
        logger.flush()
        let line = try JSONSerializationFree.decode(String(logs.text.dropLast()))
        #expect(line["kind"] == "expired" && line["flow"] == "line" && line["version"] == "1")
        #expect(line["ending"] == "expired" && line["endingState"] == "menu" && line["waitedMs"] == "61000")
        let traffic = TrafficCounters(flows: engine.flows)
        traffic.count(record)
        #expect(traffic.flows.first?.endings.values.reduce(0, +) == 1)
    }

    @Test func aLookUpsTimeAndOutcomeAreCountedPerLookUpState() throws {
        let clock = ManualClock()
        let engine = try Engine(
            routes: RoutingTable { Route.default(lineFlow) }, store: InMemorySessionStore(), clock: clock,
            settings: EngineSettings(publicURL: try AbsoluteURL("http://127.0.0.1:3000/")))
        _ = engine.handle(body: Array(newCallBody.utf8))
        guard case .lookup(let pending, _) = engine.handle(body: Array(dtmfBody("2").utf8)) else {
            Issue.record("key 2 must start the look-up")
            return
        }
        clock.advance(by: 1.5)
        let (_, record) = pending.complete(with: .finished(ErasedLookupResult(outcome: "done")))
        #expect(record.lookupState == "identify" && record.lookupMilliseconds == 1500)
        #expect(record.trace.map(\.label) == [.key("2"), .lookupResult("done"), .next])
        #expect(record.ending == .transfer && record.endingState == "sales")

        engine.traffic.count(record)
        let metrics = PrometheusText.renderFlows(engine.traffic)
        let labels = "flow=\"line\",version=\"1\",state=\"identify\""
        #expect(metrics.contains("touchtone_flow_lookup_duration_seconds_bucket{\(labels),le=\"1\"} 0\n"))
        #expect(metrics.contains("touchtone_flow_lookup_duration_seconds_bucket{\(labels),le=\"2.5\"} 1\n"))
        #expect(metrics.contains("touchtone_flow_lookup_duration_seconds_sum{\(labels)} 1.5\n"))
        #expect(metrics.contains("touchtone_flow_lookup_duration_seconds_count{\(labels)} 1\n"))
        #expect(
            metrics.contains(
                "touchtone_flow_edges_total{flow=\"line\",version=\"1\",from=\"identify\",to=\"sales\",via=\"result done\"} 1\n"))
    }

    @Test func labelValuesEscapeLineEndsScalarByScalar() {
        // "\r\n" is one Character in Swift: escaped by scalar, neither end reaches the output raw.
        #expect(PrometheusText.escaped("a\r\nb\"c\\") == "a\\r\\nb\\\"c\\\\")
    }
}
