import Touchtone

/// The server's sessions in Redis: one link and one ``RedisSessions`` per loop, made at
/// start-up once Redis answered.
final class SharedSessions: @unchecked Sendable {
    // @unchecked: each RedisSessions is handed to its loop and used on that thread only.
    let sessions: [RedisSessions]
    let stats: [StoreStats]

    private init(sessions: [RedisSessions], stats: [StoreStats]) {
        self.sessions = sessions
        self.stats = stats
    }

    /// Nil for the memory store; else waits for Redis (``RedisStartup``) and connects one link per loop.
    static func prepare(_ choice: SessionStoreChoice, engine: Engine, loopCount: Int, logger: EventLogger) throws(ServerError)
        -> SharedSessions?
    {
        guard case .redis(let settings) = choice else { return nil }
        let sha = try RedisStartup.prepare(settings)
        var sessions: [RedisSessions] = []
        var stats: [StoreStats] = []
        for _ in 0..<loopCount {
            let loopStats = StoreStats()
            do {
                let link = try RedisLink(url: settings.url, settings: settings.link)
                // Connected and logged in before the loop serves (a round trip; start-up
                // only): else `/healthz` would call the store unreachable until each loop's
                // first turn after its handshake. A link that cannot connect now stays
                // down, and reconnects by itself like any other.
                link.run(for: settings.link.connectTimeout) { link.isReady }
                loopStats.linkIs(up: link.isReady)
                sessions.append(RedisSessions(link: link, engine: engine, settings: settings, scriptSHA: sha, stats: loopStats))
                stats.append(loopStats)
            } catch {
                for made in sessions { made.link.stop(now: Clock.monotonicNanoseconds()) }
                throw ServerError.sessionStore("session store \(settings.url): \(error.message)")
            }
        }
        logger.notice("session store ready", [("store", settings.url.description), ("prefix", settings.keyPrefix)])
        return SharedSessions(sessions: sessions, stats: stats)
    }

    /// Every loop's link is up (each loop records it as it runs).
    var isUp: Bool { stats.allSatisfy { $0.up.load(ordering: .relaxed) } }

    /// Stops the links of loops that will never run.
    func stop() {
        for made in sessions { made.link.stop(now: Clock.monotonicNanoseconds()) }
    }
}
