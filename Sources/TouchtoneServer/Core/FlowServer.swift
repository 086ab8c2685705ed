import CTouchtoneSystem
import Dispatch
import Synchronization
import Touchtone

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The flow server: answers sipgate pushes over HTTP/1.1 with the engine's XML.
///
/// One event loop per core, each on its own thread with its own `SO_REUSEPORT` listener.
/// Requests are handled on the loop that read them; only async flow steps leave the loop,
/// and their answers come back to it.
///
/// ```swift
/// let server = FlowServer(configuration: config, engine: engine)
/// let port = try server.start()      // port 0 in the configuration picks a free port
/// ...
/// server.shutdown()                  // stop accepting, finish in-flight requests
/// server.waitUntilStopped()          // sessions are saved to the state file by now
/// ```
public final class FlowServer: Sendable {
    /// The settings it was made with.
    public let configuration: ServerConfiguration
    /// The engine that answers pushes (its store holds the live sessions).
    public let engine: Engine
    /// The prompts served under `/audio/`.
    public let audio: AudioLibrary
    /// Where push and server lines go.
    public let logger: EventLogger

    private struct Running: @unchecked Sendable {
        // @unchecked: the loops are Sendable in practice (see EventLoop); the array is only
        // read after start() published it under the lock.
        var loops: [EventLoop]
        var core: ServerCore
        var port: Int
    }

    private enum Phase {
        case idle
        case running(Running)
        case stopped
    }

    private let phase = Lock<Phase>(.idle)
    private let stopped = DispatchGroup()
    private let loopsLeft = Atomic<Int>(0)
    private let restoredCount = Atomic<Int>(0)
    private let stopAsked = Atomic<Bool>(false)

    /// A server of `engine`'s flows; it listens once ``start()`` is called.
    /// - Parameters:
    ///   - configuration: where to listen, limits, authentication and the session store.
    ///   - engine: the flows and their calls.
    ///   - audio: the prompts under `/audio/`; none by default.
    ///   - logger: where push lines go; standard output in text by default.
    public init(
        configuration: ServerConfiguration, engine: Engine, audio: AudioLibrary = AudioLibrary(directory: nil),
        logger: EventLogger = EventLogger()
    ) {
        self.configuration = configuration
        self.engine = engine
        self.audio = audio
        self.logger = logger
    }

    /// Event loops when none are configured: one per core but one, which is left to the TLS
    /// proxy in front (nginx, Caddy) and the rest of the machine; at least one. On two cores
    /// one loop answers faster than two that fight the proxy for the CPU (see BENCHMARKS.md).
    public static func defaultLoopCount(cores: Int) -> Int {
        max(1, cores - 1)
    }

    /// The port the server listens on, once started.
    public var port: Int? {
        phase.withLock { if case .running(let r) = $0 { return r.port } else { return nil } }
    }

    /// How many sessions ``start()`` restored from the state file.
    public var restoredSessions: Int { restoredCount.load(ordering: .relaxed) }

    /// Restores sessions from the state file (if configured), binds the listeners and starts
    /// the loops. Returns the bound port (useful with port 0).
    @discardableResult
    public func start() throws(ServerError) -> Int {
        try phase.withLock { (phase) throws(ServerError) -> Int in
            guard case .idle = phase else { throw ServerError.alreadyStarted }
            let loopCount = configuration.loopCount > 0 ? configuration.loopCount : FlowServer.defaultLoopCount(cores: Int(ctt_cpu_count()))
            try restoreSessions()
            let shared = try SharedSessions.prepare(configuration.sessionStore, engine: engine, loopCount: loopCount, logger: logger)
            let (fds, port) = try bindListeners(count: loopCount)
            let core = makeCore(loopCount: loopCount, shared: shared)
            var loops: [EventLoop] = []
            do throws(SystemError) {
                for (i, fd) in fds.enumerated() {
                    loops.append(try EventLoop(index: i, core: core, listenFD: fd, sessions: shared?.sessions[i]))
                }
            } catch {
                for fd in fds.dropFirst(loops.count) { ctt_close(fd) }
                shared?.stop()
                throw ServerError.system(error)
            }
            try startThreads(loops)
            phase = .running(Running(loops: loops, core: core, port: port))
            moveStateFileAside()
            if stopAsked.load(ordering: .relaxed) {
                for loop in loops { loop.requestStop() }
            }
            return port
        }
    }

