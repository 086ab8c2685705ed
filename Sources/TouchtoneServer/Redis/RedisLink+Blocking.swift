import CTouchtoneSystem
import Touchtone

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Blocking use of a link: for start-up checks, tools and tests. NOT FOR THE REQUEST PATH:
// these calls hold the calling thread until the replies are in, so an event loop that
// called them would stop serving every other call meanwhile.

extension RedisLink {
    /// Sends `commands` pipelined and waits for all their replies, in order. Blocks the
    /// calling thread (never call it on an event loop that serves requests); every command
    /// ends within the command timeout, so this returns within that, plus the connect
    /// timeout when the link is still connecting.
    ///
    /// Completions of the loop's own commands that finish meanwhile are kept for
    /// ``takeCompletions()``.
    func roundTrip(_ commands: [RESPCommand]) -> [Result<RESPReply, RedisError>] {
        // Tokens from the top of the range, where a loop's counter does not go.
        let firstToken = UInt64.max - UInt64(commands.count)
        var results = [Result<RESPReply, RedisError>?](repeating: nil, count: commands.count)
        var remaining = commands.count
        var now = Clock.monotonicNanoseconds()
        for (index, command) in commands.enumerated() {
            send(command, token: firstToken + UInt64(index), now: now, flush: false)
        }
        flush(now: now)
        // The link fails every command within its timeout; this bound only guards against a bug.
        let limit = RedisConnection.later(now, (settings.commandTimeout + settings.connectTimeout + .seconds(1)).nanoseconds)
        var others: [RedisCompletion] = []
        defer { keptCompletions = others }
        while true {
            for completion in takeCompletions() {
                guard completion.token >= firstToken, completion.token - firstToken < UInt64(commands.count),
                    results[Int(completion.token - firstToken)] == nil
                else {
                    others.append(completion)
                    continue
                }
                results[Int(completion.token - firstToken)] = completion.result
                remaining -= 1
            }
            now = Clock.monotonicNanoseconds()
            guard remaining > 0, now < limit else { break }
            waitForEvents(until: min(nextDeadline ?? limit, limit), now: now)
        }
        return results.enumerated().map { index, result in
            result ?? .failure(RedisError(.timedOut, "\(commands[index].name): no reply in time", mayHaveRun: true))
        }
    }

    /// Sends one command and waits for its reply (see ``roundTrip(_:)``; blocking).
    func roundTrip(_ command: RESPCommand) -> Result<RESPReply, RedisError> {
        roundTrip([command])[0]
    }

    /// Runs the link until `condition` holds or `timeout` passes; true when it holds.
    /// Blocking: for tests and tools.
    @discardableResult
    func run(for timeout: Duration, until condition: () -> Bool) -> Bool {
        let limit = RedisConnection.later(Clock.monotonicNanoseconds(), timeout.nanoseconds)
        while true {
            if condition() { return true }
            let now = Clock.monotonicNanoseconds()
            guard now < limit else { return false }
            waitForEvents(until: min(nextDeadline ?? limit, limit), now: now)
        }
    }

    /// Connects to `url`, sends `commands`, waits for their replies and stops (blocking:
    /// for a start-up check such as a `PING`).
    /// - Throws: when the host does not resolve.
    static func roundTrip(
        _ commands: [RESPCommand], url: RedisURL,
        settings: RedisSettings = RedisSettings()
    ) throws(RedisError) -> [Result<RESPReply, RedisError>] {
        let link = try RedisLink(url: url, settings: settings)
        defer { link.stop(now: Clock.monotonicNanoseconds()) }
        return link.roundTrip(commands)
    }

    /// Waits in `poll` until the socket is ready for what it waits for or `deadline` (with
    /// no socket, until `deadline`), then handles what came and the timers due.
    private func waitForEvents(until deadline: UInt64, now: UInt64) {
        let fd = socketFD
        var events: Int16 = 0
        if socketInterest.contains(.readable) { events |= Int16(POLLIN) }
        if socketInterest.contains(.writable) { events |= Int16(POLLOUT) }
        var entry = pollfd(fd: fd, events: events, revents: 0)
        let milliseconds = deadline > now ? Int32(min((deadline - now) / 1_000_000 + 1, 1000)) : 0
        let ready = fd >= 0 ? poll(&entry, 1, milliseconds) : poll(nil, 0, milliseconds)
        let after = Clock.monotonicNanoseconds()
        if ready > 0 {
            var interest: Interest = []
            if entry.revents & Int16(POLLIN) != 0 { interest.insert(.readable) }
            if entry.revents & Int16(POLLOUT) != 0 { interest.insert(.writable) }
            if entry.revents & Int16(POLLERR | POLLNVAL) != 0 { interest.insert(.error) }
            if entry.revents & Int16(POLLHUP) != 0 { interest.insert(.hangUp) }
            handleSocketEvents(interest, now: after)
        }
        if let due = nextDeadline, after >= due { timerFired(now: after) }
    }

}
