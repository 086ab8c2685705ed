import CTouchtoneSystem
import Synchronization
import Touchtone

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A single-threaded event loop: its own `SO_REUSEPORT` listener, level-triggered epoll,
/// non-blocking sockets. It is the driver of its connections' state machines: it waits for
/// events, accepts, reads into its one buffer, hands the bytes to the ``Connection`` and
/// performs the actions it returns (answer through the router, send, change what epoll
/// watches, shut down the sending side, close), runs the timers and the session sweep.
final class EventLoop: @unchecked Sendable {
    // @unchecked: all mutable state below is touched only by the loop's thread, except
    // `inbox` and `stopRequested`, which are synchronised.
    private static let listenerToken: UInt64 = 0
    private static let wakeToken: UInt64 = 1
    static let storeToken: UInt64 = 2
    private static let readChunk = 64 * 1024
    /// Connections accepted per wake-up at most, so a flood of them cannot starve the open ones.
    private static let acceptBatch = 64

    let index: Int
    let core: ServerCore
    /// The sessions in Redis, over this loop's own connection; nil with the memory store.
    let sessions: RedisSessions?
    let poller: Poller
    /// Watched for wake-ups: an eventfd (epoll), or a pipe's read end (poll).
    private let wakeWatchFD: Int32
    /// Written to wake the loop: the same eventfd, or the pipe's write end.
    private let wakeSignalFD: Int32
    /// The Redis link's socket as the poll backend watches it (epoll watches the link's own set).
    var watchedStoreSocket: (fd: Int32, interest: Interest) = (-1, [])
    private var listenFD: Int32
    private let inbox = Lock<[LookupCompletion]>([])
    private let stopRequested = Atomic<Bool>(false)

    private(set) var connections: [UInt64: ConnectionHandle] = [:]
    private var nextID: UInt64 = 3
    private var readBuffer: [UInt8]
    private let parserLimits: HTTPParserLimits
    private let connectionLimits: Connection.Limits
    private var stopping = false
    /// When a stopping loop gives up on work still out (look-ups, store commands).
    var stopDeadline: UInt64 = .max
    /// The look-ups started here that have not come back.
    var lookups = LoopLookups()
    /// The listener is out of epoll after running out of file descriptors.
    private var listenerPaused = false
    private var dateSecond: Int64 = -1
    private var dateBytes: [UInt8] = []
    private var nextTick: UInt64 = 0
    private var nextSweep: UInt64 = 0
    private let tickInterval: UInt64

    init(index: Int, core: ServerCore, listenFD: Int32, sessions: RedisSessions? = nil) throws(SystemError) {
        self.index = index
        self.core = core
        self.listenFD = listenFD
        self.sessions = sessions
        readBuffer = [UInt8](repeating: 0, count: Self.readChunk)
        let limits = core.configuration.limits
        parserLimits = limits.parserLimits
        connectionLimits = Connection.Limits(limits)
        // The timer ticks often enough for the shortest timeout it enforces; a timeout of
        // zero (no lingering, say) is no reason to tick faster.
        let timeouts = [limits.requestTimeout, limits.idleTimeout, limits.lingerTimeout].map(\.nanoseconds).filter { $0 > 0 }
        tickInterval = min(max((timeouts.min() ?? .max) / 4, 5_000_000), 250_000_000)
        let poller = try Poller(core.configuration.eventBackend)
        var wake: [Int32] = [-1, -1]
        if poller.backend == .epoll {
            let fd = ctt_eventfd()
            guard fd >= 0 else { throw SystemError("eventfd", code: -fd) }
            wake = [fd, fd]
        } else {
            let rc = wake.withUnsafeMutableBufferPointer { ctt_wake_pipe($0.baseAddress) }
            guard rc == 0 else { throw SystemError("pipe", code: -rc) }
        }
        do {
            try poller.add(listenFD, .readable, token: Self.listenerToken)
            try poller.add(wake[0], .readable, token: Self.wakeToken)
            if let sessions, poller.backend == .epoll { try poller.add(sessions.link.pollFD, .readable, token: Self.storeToken) }
        } catch {
            ctt_close(wake[0])
            if wake[1] != wake[0] { ctt_close(wake[1]) }
            throw error
        }
        self.poller = poller
        wakeWatchFD = wake[0]
        wakeSignalFD = wake[1]
    }

