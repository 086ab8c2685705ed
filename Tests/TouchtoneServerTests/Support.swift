import CTouchtoneSystem
import FoundationEssentials
import Testing
import Touchtone

@testable import TouchtoneServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Collects log output in memory.
final class LogCapture: Sendable {
    private let bytes = Lock<[UInt8]>([])
    var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }
    func logger(_ format: LogFormat = .text) -> EventLogger {
        EventLogger(format: format) { new in self.bytes.withLock { $0.append(contentsOf: new) } }
    }
}

/// The states of the small flow the server tests run.
enum Line: String, FlowState {
    case menu, identify, waitForGate, sales, goodbye
}

/// Holds the look-up of state `waitForGate` until a test opens it.
final class Gate: Sendable {
    private let state = Lock<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { s -> Bool in
                if s.open { return true }
                s.waiting.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiting = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.open = true
            defer { s.waiting = [] }
            return s.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}

let lookupGate = Gate()

/// The one outcome of a look-up that only waits.
enum Finished: String, LookupOutcome {
    case done
}

/// Key 1 transfers, keys 2 and 3 run look-ups (which then transfer; 3 waits for ``lookupGate``).
let lineFlow = Flow("line", version: 1, states: Line.self, start: .menu) {
    Menu(.menu, prompt: "menu") {
        Key("1", .go(.sales))
        Key("2", .go(.identify))
        Key("3", .go(.waitForGate))
        NoInput(play: "menu")
        WrongKey(play: "menu")
    }
    .attempts(2, then: .go(.goodbye))
    Lookup(.identify, outcomes: Finished.self, deadline: .seconds(2), fallback: .go(.goodbye)) { _ in
        await Task.yield()
        return .init(.done)
    } then: { _ in
        .go(.sales)
    }
    Lookup(.waitForGate, outcomes: Finished.self, deadline: .seconds(8), fallback: .go(.goodbye)) { _ in
        await lookupGate.wait()
        return .init(.done)
    } then: { _ in
        .go(.sales)
    }
    Announce(.sales, play: "connecting", then: .transfer(to: "4915799912345"))
    Announce(.goodbye, play: "goodbye", then: .hangup)
}

func makeEngine(store: any SessionStore = InMemorySessionStore(), publicURL: String = "http://127.0.0.1:3000/") throws -> Engine {
    try Engine(
        routes: RoutingTable { Route.default(lineFlow) }, store: store,
        settings: EngineSettings(publicURL: try AbsoluteURL(publicURL)))
}

/// Starts a server on 127.0.0.1 port 0 with two loops, runs `body`, then stops it.
@discardableResult
func withServer<R>(
    engine: Engine? = nil,
    audio: AudioLibrary = AudioLibrary(directory: nil),
    logs: LogCapture = LogCapture(),
    _ configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: (FlowServer, Int) throws -> R
) throws -> R {
    var configuration = ServerConfiguration()
    configuration.host = "127.0.0.1"
    configuration.port = 0
    configuration.loopCount = 2
    configure(&configuration)
    let server = FlowServer(configuration: configuration, engine: try engine ?? makeEngine(), audio: audio, logger: logs.logger())
    let port = try server.start()
    defer {
        server.shutdown()
        server.waitUntilStopped()
    }
    return try body(server, port)
}

struct ClientError: Error, CustomStringConvertible {
    var description: String
}

/// A parsed response as a test client saw it.
struct ClientResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A blocking HTTP client over a plain socket, with a receive timeout so that a server
/// bug fails the test instead of hanging the suite.
final class TestClient {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, timeoutMilliseconds: Int32 = 5000) throws {
        let fd = ctt_connect_tcp("127.0.0.1", Int32(port), timeoutMilliseconds)
        guard fd >= 0 else { throw ClientError(description: "connect failed: \(-fd)") }
        self.fd = fd
    }

    deinit { close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { ctt_send(fd, $0.baseAddress! + offset, $0.count - offset) }
            guard n > 0 else { throw ClientError(description: "send failed: \(-n)") }
            offset += n
        }
    }

    /// Reads more bytes; false at end of stream. Throws on timeout.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { ctt_read(fd, $0.baseAddress, $0.count) }
        if n == 0 { return false }
        guard n > 0 else { throw ClientError(description: "read failed or timed out: errno \(-n)") }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    /// Reads one response (`head: true` for answers to HEAD, which carry no body).
    func readResponse(head: Bool = false) throws -> ClientResponse {
        while true {
            if let end = findHeadEnd() {
                let headText = String(decoding: buffer[0..<end], as: UTF8.self)
                var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: true)
                guard !lines.isEmpty else { throw ClientError(description: "empty head") }
                let statusLine = lines.removeFirst().split(separator: " ")
                guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
                    throw ClientError(description: "bad status line \(statusLine)")
                }
                let headers = lines.map { line -> (String, String) in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    return (String(parts[0]), parts.count > 1 ? String(parts[1].drop(while: { $0 == " " })) : "")
                }
                if status == 100 {
                    buffer.removeFirst(end + 4)
                    continue
                }
                let length = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
                let bodyLength = head || status == 304 ? 0 : length
                while buffer.count < end + 4 + bodyLength {
                    guard try fill() else { throw ClientError(description: "closed inside a body") }
                }
                let body = Array(buffer[(end + 4)..<(end + 4 + bodyLength)])
                buffer.removeFirst(end + 4 + bodyLength)
                return ClientResponse(status: status, headers: headers, body: body)
            }
            guard try fill() else { throw ClientError(description: "closed before a response") }
        }
    }

    /// Reads an interim (1xx) answer's status line and drops the answer.
    func readInterim() throws -> String {
        while findHeadEnd() == nil {
            guard try fill() else { throw ClientError(description: "closed before an interim answer") }
        }
        let end = findHeadEnd()!
        let line = String(decoding: buffer[0..<end], as: UTF8.self).split(separator: "\r\n").first.map(String.init) ?? ""
        buffer.removeFirst(end + 4)
        return line
    }

    /// True when the server closed the connection (after any buffered response bytes).
    func isClosedByServer() throws -> Bool {
        while true {
            if !buffer.isEmpty { return false }
            return try !fill()
        }
    }

    private func findHeadEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i
        }
        return nil
    }
}

/// One request on a fresh connection.
func request(
    _ port: Int, _ method: String, _ path: String, headers: [String: String] = [:], body: String = "", timeoutMilliseconds: Int32 = 5000
) throws -> ClientResponse {
    let client = try TestClient(port: port, timeoutMilliseconds: timeoutMilliseconds)
    var text = "\(method) \(path) HTTP/1.1\r\nHost: test\r\n"
    for (name, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
    if !body.isEmpty || method == "POST" { text += "Content-Length: \(body.utf8.count)\r\n" }
    text += "\r\n" + body
    try client.send(text)
    return try client.readResponse(head: method == "HEAD")
}

let formType = ["Content-Type": "application/x-www-form-urlencoded"]

/// Runs blocking socket work on a thread of its own and awaits it, so that the test does
/// not hold one of Swift's few cooperative threads, which the server's async steps need.
func offThePool<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
    try await withCheckedThrowingContinuation { continuation in
        do {
            try Thread.start { continuation.resume(with: Result { try body() }) }
        } catch {
            continuation.resume(throwing: error)
        }
    }
}

/// Runs `body`; a failure names the step.
func labelled<R>(_ step: String, _ body: () throws -> R) throws -> R {
    do { return try body() } catch { throw ClientError(description: "\(step): \(error)") }
}