    /// Loads the sessions of the state file, if one is configured and present.
    private func restoreSessions() throws(ServerError) {
        guard let path = configuration.stateFile else { return }
        do {
            let contents = try SessionFile.read(from: path)
            for problem in contents.problems {
                logger.notice("state file line skipped", [("file", path), ("problem", problem.description)])
            }
            if !contents.sessions.isEmpty {
                // After a deploy that changed flows, say what became of the calls (a few by name).
                var adopted = 0
                let restored = engine.restore(contents.sessions, flows: contents.flows) { callId, note in
                    adopted += 1
                    if adopted <= 20 { logger.notice("session adopted", [("callId", callId.rawValue), ("note", note)]) }
                }
                if adopted > 20 { logger.notice("sessions adopted", [("count", String(adopted))]) }
                restoredCount.store(restored, ordering: .relaxed)
                logger.notice(
                    "sessions restored",
                    [
                        ("file", path), ("restored", String(restored)),
                        ("saved", String(contents.sessions.count)),
                    ])
            }
            logger.flush()
        } catch {
            throw ServerError.stateFile(path: path, reason: "\(error)")
        }
    }

    /// One listener per loop: the first picks the port (for port 0); the others join it with SO_REUSEPORT.
    private func bindListeners(count: Int) throws(ServerError) -> (fds: [Int32], port: Int) {
        var fds: [Int32] = []
        var port = configuration.port
        for i in 0..<count {
            do throws(SystemError) {
                let fd = try Listener.open(host: configuration.host, port: port, backlog: 1024, mode: i == 0 ? .firstOfGroup : .joinGroup)
                fds.append(fd)
                if port == 0 { port = Listener.port(of: fd) }
            } catch {
                for fd in fds { ctt_close(fd) }
                throw ServerError.listen(host: configuration.host, port: port, error)
            }
        }
        return (fds, port)
    }

    /// The state the loops share, with the router whose `/metrics` reads it.
    private func makeCore(loopCount: Int, shared: SharedSessions?) -> ServerCore {
        let coreBox = WeakCore()
        // `/healthz` answers anyone: it names the store by its address, never its user.
        let storeAddress = if case .redis(let settings) = configuration.sessionStore { settings.url.address } else { "memory" }
        let router = RequestRouter(
            engine: engine, audio: audio, configuration: configuration,
            metrics: { [engine] in
                guard let core = coreBox.core else { return "" }
                var text = PrometheusText.render(
                    stats: core.totalStats(), engine: engine.counters,
                    liveSessions: shared == nil ? engine.store.count : nil,
                    openConnections: core.openConnections.load(ordering: .relaxed),
                    lookupsRunning: core.lookupsRunning.load(ordering: .relaxed))
                if let shared { text += PrometheusText.renderStore(core.totalStoreCounts(), up: shared.isUp, engine: engine.counters) }
                text += PrometheusText.renderFlows(engine.traffic)
                return text
            }, trouble: { shared?.isUp == false ? "session store \(storeAddress) unreachable" : nil })
        let core = ServerCore(
            configuration: configuration, engine: engine, router: router, logger: logger, loopCount: loopCount,
            storeStats: shared?.stats ?? [])
        coreBox.set(core)
        return core
    }