    deinit {
        ctt_close(wakeWatchFD)
        if wakeSignalFD != wakeWatchFD { ctt_close(wakeSignalFD) }
    }

    // MARK: - Cross-thread entry points

    /// Asks the loop to stop accepting, finish what is in flight and return from ``run()``.
    func requestStop() {
        stopRequested.store(true, ordering: .releasing)
        _ = ctt_wake_signal(wakeSignalFD)
    }

    /// Hands a finished look-up back to the loop.
    func deliver(_ completion: LookupCompletion) {
        inbox.withLock { $0.append(completion) }
        _ = ctt_wake_signal(wakeSignalFD)
    }

    /// The finished look-ups handed back since the last call.
    func takeInbox() -> [LookupCompletion] {
        inbox.withLock { items in
            defer { items.removeAll() }
            return items
        }
    }

    /// Releases the listener of a loop that will never run.
    func discard() {
        closeListener()
    }

    /// The flag, not just `stopping`: an answer written in the same batch as the stop
    /// request already says `Connection: close`.
    var stopAsked: Bool { stopping || stopRequested.load(ordering: .acquiring) }

    // MARK: - The loop

    /// Runs until stopped and every connection is closed.
    func run() {
        var ready = Poller.ReadyList()
        let start = Clock.monotonicNanoseconds()
        nextTick = start + tickInterval
        nextSweep = start + core.configuration.sweepInterval.nanoseconds
        while true {
            if stopRequested.load(ordering: .acquiring) && !stopping { beginStopping() }
            if stopping && connections.isEmpty && stopIsOver() { break }
            watchStoreSocket()
            let n = poller.wait(into: &ready, timeoutMilliseconds: waitTimeout())
            if n < 0 {
                if -n == EINTR { continue }
                core.logger.notice("epoll_wait failed", [("error", SystemError("epoll_wait", code: -n).description)])
                break
            }
            let now = Clock.monotonicNanoseconds()
            for i in 0..<ready.count {
                let (token, events) = ready[i]
                switch token {
                case Self.listenerToken:
                    acceptConnections(now: now)
                case Self.wakeToken:
                    _ = ctt_wake_drain(wakeWatchFD)
                    drainInbox(now: now)
                case Self.storeToken where poller.backend == .poll:
                    sessions?.link.handleSocketEvents(events, now: now)
                case Self.storeToken:
                    sessions?.link.handleEvents(now: now)
                default:
                    if let handle = connections[token] { handleEvents(events, on: handle, now: now) }
                }
            }
            runTimers(now: now)
            deliverStoreReplies(now: now)
            core.logger.flush()
        }
        for handle in Array(connections.values) { close(handle) }
        closeListener()
        sessions?.link.stop(now: Clock.monotonicNanoseconds())
        core.logger.flush()
    }

    /// Milliseconds until the next timer (loop 0 also sweeps sessions), at most a second.
    private func waitTimeout() -> Int32 {
        let now = Clock.monotonicNanoseconds()
        var wakeAt = index == 0 ? min(nextTick, nextSweep) : nextTick
        if let due = sessions?.link.nextDeadline { wakeAt = min(wakeAt, due) }
        return wakeAt > now ? Int32(min((wakeAt - now) / 1_000_000 + 1, 1000)) : 0
    }

    private func runTimers(now: UInt64) {
        if let sessions, let due = sessions.link.nextDeadline, now >= due { sessions.link.timerFired(now: now) }
        if now >= nextTick {
            checkTimeouts(now: now)
            nextTick = now + tickInterval
        }
        if index == 0 && now >= nextSweep {
            let core = self.core
            core.engine.sweep { core.accountExpiry($0) }
            nextSweep = now + core.configuration.sweepInterval.nanoseconds
        }
    }

