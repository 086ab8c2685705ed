import CTouchtoneSystem
import Synchronization
import Touchtone

/// State the loops share: read-only settings plus thread-safe counters.
final class ServerCore: Sendable {
    let configuration: ServerConfiguration
    let engine: Engine
    let router: RequestRouter
    let logger: EventLogger
    let openConnections = Atomic<Int>(0)
    let loopStats: [LoopStats]

    init(configuration: ServerConfiguration, engine: Engine, router: RequestRouter, logger: EventLogger, loopCount: Int) {
        self.configuration = configuration
        self.engine = engine
        self.router = router
        self.logger = logger
        self.loopStats = (0..<loopCount).map { _ in LoopStats() }
    }

    func totalStats() -> ServerStats {
        var total = ServerStats()
        for stats in loopStats { total.merge(stats.state.withLock { $0 }) }
        return total
    }
}

/// A finished async step, handed from the task that ran it back to the connection's loop.
struct LookupCompletion: Sendable {
    var connectionID: UInt64
    var response: Response
    var record: EventRecord
    var startedAt: UInt64
}

/// One client connection, owned by one loop thread.
final class Connection {
    let id: UInt64
    let fd: Int32
    let peer: IPAddress
    var parser: HTTPRequestParser
    var output: [UInt8] = []
    var outputSent = 0
    /// Events registered with epoll.
    var interest: UInt32 = 0
    var awaitingLookup = false
    var lookupKeepAlive = true
    /// After the pending output is sent, close.
    var closeAfterWrite = false
    var lastActivity: UInt64
    /// When the first byte of the request being read arrived.
    var requestStartedAt: UInt64?
    /// Requests completed on this connection.
    var servedRequests = 0
    /// The request being answered is HTTP/1.0 (keep-alive must be said out loud).
    var http10 = false

    init(id: UInt64, fd: Int32, peer: IPAddress, limits: HTTPParserLimits, now: UInt64) {
        self.id = id
        self.fd = fd
        self.peer = peer
        self.parser = HTTPRequestParser(limits: limits)
        self.lastActivity = now
    }

    var hasPendingOutput: Bool { outputSent < output.count }
}

/// A single-threaded event loop: its own `SO_REUSEPORT` listener, level-triggered epoll,
/// non-blocking sockets; it parses, handles and answers requests on its own thread.
final class EventLoop: @unchecked Sendable {
    // @unchecked: all mutable state below is touched only by the loop's thread, except
    // `inbox` and `stopRequested`, which are synchronised.
    private static let listenerToken: UInt64 = 0
    private static let wakeToken: UInt64 = 1
    private static let readChunk = 64 * 1024
    /// Stop reading from a client whose answers pile up unread beyond this.
    private static let outputHighWater = 256 * 1024

    let index: Int
    private let core: ServerCore
    private let epfd: Int32
    private let wakeFD: Int32
    private var listenFD: Int32
    private let inbox = Lock<[LookupCompletion]>([])
    private let stopRequested = Atomic<Bool>(false)

    private var connections: [UInt64: Connection] = [:]
    private var nextID: UInt64 = 2
    private var readBuffer: [UInt8]
    private var stopping = false
    /// The listener is out of epoll after running out of file descriptors.
    private var listenerPaused = false
    private var drainDeadline: UInt64 = 0
    private var dateSecond: Int64 = -1
    private var dateBytes: [UInt8] = []
    private var nextTick: UInt64 = 0
    private var nextSweep: UInt64 = 0
    private let tickInterval: UInt64
    private let stats: LoopStats

    init(index: Int, core: ServerCore, listenFD: Int32) throws(SystemError) {
        self.index = index
        self.core = core
        self.listenFD = listenFD
        self.stats = core.loopStats[index]
        readBuffer = [UInt8](repeating: 0, count: Self.readChunk)
        let ep = ctt_epoll_create()
        guard ep >= 0 else { throw SystemError("epoll_create1", code: -ep) }
        let wake = ctt_eventfd()
        guard wake >= 0 else {
            ctt_close(ep)
            throw SystemError("eventfd", code: -wake)
        }
        epfd = ep
        wakeFD = wake
        let limits = core.configuration.limits
        let shortest = min(limits.requestTimeout.nanoseconds, limits.idleTimeout.nanoseconds)
        tickInterval = min(max(shortest / 4, 5_000_000), 250_000_000)
        var rc = ctt_epoll_ctl(epfd, 0, listenFD, CTT_EV_IN, Self.listenerToken)
        if rc == 0 { rc = ctt_epoll_ctl(epfd, 0, wakeFD, CTT_EV_IN, Self.wakeToken) }
        guard rc == 0 else {
            ctt_close(ep)
            ctt_close(wake)
            throw SystemError("epoll_ctl", code: -rc)
        }
    }

