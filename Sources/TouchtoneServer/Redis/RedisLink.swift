import CTouchtoneSystem
import Touchtone

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One connection to Redis for one event loop: the driver of a ``RedisConnection`` over a
/// non-blocking socket. Nothing in it blocks (connect, read and write are non-blocking),
/// except ``init(url:settings:now:)`` when the host is a name to look up.
///
/// It keeps its socket in an epoll set of its own, whose descriptor ``pollFD`` stays the
/// same across reconnections: the loop registers that once, for reading, and never needs to
/// follow the socket as it is replaced (nor risks removing a reused descriptor number).
/// Embedding it in a loop:
///
/// ```swift
/// try epoll.add(link.pollFD, .readable, token: redisToken)      // once
/// case redisToken: link.handleEvents(now: now)                  // pollFD is readable
/// if let due = link.nextDeadline, now >= due { link.timerFired(now: now) }  // each turn
/// link.send(command, token: 7, now: now)                        // any time on the loop
/// for completion in link.takeCompletions() { ... }              // after any of the above
/// ```
///
/// Confined to the thread of its loop; not `Sendable`.
final class RedisLink {
    /// The descriptor to watch for reading: it is readable when the link has socket events
    /// to handle with ``handleEvents(now:)``.
    let pollFD: Int32
    /// The server, as given.
    let url: RedisURL
    private var connection: RedisConnection
    /// Timeouts, reconnecting, keepalive and bounds.
    let settings: RedisSettings
    /// The server's addresses, looked up once at creation.
    private let addresses: [IPAddress]
    private var addressIndex = 0
    private var socket: Int32 = -1
    /// Names the current socket in ``pollFD``'s set, so events of a closed one are dropped.
    private var socketGeneration: UInt64 = 0
    private var registered: Interest = []
    private var connectPending = false
    /// ``send(_:token:now:flush:)`` was asked not to write yet.
    private var flushOwed = false
    private var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var readyTokens = [UInt64](repeating: 0, count: 4)
    private var readyEvents = [UInt32](repeating: 0, count: 4)
    /// Completions a blocking ``roundTrip(_:)`` took that were not its own, for the owner.
    var keptCompletions: [RedisCompletion] = []

    /// A link to `url`'s server; it starts connecting at once.
    ///
    /// Looks the host up (blocking when it is a name: call it at start-up, not on a loop
    /// that serves requests). The addresses found are used for every reconnection.
    /// - Throws: ``RedisError`` (``RedisError/Kind/connectFailed``) when the host does not
    ///   resolve or no epoll set can be made.
    init(url: RedisURL, settings: RedisSettings = RedisSettings(), now: UInt64 = Clock.monotonicNanoseconds()) throws(RedisError) {
        self.url = url
        self.settings = settings
        addresses = try Self.resolve(url.host)
        #if os(Linux)
            let poll = ctt_epoll_create()
            guard poll >= 0 else {
                throw RedisError(.connectFailed, SystemError("epoll_create1", code: -poll).description, mayHaveRun: false)
            }
            pollFD = poll
        #else
            // No epoll: a loop watches ``socketFD`` itself and hands its events over.
            pollFD = -1
        #endif
        // Each link its own jitter, so that the loops of many servers do not retry in step.
        connection = RedisConnection(url: url, settings: settings, now: now, seed: UInt64.random(in: .min ... .max))
        perform(connection.timerFired(now: now), now: now)
    }

    deinit {
        if socket >= 0 { ctt_close(socket) }
        if pollFD >= 0 { ctt_close(pollFD) }
    }