    /// One thread per loop. They wait at a gate until all of them exist, so that a failure to
    /// create one leaves nothing running.
    private func startThreads(_ loops: [EventLoop]) throws(ServerError) {
        loopsLeft.store(loops.count, ordering: .relaxed)
        let gate = DispatchSemaphore(value: 0)
        let proceed = Atomic<Bool>(false)
        var created = 0
        do throws(SystemError) {
            for loop in loops {
                try Thread.start { [self] in
                    gate.wait()
                    guard proceed.load(ordering: .acquiring) else {
                        loop.discard()
                        return
                    }
                    loop.run()
                    if loopsLeft.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
                        finish()
                    }
                }
                created += 1
            }
        } catch {
            for _ in 0..<created { gate.signal() }
            for loop in loops.dropFirst(created) { loop.discard() }
            throw ServerError.system(error)
        }
        stopped.enter()
        proceed.store(true, ordering: .releasing)
        for _ in 0..<created { gate.signal() }
    }

    /// The sessions now live in this process: the state file is moved aside so that a crash
    /// (kill -9, no save) cannot bring back calls that ended since.
    private func moveStateFileAside() {
        guard let path = configuration.stateFile, restoredCount.load(ordering: .relaxed) > 0 else { return }
        if rename(path, path + ".restored") != 0 {
            logger.notice("state file not moved aside after restoring", [("file", path)])
        }
    }

    /// Stops accepting connections, lets requests in flight finish (up to the shutdown
    /// grace time), then saves sessions to the state file. Returns at once; see ``waitUntilStopped()``.
    public func shutdown() {
        let loops = phase.withLock { phase -> [EventLoop] in
            if case .running(let r) = phase { return r.loops }
            // Asked before start (a signal during start-up): stop right after starting.
            stopAsked.store(true, ordering: .relaxed)
            return []
        }
        for loop in loops { loop.requestStop() }
    }

    /// Blocks the calling thread until the server stopped and saved its sessions.
    /// Call it from a thread of your own (the main thread), not from a Swift task.
    public func waitUntilStopped() {
        let started = phase.withLock { phase -> Bool in
            if case .idle = phase { return false }
            return true
        }
        if started { stopped.wait() }
    }

    /// Stops the server like ``shutdown()`` and suspends (without blocking a thread) until it
    /// stopped and saved its sessions. For async code such as tests.
    public func shutdownAndWait() async {
        shutdown()
        let started = phase.withLock { phase -> Bool in
            if case .idle = phase { return false }
            return true
        }
        guard started else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            stopped.notify(queue: .global()) { continuation.resume() }
        }
    }

    /// A port that is free on `host` right now (for `--port 0` when the public URL must name it).
    public static func freePort(host: String) throws(SystemError) -> Int {
        let fd = try Listener.open(host: host, port: 0, backlog: 1, mode: .alone)
        defer { ctt_close(fd) }
        return Listener.port(of: fd)
    }

    /// A snapshot of `/metrics`.
    public func metricsText() -> String {
        let core = phase.withLock { phase -> ServerCore? in
            if case .running(let r) = phase { return r.core }
            return nil
        }
        guard let core else { return "" }
        return core.router.metrics()
    }

    private func finish() {
        if let path = configuration.stateFile {
            let sessions = engine.store.allSessions()
            do {
                let written = try SessionFile.write(sessions, to: path, flows: engine.flowStates)
                logger.notice("sessions saved", [("file", path), ("count", String(written))])
            } catch {
                logger.notice("saving sessions failed", [("file", path), ("error", "\(error)")])
            }
        }
        logger.notice("stopped")
        logger.flush()
        phase.withLock { $0 = .stopped }
        stopped.leave()
    }
}

/// Why a server could not start.
public enum ServerError: Error, Sendable, CustomStringConvertible {
    /// ``FlowServer/start()`` was called on a server that was started before: a server starts at most once.
    case alreadyStarted
    /// The server could not bind or listen on `host:port` (in use, not an address of this machine, no permission).
    case listen(host: String, port: Int, SystemError)
    /// A system call failed while setting up the event loops or starting their threads.
    case system(SystemError)
    /// The state file at `path` could not be restored (unreadable, too large, not a session file); `reason` says why.
    case stateFile(path: String, reason: String)
    /// The session store cannot be used (unreachable past the start-up wait, refusing the
    /// password, too old); one line saying why.
    case sessionStore(String)

    /// One line for the user.
    public var description: String {
        switch self {
        case .alreadyStarted: return "the server was started already"
        case .listen(let host, let port, let error): return "cannot listen on \(host):\(port): \(error)"
        case .system(let error): return "\(error)"
        case .stateFile(let path, let reason): return "cannot read state file \(path): \(reason)"
        case .sessionStore(let reason): return reason
        }
    }
}