    private func beginStopping() {
        stopping = true
        closeListener()
        let now = Clock.monotonicNanoseconds()
        let deadline = now &+ core.configuration.limits.shutdownGrace.nanoseconds
        stopDeadline = deadline
        for handle in Array(connections.values) {
            perform(handle.connection.stopRequested(deadline: deadline, now: now), on: handle, now: now)
        }
        nextTick = 0
    }

    private func closeListener() {
        guard listenFD >= 0 else { return }
        poller.remove(listenFD, token: Self.listenerToken)
        ctt_close(listenFD)
        listenFD = -1
    }

    // MARK: - Accepting

    private func acceptConnections(now: UInt64) {
        var address = [UInt8](repeating: 0, count: 16)
        for _ in 0..<Self.acceptBatch {
            let fd = address.withUnsafeMutableBufferPointer { ctt_accept(listenFD, $0.baseAddress) }
            if fd < 0 {
                if -fd == EMFILE || -fd == ENFILE || -fd == ENOBUFS || -fd == ENOMEM {
                    // Out of descriptors: the level-triggered listener would wake us at once,
                    // again and again. Stop listening until the next timer tick.
                    poller.remove(listenFD, token: Self.listenerToken)
                    listenerPaused = true
                    core.logger.notice("accept paused", [("error", SystemError("accept", code: -fd).description)])
                }
                return
            }
            let peer = IPAddress(bytes: address)
            let open = core.openConnections.wrappingAdd(1, ordering: .relaxed).newValue
            if open > core.configuration.limits.maxConnections || stopping {
                core.openConnections.wrappingSubtract(1, ordering: .relaxed)
                refuseAtOnce(fd, peer: peer)
                continue
            }
            let handle = ConnectionHandle(
                id: nextID, fd: fd, peer: peer,
                connection: Connection(parserLimits: parserLimits, limits: connectionLimits, now: now))
            nextID += 1
            do {
                try poller.add(fd, .readable, token: handle.id)
            } catch {
                core.openConnections.wrappingSubtract(1, ordering: .relaxed)
                ctt_close(fd)
                continue
            }
            connections[handle.id] = handle
            core.loopStats[index].state.withLock { $0.acceptedConnections += 1 }
        }
    }

    /// One connection too many: a 503 in one send, then close (nothing was read, so there is
    /// nothing to linger for).
    private func refuseAtOnce(_ fd: Int32, peer: IPAddress) {
        let answer = core.router.refusal(.tooManyConnections, "too many connections")
        var out = [UInt8]()
        HTTPResponseWriter.write(answer.response, keepAlive: false, date: date(), into: &out)
        _ = out.withUnsafeBytes { ctt_send(fd, $0.baseAddress, $0.count) }
        ctt_close(fd)
        core.account(answer, loop: index, path: nil, peer: peer, microseconds: 0)
    }

    // MARK: - Driving connections

    private func handleEvents(_ events: Interest, on handle: ConnectionHandle, now: UInt64) {
        if events.contains(.writable) {
            perform(handle.connection.writable(now: now), on: handle, now: now)
            guard handle.isOpen else { return }
        }
        if events.contains(.readable) && handle.registered.contains(.readable) {
            perform(.read, on: handle, now: now)
        } else if !events.isDisjoint(with: [.error, .hangUp]) {
            close(handle)
        }
    }

    /// Performs `action` and the ones that follow from it until the connection waits or closes.
    func perform(_ action: Connection.Action, on handle: ConnectionHandle, now: UInt64) {
        var action = action
        while true {
            switch action {
            case .handle(let request):
                action = answer(request, on: handle, now: now)
            case .refuse(let refusal, let detail):
                let answer = core.router.refusal(refusal, detail)
                action = handle.connection.answered(answer.response, date: date(), serverStopping: stopAsked, now: now)
                core.account(answer, loop: index, path: nil, peer: handle.peer, microseconds: 0)
            case .send:
                action = send(on: handle, now: now)
            case .read:
                action = read(on: handle, now: now)
            case .shutdownWrite:
                let rc = ctt_shutdown_write(handle.fd)
                action = rc == 0 ? handle.connection.sendingSideShut(now: now) : handle.connection.failed()
            case .close:
                close(handle)
                return
            case .wait(let interest):
                if interest != handle.registered {
                    do {
                        try poller.modify(handle.fd, interest, token: handle.id)
                        handle.registered = interest
                    } catch {
                        close(handle)
                    }
                }
                return
            }
        }
    }

