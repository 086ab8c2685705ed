import Synchronization
import Touchtone

/// What the loops share: read-only settings, the router, the log and thread-safe counters.
final class ServerCore: Sendable {
    let configuration: ServerConfiguration
    let engine: Engine
    let router: RequestRouter
    let logger: EventLogger
    /// Open client connections over all loops (for the connection limit and `/metrics`).
    let openConnections = Atomic<Int>(0)
    /// Look-ups running over all loops, a held one included (for `/metrics`).
    let lookupsRunning = Atomic<Int>(0)
    /// One set of counters per loop, each behind its own (uncontended) lock.
    let loopStats: [LoopStats]
    /// Each loop's session store link counters, when sessions live in Redis.
    let storeStats: [StoreStats]

    init(
        configuration: ServerConfiguration, engine: Engine, router: RequestRouter, logger: EventLogger, loopCount: Int,
        storeStats: [StoreStats] = []
    ) {
        self.configuration = configuration
        self.engine = engine
        self.router = router
        self.logger = logger
        self.loopStats = (0..<loopCount).map { _ in LoopStats() }
        self.storeStats = storeStats
    }

    /// The store links' counters of all loops added up.
    func totalStoreCounts() -> StoreCounts {
        var total = StoreCounts()
        for stats in storeStats { total.merge(stats.counts.withLock { $0 }) }
        return total
    }

    /// The counters of all loops added up.
    func totalStats() -> ServerStats {
        var total = ServerStats()
        for stats in loopStats { total.merge(stats.state.withLock { $0 }) }
        return total
    }

    /// Counts and logs one answer of loop `loop`: every answer the server makes passes here
    /// once, so the counters (flow traffic included) and the log cannot disagree.
    /// - Parameters:
    ///   - path: the request's path, when a request was read.
    ///   - microseconds: from the complete request to its answer (pushes only).
    func account(_ answer: Answer, loop: Int, path: String?, peer: IPAddress?, microseconds: Int) {
        loopStats[loop].state.withLock { $0.count(answer, microseconds: microseconds) }
        switch answer.kind {
        case .push(let record):
            // A push that handed the call to another flow: one line per flow, the one left first.
            for left in record.handedFrom {
                logger.event(left, microseconds: microseconds)
                engine.traffic.count(left)
            }
            logger.event(record, microseconds: microseconds)
            engine.traffic.count(record)
        case .refused(let refusal, let detail):
            guard refusal.isLogged else { return }
            var fields: [(StaticString, String)] = [("status", String(refusal.status.code)), ("reason", refusal.label), ("detail", detail)]
            if let path { fields.append(("path", String(path.prefix(100)))) }
            if let peer { fields.append(("peer", peer.description)) }
            logger.notice("request refused", fields)
        case .served:
            break
        }
    }

    /// Logs and counts the look-up of a held call that ended after its push was answered
    /// with the hold (its ending kept for the call's next push).
    func accountKept(_ record: EventRecord) {
        logger.event(record, microseconds: 0)
        engine.traffic.count(record)
    }

    /// Logs and counts a call whose session expired before its flow ended it.
    func accountExpiry(_ record: EventRecord) {
        logger.expired(record)
        engine.traffic.count(record)
    }
}
