import Touchtone

extension RedisConnection {
    // MARK: - Time

    /// The time ``timerFired(now:)`` is due next (monotonic nanoseconds): the next command
    /// timeout, attempt deadline, retry or keepalive; nil when stopped.
    var nextDeadline: UInt64? {
        var next = waiting.first?.deadline
        func consider(_ time: UInt64) { next = min(next ?? time, time) }
        switch state {
        case .disconnected(let retryAt):
            consider(retryAt)
        case .connecting(let deadline), .handshaking(let deadline):
            consider(deadline)
        case .ready:
            if let oldest = inFlight.first {
                consider(oldest.deadline)
            } else if !replaceWhenDrained {
                consider(Self.later(lastTraffic, keepaliveInterval))
            }
        case .stopped:
            return nil
        }
        return next
    }

    /// Enforces the deadlines that passed by `now`: command timeouts, the attempt's
    /// deadline, the retry and the keepalive.
    mutating func timerFired(now: UInt64) -> Action {
        expireWaiting(now: now)
        switch state {
        case .disconnected, .stopped:
            break
        case .connecting(let deadline) where now >= deadline:
            return attemptFailed(noAnswer("no connection"), now: now)
        case .handshaking(let deadline) where now >= deadline:
            return attemptFailed(noAnswer("no answer to the handshake"), now: now)
        case .connecting, .handshaking:
            break
        case .ready:
            if let oldest = inFlight.first, now >= oldest.deadline { return timedOut(now: now) }
            if inFlight.isEmpty && !replaceWhenDrained && now &- lastTraffic >= keepaliveInterval {
                write(RESPCommand("PING"), .keepalive, deadline: Self.later(now, commandTimeout))
            }
        }
        return nextAction(now: now)
    }

    private func noAnswer(_ what: String) -> RedisError {
        RedisError(
            .connectFailed, "cannot connect to \(endpoint): \(what) within \(settings.connectTimeout.wholeMilliseconds) ms",
            mayHaveRun: false)
    }

    /// Fails the waiting commands whose time is up (they were never sent).
    mutating func expireWaiting(now: UInt64) {
        while let oldest = waiting.first, now >= oldest.deadline {
            _ = waiting.popFirst()
            let message = "\(oldest.command.name): not sent, no connection to \(endpoint) within \(timeoutText)"
            complete(oldest.token, .failure(RedisError(.timedOut, message, mayHaveRun: false)))
        }
    }

    /// The oldest command in flight is late: it fails, and the connection with it.
    private mutating func timedOut(now: UInt64) -> Action {
        guard let late = inFlight.popFirst() else { return nextAction(now: now) }
        let message = "\(late.name): no reply from \(endpoint) within \(timeoutText)"
        if case .command(let token) = late.purpose {
            complete(token, .failure(RedisError(.timedOut, message, mayHaveRun: true)))
        }
        return connectionLost("closed after \(late.name) got no reply within \(timeoutText)", now: now)
    }

    private var timeoutText: String { "\(settings.commandTimeout.wholeMilliseconds) ms" }

    // MARK: - Failures

    /// The server's bytes are not RESP2 (or break a bound): the connection closes.
    mutating func protocolViolation(_ reason: String, command: String?, now: UInt64) -> Action {
        let name = command ?? inFlight.first?.name
        let error = RedisError(.protocolViolation, "\(name.map { $0 + ": " } ?? "")\(reason) from \(endpoint)", mayHaveRun: true)
        if case .handshaking = state { return attemptFailed(error.notSent(), now: now) }
        if let oldest = inFlight.popFirst(), case .command(let token) = oldest.purpose {
            complete(token, .failure(error))
        }
        return connectionLost("closed after a protocol violation", now: now)
    }

    /// The connection broke (`reason`) or is given up: the commands in flight fail, and it
    /// is replaced at once if it had worked, else after a backoff (the link is down).
    mutating func connectionLost(_ reason: String, now: UInt64) -> Action {
        if case .handshaking = state {
            let error = RedisError(.connectFailed, "cannot connect to \(endpoint): \(reason) during the handshake", mayHaveRun: false)
            return attemptFailed(error, now: now)
        }
        let lost = RedisError(.connectionLost, "connection to \(endpoint) lost: \(reason)", mayHaveRun: true)
        failInFlight(with: lost)
        if provedWorking {
            backoff.reset()
            downError = nil
            state = .disconnected(retryAt: now)
        } else {
            // Ready but never answering (a server that accepts and closes at once): count it
            // as a failed attempt, or the link would reconnect in a tight loop.
            downError = lost.notSent()
            failWaiting(with: lost.notSent())
            state = .disconnected(retryAt: Self.later(now, backoff.nextDelay()))
        }
        resetConnection()
        return .close
    }

    /// An attempt to connect failed: the link is down until one succeeds. What waits fails
    /// with `error`, and so does every command sent before the next attempt.
    mutating func attemptFailed(_ error: RedisError, now: UInt64) -> Action {
        downError = error
        failInFlight(with: error)
        failWaiting(with: error)
        state = .disconnected(retryAt: Self.later(now, backoff.nextDelay()))
        resetConnection()
        return .close
    }

    /// Stops for good: every command waiting or in flight fails with
    /// ``RedisError/Kind/stopped``, and so does every command sent later.
    mutating func stop(now: UInt64) -> Action {
        let hadSocket = isConnected
        let stopped = RedisError(.stopped, "the Redis link to \(endpoint) was stopped", mayHaveRun: true)
        failInFlight(with: stopped)
        failWaiting(with: stopped.notSent())
        state = .stopped
        resetConnection()
        return hadSocket ? .close : .wait([])
    }

    private mutating func failInFlight(with error: RedisError) {
        for entry in inFlight.removeAll() {
            if case .command(let token) = entry.purpose { complete(token, .failure(error)) }
        }
    }

    private mutating func failWaiting(with error: RedisError) {
        for entry in waiting.removeAll() {
            complete(entry.token, .failure(error.naming(entry.command.name)))
        }
    }

    /// Forgets everything of the closed connection.
    private mutating func resetConnection() {
        parser = RESPReplyParser(limits: settings.parserLimits)
        output.discard()
        provedWorking = false
        replaceWhenDrained = false
        _ = inFlight.removeAll()
    }
}