    deinit {
        ctt_close(epfd)
        ctt_close(wakeFD)
    }

    // MARK: - Cross-thread entry points

    /// Asks the loop to stop accepting, finish what is in flight and return from ``run()``.
    func requestStop() {
        stopRequested.store(true, ordering: .releasing)
        _ = ctt_eventfd_signal(wakeFD)
    }

    /// Hands a finished async step back to the loop.
    func deliver(_ completion: LookupCompletion) {
        inbox.withLock { $0.append(completion) }
        _ = ctt_eventfd_signal(wakeFD)
    }

    /// The flag, not just `stopping`: an answer written in the same batch as the stop
    /// request already says `Connection: close`.
    private var stopAsked: Bool { stopping || stopRequested.load(ordering: .acquiring) }

    /// Releases the listener of a loop that will never run.
    func discard() {
        closeListener()
    }

    // MARK: - The loop

    func run() {
        var tokens = [UInt64](repeating: 0, count: 256)
        var events = [UInt32](repeating: 0, count: 256)
        let now0 = Clock.monotonicNanoseconds()
        nextTick = now0 + tickInterval
        nextSweep = now0 + core.configuration.sweepInterval.nanoseconds
        while true {
            if stopRequested.load(ordering: .acquiring) && !stopping { beginStopping() }
            if stopping && connections.isEmpty { break }
            let now = Clock.monotonicNanoseconds()
            let wakeAt = index == 0 ? min(nextTick, nextSweep) : nextTick
            let timeout = wakeAt > now ? Int32(min((wakeAt - now) / 1_000_000 + 1, 1000)) : 0
            let n = tokens.withUnsafeMutableBufferPointer { t in
                events.withUnsafeMutableBufferPointer { e in
                    ctt_epoll_wait(epfd, t.baseAddress, e.baseAddress, 256, timeout)
                }
            }
            if n < 0 {
                if -n == EINTR_CODE { continue }
                core.logger.notice("epoll_wait failed", [("error", SystemError("epoll_wait", code: -n).description)])
                break
            }
            let batchNow = Clock.monotonicNanoseconds()
            for i in 0..<Int(n) {
                switch tokens[i] {
                case Self.listenerToken:
                    acceptConnections(now: batchNow)
                case Self.wakeToken:
                    _ = ctt_eventfd_drain(wakeFD)
                    drainInbox(now: batchNow)
                default:
                    if let connection = connections[tokens[i]] {
                        handleEvents(events[i], on: connection, now: batchNow)
                    }
                }
            }
            if batchNow >= nextTick {
                checkTimeouts(now: batchNow)
                nextTick = batchNow + tickInterval
            }
            if index == 0 && batchNow >= nextSweep {
                _ = core.engine.sweep()
                nextSweep = batchNow + core.configuration.sweepInterval.nanoseconds
            }
            core.logger.flush()
        }
        for connection in Array(connections.values) { close(connection) }
        closeListener()
        core.logger.flush()
    }

