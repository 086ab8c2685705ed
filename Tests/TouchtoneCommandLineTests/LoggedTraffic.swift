import FoundationEssentials
import Touchtone
import TouchtoneServer
import TouchtoneTesting

@testable import TouchtoneCommandLine

/// A real server on 127.0.0.1, port 0, whose log is JSON kept in memory: a test places calls
/// over HTTP (``transport``), then compares `/metrics` with the report read from the log.
final class JSONLoggedServer {
    let routes: RoutingTable
    let server: FlowServer
    let transport: LiveTransport
    private let log = LoggedBytes()

    init(routes: RoutingTable) throws {
        self.routes = routes
        let engine = try Engine(
            routes: routes, store: InMemorySessionStore(), settings: EngineSettings(publicURL: try AbsoluteURL("http://127.0.0.1:1")))
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        let log = self.log
        server = FlowServer(
            configuration: configuration, engine: engine, logger: EventLogger(format: .json) { bytes in log.append(bytes) })
        transport = LiveTransport(port: try server.start())
    }

    /// The log so far.
    var logText: String { log.text }

    /// Stops the server: its `/metrics` at the end, and the report of its whole log.
    func finish() async -> (metrics: String, report: TrafficReport) {
        let metrics = server.metricsText()
        await server.shutdownAndWait()
        var tally = LogTally(filter: LogFilter())
        tally.read(text: logText, name: "server.log")
        return (metrics, TrafficReport(tally: tally.tally, names: tally.parser.names, routes: routes))
    }
}

/// What the server has logged.
private final class LoggedBytes: Sendable {
    private let bytes = Lock<[UInt8]>([])
    func append(_ new: [UInt8]) { bytes.withLock { $0 += new } }
    var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }
}

/// One flow version's edges (`from|via|to`) and endings (`state|how`) taken at least once,
/// as `/metrics` or the report counts them.
struct FlowCounts: Equatable {
    var edges: [String: Int] = [:]
    var endings: [String: Int] = [:]

    init(edges: [String: Int], endings: [String: Int]) {
        self.edges = edges
        self.endings = endings
    }

    /// The `touchtone_flow_*` series of `flow` and `version` in `metrics`.
    init(metrics: String, flow: String, version: Int) {
        let labels = "flow=\"\(flow)\",version=\"\(version)\""
        for line in metrics.split(separator: "\n") where line.hasPrefix("touchtone_flow_") && line.contains(labels) {
            let fields = Self.labels(of: line)
            guard let count = Int(line.split(separator: " ").last ?? ""), count > 0 else { continue }
            if line.hasPrefix("touchtone_flow_edges_total") { edges["\(fields["from"]!)|\(fields["via"]!)|\(fields["to"]!)"] = count }
            if line.hasPrefix("touchtone_flow_endings_total") { endings["\(fields["state"]!)|\(fields["how"]!)", default: 0] += count }
        }
    }

    /// What the report says of `flow`.
    init(report flow: FlowTraffic) {
        for state in flow.states {
            for edge in state.edges where edge.count > 0 { edges["\(state.name)|\(edge.via)|\(edge.to)"] = edge.count }
            for (index, how) in NameTable.Known.endings.enumerated() where state.endings[index] > 0 {
                endings["\(state.name)|\(how)"] = state.endings[index]
            }
        }
    }

    /// `name="value"` pairs of a metric line's labels.
    static func labels(of line: Substring) -> [String: String] {
        guard let open = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}") else { return [:] }
        var result: [String: String] = [:]
        for pair in line[line.index(after: open)..<close].split(separator: "\",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            result[String(parts[0])] = String(parts[1].filter { $0 != "\"" })
        }
        return result
    }
}
