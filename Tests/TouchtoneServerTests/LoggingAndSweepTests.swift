import FoundationEssentials
import Testing
import Touchtone

@testable import TouchtoneServer

@Suite("Logs and session expiry")
struct LoggingAndSweepTests {
    @Test func jsonLogLinesAreOneObjectEachWithoutCredentials() throws {
        let logs = LogCapture()
        let secret = "Basic " + Base64.encode(Array("sipgate:hunter2".utf8))
        let engine = try makeEngine()
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.loopCount = 1
        configuration.basicAuth = BasicCredentials(user: "sipgate", password: "hunter2")
        let server = FlowServer(configuration: configuration, engine: engine, logger: logs.logger(.json))
        let port = try server.start()
        let client = try TestClient(port: port)
        #expect(try post(client, newCallBody, headers: "Authorization: \(secret)\r\n").status == 200)
        #expect(try post(client, dtmfBody("1"), headers: "Authorization: \(secret)\r\n").status == 200)
        #expect(try post(client, dtmfBody("1"), headers: "Authorization: Basic d3Jvbmc6d3Jvbmc=\r\n").status == 401)
        server.shutdown()
        server.waitUntilStopped()

        let lines = logs.text.split(separator: "\n")
        var pushes: [[String: String]] = []
        for line in lines {
            let object = try JSONSerializationFree.decode(String(line))
            if object["kind"] == "push" { pushes.append(object) }
        }
        #expect(pushes.count == 2)
        #expect(pushes.first?["callId"] == "123456")
        #expect(pushes.first?["event"] == "newCall")
        #expect(pushes.first?["flow"] == "line")
        #expect(pushes.first?["state"] == "none->menu")
        #expect(pushes.first?["verb"] == "gather")
        #expect(pushes.last?["state"] == "menu->sales")
        #expect(pushes.last?["digits"] == "1")
        #expect(!logs.text.contains("hunter2"))
        #expect(!logs.text.contains(secret))
        #expect(!logs.text.contains("d3Jvbmc6d3Jvbmc"))
        #expect(logs.text.contains("auth_wrong"))
    }

    @Test(arguments: [LogFormat.text, .json])
    func pushLinesWrittenInPlaceAreTheLinesOfTheirFields(format: LogFormat) throws {
        enum Odd: String, FlowState {
            case start
            case odd = "a b=\"c\""
            case end
        }
        let flow = Flow("quoted \"flow\"", states: Odd.self, start: .start) {
            Menu(.start, prompt: "menu") { Key("1", .go(.odd)) }
            Menu(.odd, prompt: "menu") { Key("2", .go(.end)) }
            Menu(.end, prompt: "menu") { Key("3", .hangup) }
        }
        let engine = try Engine(
            routes: RoutingTable { Route.default(flow) }, store: InMemorySessionStore(), clock: ManualClock(),
            settings: EngineSettings(publicURL: try AbsoluteURL("http://127.0.0.1:3000")))
        var records: [EventRecord] = [EventRecord()]
        for callId in ["54566B150B0C0D3A5D564D5F565F735B54565B54505E535E78595756455045544647465F5A57", "call \"7\"\n", "Jürgen"] {
            for event: WebhookEvent in [
                .newCall(NewCallEvent(callId: CallID(callId), from: "4921", to: "4922", direction: .incoming)),
                .dtmf(DTMFEvent(callId: CallID(callId), digits: "1")), .dtmf(DTMFEvent(callId: CallID(callId), digits: "9")),
                .hangup(HangupEvent(callId: CallID(callId), cause: .unknown("odd=cause"))),
                .dtmf(DTMFEvent(callId: CallID(callId), digits: "")),
            ] {
                guard case .answer(_, let record) = engine.handle(event) else { continue }
                records.append(record)
            }
        }
        #expect(records.count == 16)
        for (index, record) in records.enumerated() {
            let fast = LogCapture()
            let reference = LogCapture()
            let logger = fast.logger(format)
            let fields = reference.logger(format)
            logger.event(record, microseconds: index * 37, status: index % 3 == 0 ? 400 : 200)
            fields.line(kind: "push", EventLogger.pushFields(record, microseconds: index * 37, status: index % 3 == 0 ? 400 : 200))
            logger.flush()
            fields.flush()
            // The times differ at most in their milliseconds: compare what follows them.
            func afterTime(_ text: String) -> Substring {
                format == .json ? text.drop { $0 != "Z" } : text.drop { $0 != " " }
            }
            #expect(afterTime(fast.text) == afterTime(reference.text), "\(record)")
            #expect(fast.text.hasSuffix("\n") && fast.text.dropLast().allSatisfy { $0 != "\n" })
        }
    }

    @Test func textLogsQuoteWhatCouldBreakALine() {
        var out: [UInt8] = []
        EventLogger.appendText("a b\n\"c\"", into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "\"a b\\n\\\"c\\\"\"")
    }

    @Test func noControlCharacterReachesATerminal() {
        var out: [UInt8] = []
        EventLogger.appendText("a\u{7F}b\u{1B}[2Jc", into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "\"a\\u007fb\\u001b[2Jc\"")
    }