    private func read(on handle: ConnectionHandle, now: UInt64) -> Connection.Action {
        let n = readBuffer.withUnsafeMutableBytes { ctt_read(handle.fd, $0.baseAddress, $0.count) }
        if n > 0 {
            return readBuffer.withUnsafeBytes {
                handle.connection.bytesReceived(UnsafeRawBufferPointer(rebasing: $0[0..<n]), now: now)
            }
        }
        if n == 0 { return handle.connection.peerClosed(now: now) }
        let error = -Int32(n)
        if error == EAGAIN || error == EINTR { return handle.connection.readWouldBlock(now: now) }
        return handle.connection.failed()
    }

    private func send(on handle: ConnectionHandle, now: UInt64) -> Connection.Action {
        let n = handle.connection.withPendingOutput { ctt_send(handle.fd, $0.baseAddress, $0.count) }
        if n > 0 { return handle.connection.sent(n, now: now) }
        let error = -Int32(n)
        if error == EAGAIN { return handle.connection.sendWouldBlock() }
        if error == EINTR { return .send }
        return handle.connection.failed()
    }

    /// Routes `request`; an answer goes straight to the connection, a look-up runs off the loop.
    private func answer(_ request: HTTPRequest, on handle: ConnectionHandle, now: UInt64) -> Connection.Action {
        let start = Clock.monotonicNanoseconds()
        switch core.router.route(request, peer: handle.peer) {
        case .answer(let answer):
            let next = handle.connection.answered(answer.response, date: date(), serverStopping: stopAsked, now: now)
            let micros = Int((Clock.monotonicNanoseconds() - start) / 1_000)
            core.account(answer, loop: index, path: request.path, peer: handle.peer, microseconds: micros)
            return next
        case .lookup(let pending, _):
            runLookup(pending, for: handle.id, startedAt: start)
            return handle.connection.lookupStarted(now: now)
        case .session(let work):
            // The answer comes once the store replied, at the end of this turn at the soonest.
            sessions?.start(work, for: RedisSessions.Owner(connectionID: handle.id, startedAt: start), now: now)
            return handle.connection.lookupStarted(now: now)
        }
    }

    /// Sends a deferred answer (after a look-up or a store round trip) to the connection
    /// that waits for it; one whose client went away is still counted and logged.
    func send(_ answer: Answer, to connectionID: UInt64, startedAt: UInt64, now: UInt64) {
        let micros = Int((Clock.monotonicNanoseconds() - startedAt) / 1_000)
        let handle = connections[connectionID]
        core.account(answer, loop: index, path: nil, peer: handle?.peer, microseconds: micros)
        guard let handle else { return }
        perform(handle.connection.answered(answer.response, date: date(), serverStopping: stopAsked, now: now), on: handle, now: now)
    }

    /// The `Date` field's value, formatted once per second.
    func date() -> [UInt8] {
        let now = TimeText.now()
        if now.seconds != dateSecond {
            dateSecond = now.seconds
            dateBytes = Array(TimeText.httpDate(now.seconds).utf8)
        }
        return dateBytes
    }

    private func close(_ handle: ConnectionHandle) {
        guard handle.isOpen else { return }
        handle.isOpen = false
        connections.removeValue(forKey: handle.id)
        poller.remove(handle.fd, token: handle.id)
        ctt_close(handle.fd)
        core.openConnections.wrappingSubtract(1, ordering: .relaxed)
    }

    private func checkTimeouts(now: UInt64) {
        if listenerPaused && listenFD >= 0 && !stopping {
            listenerPaused = false
            try? poller.add(listenFD, .readable, token: Self.listenerToken)
        }
        for handle in Array(connections.values) {
            perform(handle.connection.timerFired(now: now), on: handle, now: now)
        }
    }
}