    private static func resolve(_ host: String) throws(RedisError) -> [IPAddress] {
        var bytes = [UInt8](repeating: 0, count: 16 * 8)
        let count = bytes.withUnsafeMutableBufferPointer { ctt_resolve_tcp(host, $0.baseAddress, 8) }
        guard count > 0 else {
            let reason = SystemError("getaddrinfo", code: -count).description
            throw RedisError(
                .connectFailed, "cannot resolve the Redis host \(host.quotedForMessage(quote: "'")): \(reason)", mayHaveRun: false)
        }
        return (0..<Int(count)).map { IPAddress(bytes: Array(bytes[16 * $0..<16 * $0 + 16])) }
    }

    // MARK: - The loop's calls

    /// Queues `command`; its ``RedisCompletion`` (with `token`) comes from
    /// ``takeCompletions()`` within the command timeout, perhaps at once (a command that
    /// fails fast). With `flush` false the bytes are only queued: call ``flush(now:)`` after
    /// a batch, so that many commands leave in one write.
    func send(_ command: RESPCommand, token: UInt64, now: UInt64, flush: Bool = true) {
        let action = connection.send(command, token: token, now: now)
        if action == .send && !flush {
            flushOwed = true
            return
        }
        perform(action, now: now)
    }

    /// Writes the commands queued by ``send(_:token:now:flush:)`` with `flush` false.
    func flush(now: UInt64) {
        guard flushOwed else { return }
        flushOwed = false
        perform(connection.flush(now: now), now: now)
    }

    /// Handles `events` of ``socketFD``, for a loop that watches the socket itself (the
    /// `poll(2)` backend) instead of ``pollFD``.
    func handleSocketEvents(_ events: Interest, now: UInt64) {
        guard socket >= 0 else { return }
        handleSocket(events, now: now)
    }

    /// Handles what is ready on the socket (call it when ``pollFD`` is readable).
    func handleEvents(now: UInt64) {
        guard pollFD >= 0 else { return }
        let count = readyTokens.withUnsafeMutableBufferPointer { tokens in
            readyEvents.withUnsafeMutableBufferPointer { events in
                ctt_epoll_wait(pollFD, tokens.baseAddress, events.baseAddress, Int32(tokens.count), 0)
            }
        }
        for i in 0..<max(Int(count), 0) where readyTokens[i] == socketGeneration && socket >= 0 {
            handleSocket(Interest(rawValue: readyEvents[i]), now: now)
        }
    }

    /// When ``timerFired(now:)`` is due (monotonic nanoseconds); nil when stopped.
    var nextDeadline: UInt64? { connection.nextDeadline }

    /// Enforces timeouts, retries and the keepalive due by `now`.
    func timerFired(now: UInt64) {
        perform(connection.timerFired(now: now), now: now)
    }

    /// The commands that finished since the last call, in the order they finished.
    func takeCompletions() -> [RedisCompletion] {
        guard !keptCompletions.isEmpty else { return connection.takeCompletions() }
        defer { keptCompletions = [] }
        return keptCompletions + connection.takeCompletions()
    }

    /// Whether ``takeCompletions()`` has something.
    var hasCompletions: Bool { connection.hasCompletions || !keptCompletions.isEmpty }

    /// Stops for good: closes the connection; every command waiting or in flight, and every
    /// later one, fails with ``RedisError/Kind/stopped``.
    func stop(now: UInt64) {
        flushOwed = false
        perform(connection.stop(now: now), now: now)
    }

    /// The socket to the server, or -1 between connections (for a loop that watches it
    /// directly instead of ``pollFD``), and what it waits for.
    var socketFD: Int32 { socket }
    var socketInterest: Interest { registered }

    /// Whether commands go out as they come (connected and logged in).
    var isReady: Bool { connection.isReady }

    /// Commands waiting for the connection and in flight.
    var queuedCount: Int { connection.queuedCount }

    // MARK: - Performing actions

    private func perform(_ action: RedisConnection.Action, now: UInt64) {
        var action = action
        while true {
            switch action {
            case .connect:
                action = startConnecting(now: now)
            case .send:
                action = sendOutput(now: now)
            case .close:
                closeSocket()
                action = connection.closed(now: now)
            case .wait(let interest):
                register(interest)
                return
            }
        }
    }

    private func startConnecting(now: UInt64) -> RedisConnection.Action {
        // Stay with an address while it works; move on after a failed attempt.
        if connection.failedAttempts > 0 { addressIndex += 1 }
        let address = addresses[addressIndex % addresses.count].bytes
        var inProgress: Int32 = 0
        let fd = address.withUnsafeBufferPointer { ctt_connect_nonblocking($0.baseAddress, Int32(url.port), &inProgress) }
        guard fd >= 0 else { return connection.connectFailed(Self.reason(-fd), now: now) }
        socket = fd
        socketGeneration &+= 1
        if let keepalive = settings.tcpKeepalive {
            _ = ctt_set_keepalive(fd, keepalive.idleSeconds, keepalive.intervalSeconds, keepalive.probes)
        }
        registered = inProgress != 0 ? .writable : .readable
        if pollFD >= 0 {
            let rc = ctt_epoll_ctl(pollFD, .CTT_EPOLL_ADD, fd, registered.rawValue, socketGeneration)
            guard rc == 0 else { return connection.connectFailed(Self.reason(-rc), now: now) }
        }
        connectPending = inProgress != 0
        return connectPending ? connection.connectInProgress(now: now) : connection.connected(now: now)
    }

    private func handleSocket(_ events: Interest, now: UInt64) {
        let generation = socketGeneration
        if connectPending {
            // Writable, or an error: the connect is over one way or the other.
            connectPending = false
            let error = ctt_socket_error(socket)
            let next = error == 0 ? connection.connected(now: now) : connection.connectFailed(Self.reason(abs(error)), now: now)
            perform(next, now: now)
            return
        }
        if events.contains(.writable) {
            perform(connection.writable(now: now), now: now)
            guard socketGeneration == generation, socket >= 0 else { return }
        }
        if !events.isDisjoint(with: [.readable, .error, .hangUp]) {
            // An error or hang-up shows in the read's result.
            perform(read(now: now), now: now)
        }
    }

    private func read(now: UInt64) -> RedisConnection.Action {
        let n = readBuffer.withUnsafeMutableBytes { ctt_read(socket, $0.baseAddress, $0.count) }
        if n > 0 {
            return readBuffer.withUnsafeBytes { connection.bytesReceived(UnsafeRawBufferPointer(rebasing: $0[0..<n]), now: now) }
        }
        if n == 0 { return connection.peerClosed(now: now) }
        let error = Int32(-n)
        if error == EAGAIN || error == EINTR { return .wait(connection.interest) }
        return connection.connectionFailed(Self.reason(error), now: now)
    }

    private func sendOutput(now: UInt64) -> RedisConnection.Action {
        let n = connection.withPendingOutput { ctt_send(socket, $0.baseAddress, $0.count) }
        if n >= 0 { return connection.sent(n, now: now) }
        let error = Int32(-n)
        if error == EAGAIN { return connection.sendWouldBlock() }
        if error == EINTR { return .send }
        return connection.connectionFailed(Self.reason(error), now: now)
    }

    private func register(_ interest: Interest) {
        guard socket >= 0, interest != registered else { return }
        if pollFD < 0 || ctt_epoll_ctl(pollFD, .CTT_EPOLL_MODIFY, socket, interest.rawValue, socketGeneration) == 0 {
            registered = interest
        }
    }

    private func closeSocket() {
        connectPending = false
        guard socket >= 0 else { return }
        if pollFD >= 0 { _ = ctt_epoll_ctl(pollFD, .CTT_EPOLL_REMOVE, socket, 0, 0) }
        ctt_close(socket)
        socket = -1
        registered = []
    }

    /// The system's words for `errno` `code`: `Connection refused`.
    private static func reason(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
