import CTouchtoneSystem
import Dispatch
import Testing
import Touchtone

@testable import TouchtoneServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The connection's closing and failure paths over real sockets.
@Suite("Connections over sockets")
struct ConnectionOverSocketTests {
    static let tooLargeHead =
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000000\r\n\r\n"

    /// The case: 100 POSTs of 2 MB got the 413 twice and a reset 98 times, because the
    /// server closed with the body unread. Lingering, it drains the body, so every client
    /// finishes sending and then reads its 413.
    @Test func aClientThatSendsAWholeTooLargeBodyReadsThe413() throws {
        try withServer { _, port in
            // Head and body in one go, as a client library sends them.
            let request = Array(Self.tooLargeHead.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 2_000_000)
            for i in 0..<100 {
                let client = try TestClient(port: port)
                try labelled("connection \(i): sending") { try client.send(request) }
                let answer = try labelled("connection \(i): reading") { try client.readResponse() }
                #expect(answer.status == 413, "connection \(i)")
                #expect(answer.header("Connection") == "close")
                #expect(try client.isClosedByServer())
            }
        }
    }

    @Test func aClientThatNeverStopsSendingIsCutOffAtTheLingerBound() throws {
        try withServer({ $0.limits.lingerBytes = 256 * 1024 }) { _, port in
            let client = try TestClient(port: port)
            try client.send(Self.tooLargeHead)
            let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
            var sent = 0
            // The server drops 256 KB, then closes: a send fails (reset or broken pipe), or
            // times out (5 s) if the server kept reading.
            while (try? client.send(chunk)) != nil {
                sent += chunk.count
                if sent > 256 * 1024 * 1024 { break }
            }
            // Beyond the bound only what the kernels' buffers held.
            #expect(sent < 64 * 1024 * 1024)
        }
    }

    @Test func aSlowReaderGetsEveryAnswerInOrder() throws {
        try withServer({ $0.loopCount = 1 }) { _, port in
            let client = try TestClient(port: port)
            var small: Int32 = 32 * 1024
            setsockopt(client.fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
            // About 2 MB of answers for 40 kB of requests: past the high-water mark and the
            // small receive buffer, so the server stops reading and sends in pieces.
            var batch = ""
            for i in 0..<1000 {
                batch += i % 2 == 0 ? "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" : "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            }
            try client.send(batch)
            for i in 0..<1000 {
                let answer = try labelled("answer \(i)") { try client.readResponse() }
                #expect(answer.status == 200)
                if i % 2 == 1 { #expect(answer.text == "ok\n", "answer \(i)") }
            }
        }
    }

    @Test func aResetInTheMiddleOfARequestClosesOnlyThatConnection() throws {
        try withServer({ $0.loopCount = 1 }) { _, port in
            do {
                let client = try TestClient(port: port)
                try client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nevent=new")
                _ = try request(port, "GET", "/healthz")  // the loop read the partial request
                Self.reset(client)
            }
            #expect(try Self.waitForMetric(port, "touchtone_connections_open", toBe: 1))
            #expect(try request(port, "GET", "/healthz").status == 200)
        }
    }

    @Test func aLookUpThatEndsAfterItsClientLeftIsStillCountedAndLogged() async throws {
        let gate = Gate()
        let dtmfLogged = DispatchSemaphore(value: 0)
        let logger = EventLogger(format: .text) { bytes in
            if String(decoding: bytes, as: UTF8.self).contains("event=dtmf") { dtmfLogged.signal() }
        }
        let server = try Self.holdingServer(gate: gate, logger: logger)
        let port = try server.start()
        let (noticed, logged, counted) = try await offThePool {
            do {
                let caller = try TestClient(port: port, timeoutMilliseconds: 60_000)
                _ = try post(caller, newCallBody)
                let body = dtmfBody("1")
                try caller.send(
                    "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                )
                _ = try request(port, "GET", "/healthz")  // the one loop took the dtmf first
                Self.reset(caller)
            }
            // The loop noticed the reset while the look-up waits...
            let noticed = try Self.waitForMetric(port, "touchtone_connections_open", toBe: 1)
            gate.open()
            // ...and logs and counts the answer nobody reads any more. The look-up runs on
            // Swift's pool, which CPU-heavy tests elsewhere in a full run can hold for long.
            let logged = dtmfLogged.wait(timeout: .now() + 120) == .success
            let counted = try Self.waitForMetric(port, "touchtone_push_duration_seconds_count", toBe: 2)
            return (noticed, logged, counted)
        }
        await server.shutdownAndWait()
        #expect(noticed)
        #expect(logged)
        #expect(counted)
    }

    // MARK: - Helpers

    /// Closes with a reset (SO_LINGER 0) when the client goes.
    static func reset(_ client: TestClient) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(client.fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    /// Reads `/metrics` until `name` has `value`: bounded by a number of requests, not by time.
    static func waitForMetric(_ port: Int, _ name: String, toBe value: Int) throws -> Bool {
        for _ in 0..<5_000 {
            let text = try request(port, "GET", "/metrics").text
            let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
            if let line, Int(line.dropFirst(name.count + 1)) == value { return true }
        }
        return false
    }

    /// A one-loop server whose key 1 starts a look-up that waits for `gate`.
    static func holdingServer(gate: Gate, logger: EventLogger) throws -> FlowServer {
        enum Hold: String, FlowState { case menu, hold, done }
        let flow = Flow("hold", version: 1, states: Hold.self, start: .menu) {
            Menu(.menu, prompt: "menu") {
                Key("1", .go(.hold))
                NoInput(play: "menu")
                WrongKey(play: "menu")
            }
            Lookup(.hold, outcomes: Finished.self, deadline: .seconds(8), fallback: .hangup) { _ in
                await gate.wait()
                return .init(.done)
            } then: { _ in
                .go(.done)
            }
            Announce(.done, play: "goodbye", then: .transfer(to: "4915799912345"))
        }
        let engine = try Engine(
            routes: RoutingTable { Route.default(flow) }, store: InMemorySessionStore(),
            settings: EngineSettings(publicURL: try AbsoluteURL("http://127.0.0.1:3000/")))
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.loopCount = 1
        configuration.limits.shutdownGrace = .seconds(60)
        return FlowServer(configuration: configuration, engine: engine, logger: logger)
    }
}
