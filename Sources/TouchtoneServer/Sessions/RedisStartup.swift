import Touchtone

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What start-up makes sure of before serving on Redis: it answers, it is recent enough,
/// and it has the replace script.
enum RedisStartup {
    /// Tries to reach Redis for ``RedisSessionSettings/startupWait`` (blocking: start-up
    /// only), checks `GETDEL` (Redis 6.2, any Valkey) and loads the replace script.
    /// - Returns: the script's SHA-1 for `EVALSHA`.
    /// - Throws: ``ServerError/sessionStore(_:)`` with one line saying why.
    static func prepare(_ settings: RedisSessionSettings) throws(ServerError) -> String {
        let started = Clock.monotonicNanoseconds()
        let limit = started &+ settings.startupWait.nanoseconds
        var reason = "no answer"
        let probe = settings.key(CallID("touchtone-start-up-check"))
        while true {
            do {
                let results = try RedisLink.roundTrip(
                    [RESPCommand("PING"), RESPCommand("GETDEL", probe), RESPCommand("SCRIPT", "LOAD", ReplaceScript.source)],
                    url: settings.url, settings: settings.link)
                switch (results[0], results[1], results[2]) {
                case (.success, .success, .success(let reply)):
                    guard let sha = reply.string, sha.utf8.count == 40 else {
                        throw RedisError(.protocolViolation, "SCRIPT LOAD: no SHA-1", mayHaveRun: true)
                    }
                    return sha
                case (.success, .failure(let error), _) where error.kind == .server:
                    throw ServerError.sessionStore(
                        "session store \(settings.url) does not know GETDEL: it needs Redis 6.2 or later, or Valkey")
                case (.failure(let error), _, _), (_, .failure(let error), _), (_, _, .failure(let error)):
                    // A wrong password or database will not get better by waiting.
                    if error.kind == .authenticationFailed || error.kind == .handshakeFailed {
                        throw ServerError.sessionStore("session store \(settings.url): \(error.message)")
                    }
                    reason = error.message
                }
            } catch let error as ServerError {
                throw error
            } catch let error as RedisError {
                reason = error.message
            } catch {
                reason = "\(error)"
            }
            let now = Clock.monotonicNanoseconds()
            guard now < limit else { break }
            usleep(UInt32(min(500_000, (limit - now) / 1_000)))
        }
        let seconds = (Clock.monotonicNanoseconds() - started) / 1_000_000_000
        throw ServerError.sessionStore("session store \(settings.url) unreachable after \(seconds) s: \(reason)")
    }
}