    private func beginStopping() {
        stopping = true
        drainDeadline = Clock.monotonicNanoseconds() + core.configuration.limits.shutdownGrace.nanoseconds
        closeListener()
        // Idle keep-alive connections close now; the others close after their current answer.
        // Bytes already received but not yet read count as a request in flight.
        let now = Clock.monotonicNanoseconds()
        for connection in Array(connections.values) {
            guard !connection.parser.hasPartialRequest && !connection.awaitingLookup && !connection.hasPendingOutput else { continue }
            let n = readBuffer.withUnsafeMutableBytes { ctt_read(connection.fd, $0.baseAddress, $0.count) }
            if n > 0 {
                connection.lastActivity = now
                readBuffer.withUnsafeBytes { connection.parser.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                process(connection, now: now)
            } else {
                close(connection)
            }
        }
        nextTick = 0
    }

    private func closeListener() {
        guard listenFD >= 0 else { return }
        _ = ctt_epoll_ctl(epfd, 2, listenFD, 0, Self.listenerToken)
        ctt_close(listenFD)
        listenFD = -1
    }

    // MARK: - Accepting

    private func acceptConnections(now: UInt64) {
        var address = [UInt8](repeating: 0, count: 16)
        // Bounded per wake-up so a flood of connections cannot starve the open ones.
        for _ in 0..<64 {
            let fd = address.withUnsafeMutableBufferPointer { ctt_accept(listenFD, $0.baseAddress) }
            if fd < 0 {
                if -fd == EMFILE_CODE || -fd == ENFILE_CODE || -fd == ENOBUFS_CODE || -fd == ENOMEM_CODE {
                    // Out of descriptors: the level-triggered listener would wake us at once,
                    // again and again. Stop listening until the next timer tick.
                    _ = ctt_epoll_ctl(epfd, 2, listenFD, 0, Self.listenerToken)
                    listenerPaused = true
                    core.logger.notice("accept paused", [("error", SystemError("accept", code: -fd).description)])
                }
                return
            }
            let open = core.openConnections.wrappingAdd(1, ordering: .relaxed).newValue
            if open > core.configuration.limits.maxConnections || stopping {
                core.openConnections.wrappingSubtract(1, ordering: .relaxed)
                var out = [UInt8]()
                HTTPResponseWriter.write(.text(.serviceUnavailable, "too many connections"), keepAlive: false, date: date(), into: &out)
                _ = out.withUnsafeBytes { ctt_send(fd, $0.baseAddress, $0.count) }
                ctt_close(fd)
                stats.state.withLock { $0.refusedByReason["connections", default: 0] += 1 }
                continue
            }
            let connection = Connection(id: nextID, fd: fd, peer: IPAddress(bytes: address),
                                        limits: core.configuration.limits.parserLimits, now: now)
            nextID += 1
            let rc = ctt_epoll_ctl(epfd, 0, fd, CTT_EV_IN, connection.id)
            guard rc == 0 else {
                core.openConnections.wrappingSubtract(1, ordering: .relaxed)
                ctt_close(fd)
                continue
            }
            connection.interest = CTT_EV_IN
            connections[connection.id] = connection
            stats.state.withLock { $0.acceptedConnections += 1 }
        }
    }

    // MARK: - Reading and answering

    private func handleEvents(_ events: UInt32, on connection: Connection, now: UInt64) {
        if events & CTT_EV_OUT != 0 {
            flush(connection)
            guard connections[connection.id] != nil else { return }
            if !connection.hasPendingOutput { process(connection, now: now) }
        }
        guard connections[connection.id] != nil else { return }
        if events & CTT_EV_IN != 0 && (connection.interest & CTT_EV_IN) != 0 {
            let n = readBuffer.withUnsafeMutableBytes { ctt_read(connection.fd, $0.baseAddress, $0.count) }
            if n > 0 {
                connection.lastActivity = now
                readBuffer.withUnsafeBytes { connection.parser.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                process(connection, now: now)
            } else if n == 0 {
                // The client closed its side: answer what is complete, then close.
                connection.closeAfterWrite = true
                process(connection, now: now, peerClosed: true)
            } else if -Int32(n) != EAGAIN_CODE && -Int32(n) != EINTR_CODE {
                close(connection)
            }
        } else if events & (CTT_EV_ERR | CTT_EV_HUP) != 0 {
            close(connection)
        }
    }

    /// Answers every complete request in the buffer, in order, then sends the answers in one go.
    private func process(_ connection: Connection, now: UInt64, peerClosed: Bool = false) {
        var handled = 0
        while !connection.awaitingLookup && (!connection.closeAfterWrite || peerClosed)
            && connection.output.count - connection.outputSent < Self.outputHighWater {
            let step = connection.parser.next()
            switch step {
            case .needMoreData:
                break
            case .sendContinue:
                connection.output.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
                continue
            case .failure(let error):
                let response = HTTPResponse.text(error.status, error.reason)
                append(response, to: connection, keepAlive: false)
                stats.state.withLock {
                    $0.requests += 1
                    $0.refusedByReason[Self.reasonLabel(error.status), default: 0] += 1
                }
                core.logger.notice("request refused", [("status", String(error.status.code)), ("reason", error.reason), ("peer", connection.peer.description)])
            case .request(let request):
                handled += 1
                handle(request, on: connection, now: now)
                if peerClosed && connection.closeAfterWrite && !request.keepAlive { break }
                continue
            }
            break
        }
        connection.servedRequests += handled
        if connection.parser.hasPartialRequest {
            // A busy pipelining client always has a partial request buffered: each one's
            // clock starts when the one before it completed.
            if connection.requestStartedAt == nil || handled > 0 { connection.requestStartedAt = now }
        } else {
            connection.requestStartedAt = nil
        }
        if peerClosed && !connection.awaitingLookup {
            connection.closeAfterWrite = true
        }
        flush(connection)
        if connections[connection.id] != nil { updateInterest(connection) }
    }

    private static func reasonLabel(_ status: HTTPStatus) -> String {
        switch status.code {
        case 400: return "bad_request"
        case 413: return "body_too_large"
        case 417: return "expectation"
        case 431: return "headers_too_large"
        case 501: return "transfer_encoding"
        case 505: return "http_version"
        default: return "http_\(status.code)"
        }
    }

    private func handle(_ request: HTTPRequest, on connection: Connection, now: UInt64) {
        let start = Clock.monotonicNanoseconds()
        let keepAlive = request.keepAlive && !stopAsked
        connection.http10 = request.minorVersion == 0
        switch core.router.route(request, peer: connection.peer) {
        case .respond(let response, let record, let refusal, let authFailure):
            append(response, to: connection, keepAlive: keepAlive)
            let micros = Int((Clock.monotonicNanoseconds() - start) / 1_000)
            stats.state.withLock { s in
                s.requests += 1
                if let refusal { s.refusedByReason[refusal, default: 0] += 1 }
                if authFailure { s.authFailures += 1 }
                if record != nil { s.observeLatency(microseconds: micros) }
            }
            if let record {
                core.logger.event(record, microseconds: micros)
            } else if let refusal, refusal != "not_found" {
                core.logger.notice("request refused", [("status", String(response.status.code)), ("reason", refusal),
                                                       ("path", String(request.path.prefix(100))), ("peer", connection.peer.description)])
            }
        case .lookup(let pending, _):
            connection.awaitingLookup = true
            connection.lookupKeepAlive = keepAlive
            let id = connection.id
            // The async step runs on Swift's concurrency pool, never on this thread; its
            // answer comes back through `deliver`.
            Task { [self] in
                let (response, record) = await pending.run()
                deliver(LookupCompletion(connectionID: id, response: response, record: record, startedAt: start))
            }
        }
    }

    private func drainInbox(now: UInt64) {
        let completions = inbox.withLock { items -> [LookupCompletion] in
            let out = items
            items.removeAll()
            return out
        }
        for completion in completions {
            let micros = Int((Clock.monotonicNanoseconds() - completion.startedAt) / 1_000)
            core.logger.event(completion.record, microseconds: micros)
            stats.state.withLock {
                $0.requests += 1
                $0.observeLatency(microseconds: micros)
            }
            guard let connection = connections[completion.connectionID] else { continue }
            connection.awaitingLookup = false
            append(RequestRouter.xml(completion.response), to: connection, keepAlive: connection.lookupKeepAlive && !stopAsked)
            connection.lastActivity = now
            process(connection, now: now)
        }
    }

    private func append(_ response: HTTPResponse, to connection: Connection, keepAlive: Bool) {
        HTTPResponseWriter.write(response, keepAlive: keepAlive, announceKeepAlive: connection.http10,
                                 date: date(), into: &connection.output)
        if !keepAlive { connection.closeAfterWrite = true }
    }

    private func date() -> [UInt8] {
        let now = TimeText.now()
        if now.seconds != dateSecond {
            dateSecond = now.seconds
            dateBytes = Array(TimeText.httpDate(now.seconds).utf8)
        }
        return dateBytes
    }

    // MARK: - Writing

    private func flush(_ connection: Connection) {
        while connection.hasPendingOutput {
            let n = connection.output.withUnsafeBytes { raw in
                ctt_send(connection.fd, raw.baseAddress! + connection.outputSent, raw.count - connection.outputSent)
            }
            if n > 0 {
                connection.outputSent += n
            } else if -Int32(n) == EAGAIN_CODE {
                // Progress (or not) on a slow reader counts as activity for the idle check.
                if connection.outputSent > 0 { connection.lastActivity = Clock.monotonicNanoseconds() }
                return
            } else if -Int32(n) == EINTR_CODE {
                continue
            } else {
                close(connection)
                return
            }
        }
        if connection.output.capacity > 1 << 20 {
            connection.output = []
        } else {
            connection.output.removeAll(keepingCapacity: true)
        }
        connection.outputSent = 0
        if connection.closeAfterWrite && !connection.awaitingLookup {
            close(connection)
        }
    }

    private func updateInterest(_ connection: Connection) {
        var wanted: UInt32 = 0
        let reading = !connection.awaitingLookup && !connection.closeAfterWrite
            && connection.output.count - connection.outputSent < Self.outputHighWater
        if reading { wanted |= CTT_EV_IN }
        if connection.hasPendingOutput { wanted |= CTT_EV_OUT }
        if wanted != connection.interest {
            _ = ctt_epoll_ctl(epfd, 1, connection.fd, wanted, connection.id)
            connection.interest = wanted
        }
    }

    private func close(_ connection: Connection) {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        _ = ctt_epoll_ctl(epfd, 2, connection.fd, 0, connection.id)
        ctt_close(connection.fd)
        core.openConnections.wrappingSubtract(1, ordering: .relaxed)
    }

    // MARK: - Timers

    private func checkTimeouts(now: UInt64) {
        if listenerPaused && listenFD >= 0 && !stopping {
            listenerPaused = false
            _ = ctt_epoll_ctl(epfd, 0, listenFD, CTT_EV_IN, Self.listenerToken)
        }
        let limits = core.configuration.limits
        let requestTimeout = limits.requestTimeout.nanoseconds
        let idleTimeout = limits.idleTimeout.nanoseconds
        let forceClose = stopping && now >= drainDeadline
        for connection in Array(connections.values) {
            if forceClose {
                close(connection)
                continue
            }
            if connection.awaitingLookup { continue }
            if let started = connection.requestStartedAt, now &- started > requestTimeout {
                // Slow sender (or slowloris): answer 408 and close.
                stats.state.withLock { $0.refusedByReason["request_timeout", default: 0] += 1 }
                append(.text(.requestTimeout, "request not received in time"), to: connection, keepAlive: false)
                flush(connection)
                if connections[connection.id] != nil { updateInterest(connection) }
            } else if connection.hasPendingOutput, now &- connection.lastActivity > idleTimeout {
                // The client does not read its answers.
                close(connection)
            } else if connection.servedRequests == 0, !connection.parser.hasPartialRequest, !connection.hasPendingOutput,
                      now &- connection.lastActivity > requestTimeout {
                // Connected but silent: the first request gets the request timeout, not the idle one.
                close(connection)
            } else if !connection.parser.hasPartialRequest, !connection.hasPendingOutput, now &- connection.lastActivity > idleTimeout {
                close(connection)
            } else if stopping, !connection.parser.hasPartialRequest, !connection.hasPendingOutput {
                close(connection)
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
let EAGAIN_CODE = EAGAIN
let EINTR_CODE = EINTR
let EMFILE_CODE = EMFILE
let ENFILE_CODE = ENFILE
let ENOBUFS_CODE = ENOBUFS
let ENOMEM_CODE = ENOMEM
#else
let EAGAIN_CODE: Int32 = 11
let EINTR_CODE: Int32 = 4
let EMFILE_CODE: Int32 = 24
let ENFILE_CODE: Int32 = 23
let ENOBUFS_CODE: Int32 = 105
let ENOMEM_CODE: Int32 = 12
#endif