    @Test func idleSessionsAreSweptOnTheLoop() throws {
        let clock = ManualClock()
        // One shard: a single sweep looks at every session.
        let store = InMemorySessionStore(idleTimeout: .seconds(60), shards: 1)
        let engine = try Engine(
            routes: RoutingTable { Route.default(lineFlow) }, store: store, clock: clock,
            settings: EngineSettings(publicURL: try AbsoluteURL("http://127.0.0.1:3000/")))
        try withServer(
            engine: engine,
            {
                $0.sweepInterval = .milliseconds(1)
                $0.loopCount = 1
            }
        ) { server, port in
            let client = try TestClient(port: port)
            #expect(try post(client, newCallBody).status == 200)
            #expect(store.count == 1)
            clock.advance(by: 61)
            // Each request is a turn of the loop; the sweep runs on the loop between them. The
            // counter follows the store's removal a moment later (on the loop's thread): wait for both.
            var turns = 0
            while (store.count > 0 || !server.metricsText().contains("touchtone_sessions_expired_total 1")) && turns < 20_000 {
                client.sendHealthCheck()
                turns += 1
            }
            #expect(store.count == 0)
            #expect(server.metricsText().contains("touchtone_sessions_expired_total 1"))
        }
    }
}

extension TestClient {
    func sendHealthCheck() {
        try? send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try? readResponse()
    }
}

/// Decodes one flat JSON object of strings and numbers (numbers kept as text).
enum JSONSerializationFree {
    static func decode(_ line: String) throws -> [String: String] {
        let object = try JSONDecoder().decode([String: Scalar].self, from: Data(line.utf8))
        return object.mapValues(\.text)
    }

    struct Scalar: Decodable {
        var text: String
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) {
                text = s
            } else if let flag = try? c.decode(Bool.self) {
                text = String(flag)
            } else if let edges = try? c.decode([[String]].self) {
                text = edges.map { $0.joined(separator: " ") }.joined(separator: "; ")
            } else {
                text = String(try c.decode(Int.self))
            }
        }
    }
}

@Suite("Metrics")
struct MetricsTests {
    @Test func countsEventsAnswersRefusalsAndLatency() throws {
        try withServer { server, port in
            let client = try TestClient(port: port)
            _ = try post(client, newCallBody)
            _ = try post(client, dtmfBody("1"))
            _ = try post(client, dtmfBody("1", callId: "never-seen"))
            _ = try request(port, "GET", "/")
            _ = try request(port, "POST", "/", headers: formType, body: "event=nonsense")
            let text = server.metricsText()
            #expect(text.contains("touchtone_events_total{event=\"newCall\"} 1\n"))
            #expect(text.contains("touchtone_events_total{event=\"dtmf\"} 2\n"))
            #expect(text.contains("touchtone_answers_total{verb=\"gather\"} 1\n"))
            #expect(text.contains("touchtone_answers_total{verb=\"dial\"} 1\n"))
            #expect(text.contains("touchtone_unknown_call_events_total 1\n"))
            #expect(text.contains("touchtone_refused_total{reason=\"method\"} 1\n"))
            #expect(text.contains("touchtone_refused_total{reason=\"bad_push\"} 1\n"))
            #expect(text.contains("touchtone_sessions_live 1\n"))
            #expect(text.contains("touchtone_push_duration_seconds_count 3\n"))
            #expect(text.contains("touchtone_push_duration_seconds_bucket{le=\"+Inf\"} 3\n"))
        }
    }

    @Test func secondsAreWrittenWithoutFloatingPointNoise() {
        #expect(PrometheusText.seconds(50) == "0.00005")
        #expect(PrometheusText.seconds(1_000_000) == "1")
        #expect(PrometheusText.seconds(2_500_000) == "2.5")
    }
}

extension EventLogger {
    /// The fields of a push's log line, in order, as a list: the reference `event` is checked against.
    static func pushFields(_ record: EventRecord, microseconds: Int, status: Int = 200) -> [(StaticString, LogValue)] {
        var fields: [(StaticString, LogValue)] = []
        if let callId = record.callId { fields.append(("callId", .string(callId.rawValue))) }
        if let event = record.event { fields.append(("event", .string(event.rawValue))) }
        if let flow = record.flow { fields.append(("flow", .string(flow))) }
        if let version = record.flowVersion { fields.append(("version", .number(version))) }
        if record.stateBefore != nil || record.stateAfter != nil {
            fields.append(("state", .string("\(record.stateBefore ?? "none")->\(record.stateAfter ?? "none")")))
        }
        fields.append(("verb", .string(record.verb)))
        if let digits = record.digits { fields.append(("digits", .string(digits))) }
        if let note = record.note { fields.append(("note", .string(note))) }
        if let variant = record.variant { fields.append(("variant", .string(variant))) }
        if record.started { fields.append(("started", .flag)) }
        if !record.edges.isEmpty, let flow = record.flowGraph { fields.append(("edges", .edges(record.edges, flow))) }
        if let waited = record.waitedMilliseconds { fields.append(("waitedMs", .number(waited))) }
        if let state = record.lookupState, let milliseconds = record.lookupMilliseconds {
            fields.append(("lookupState", .string(state)))
            fields.append(("lookupMs", .number(milliseconds)))
        }
        if let ending = record.ending, let state = record.endingState {
            fields.append(("ending", .string(ending.rawValue)))
            fields.append(("endingState", .string(state)))
        }
        if status != 200 { fields.append(("status", .number(status))) }
        fields.append(("us", .number(microseconds)))
        return fields
    }
}
