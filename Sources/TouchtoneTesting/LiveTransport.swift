import Dispatch
import Touchtone
import TouchtoneServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Delivers pushes over HTTP to a real `touchtone` server, as sipgate does: form POSTs to
/// `/`, XML answers read back and checked against sipgate's grammar.
///
/// Look-ups run for real on a live server (stubs apply in memory only), and coverage and
/// masking of sensitive digits in transcripts need the in-memory engine's records.
public final class LiveTransport: CallTransport {
    /// The TCP port on 127.0.0.1 the pushes go to (the one the started server got, for ``init(serving:)``).
    public let port: Int
    private let server: FlowServer?

    /// Talks to a server already listening on `127.0.0.1:port`.
    public init(port: Int) {
        self.port = port
        self.server = nil
    }

    /// Starts a server for `engine` on a free port of 127.0.0.1 and talks to it.
    public init(serving engine: Engine) throws {
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.loopCount = 1
        let server = FlowServer(configuration: configuration, engine: engine, logger: EventLogger(format: .off))
        self.port = try server.start()
        self.server = server
    }

    deinit { close() }

    /// Stops the server this transport started, if any.
    public func close() {
        server?.shutdown()
        server?.waitUntilStopped()
    }

    public func deliver(_ event: WebhookEvent, address: PushAddress, lookups: LookupStubs) async -> Delivery {
        let body = event.formBody
        let port = self.port
        let target = address.target
        // Blocking socket I/O runs on a Dispatch thread, never on Swift's cooperative pool.
        let (status, text) = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: LiveTransport.post(port: port, target: target, body: body))
            }
        }
        let response: Response? = status == 200 ? (try? SipgateXML.parse(text).get()) : nil
        return Delivery(
            status: status, xml: text, record: nil, response: response, next: response.map(PushAddress.init(callbacksOf:)) ?? PushAddress())
    }

    /// One `POST` to `target` over a fresh connection; `(0, reason)` when the connection fails.
    static func post(port: Int, target: String = "/", body: String) -> (Int, String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return (0, "socket failed") }
        defer { _ = closeSocket(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return (0, "cannot connect to 127.0.0.1:\(port)") }
        let request =
            "POST \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: sipgate.io\r\n"
            + "Content-Type: application/x-www-form-urlencoded; charset=UTF-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return (0, "send failed") }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < 1 << 20 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received.append(contentsOf: buffer[0..<n])
        }
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = (0..<max(0, received.count - 3)).first(where: { received[$0..<$0 + 4].elementsEqual(separator) }) else {
            return (0, "no HTTP answer: " + String(decoding: received.prefix(200), as: UTF8.self))
        }
        let head = String(decoding: received[..<headEnd], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return (status, String(decoding: received[(headEnd + 4)...], as: UTF8.self))
    }
}

extension TestPhone {
    /// A phone whose calls go over HTTP to a real `touchtone` server it starts on a free
    /// port: the same test body runs in memory or live.
    public static func live(
        routes: RoutingTable, clock: ManualClock = ManualClock(TestPhone.defaultStart),
        prompts: (any PromptCatalog)? = nil
    ) throws -> TestPhone {
        var failure: (any Error)?
        let phone = try TestPhone(
            routes: routes, clock: clock, prompts: prompts,
            transport: { engine in
                do { return try LiveTransport(serving: engine) } catch {
                    failure = error
                    return LiveTransport(port: 0)
                }
            })
        if let failure { throw failure }
        return phone
    }
}

#if canImport(Glibc)
    private func closeSocket(_ fd: Int32) -> Int32 { Glibc.close(fd) }
#elseif canImport(Darwin)
    private func closeSocket(_ fd: Int32) -> Int32 { Darwin.close(fd) }
#endif
