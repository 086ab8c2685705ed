import Touchtone

extension RedisConnection {
    // MARK: - Commands

    /// Queues `command`; it ends as a ``RedisCompletion`` carrying `token`, within the
    /// command timeout. It goes out at once when the connection is ready, waits while an
    /// attempt to connect is under way, and fails at once while the link is down (an
    /// attempt failed and the next waits for its backoff), when too many commands are
    /// queued, or once the connection is stopped.
    mutating func send(_ command: RESPCommand, token: UInt64, now: UInt64) -> Action {
        if state == .stopped {
            complete(token, .failure(RedisError(.stopped, "\(command.name): the Redis link is stopped", mayHaveRun: false)))
            return nextAction(now: now)
        }
        guard queuedCount < settings.maxQueuedCommands else {
            let error = RedisError(
                .overloaded, "\(command.name): \(queuedCount) commands already queued for \(endpoint)", mayHaveRun: false)
            complete(token, .failure(error))
            return nextAction(now: now)
        }
        if isReady {
            write(command, .command(token: token), deadline: Self.later(now, commandTimeout))
        } else if case .disconnected = state, let downError {
            complete(token, .failure(downError.notSent().naming(command.name)))
        } else {
            waiting.append(Waiting(command: command, token: token, deadline: Self.later(now, commandTimeout)))
        }
        return nextAction(now: now)
    }

    /// Appends `command` to the output and awaits its reply.
    mutating func write(_ command: RESPCommand, _ purpose: InFlight.Purpose, deadline: UInt64) {
        command.write(into: &output.bytes)
        inFlight.append(InFlight(purpose: purpose, name: command.name, deadline: deadline))
    }

    /// Writes `AUTH`, `SELECT` and `CLIENT SETNAME` as the URL and settings ask; false when
    /// there is nothing to write.
    mutating func writeHandshake(deadline: UInt64) -> Bool {
        if let password = url.password {
            let auth = url.user.map { RESPCommand("AUTH", $0, password) } ?? RESPCommand("AUTH", password)
            write(auth, .handshake(.auth), deadline: deadline)
        }
        if url.database != 0 {
            write(RESPCommand("SELECT", url.database), .handshake(.select), deadline: deadline)
        }
        if let name = settings.clientName {
            write(RESPCommand("CLIENT", "SETNAME", name), .handshake(.setName), deadline: deadline)
        }
        return !inFlight.isEmpty
    }

    /// The handshake is answered: the waiting commands go out, oldest first.
    mutating func becomeReady(now: UInt64) {
        state = .ready
        downError = nil
        expireWaiting(now: now)
        while let next = waiting.popFirst() {
            write(next.command, .command(token: next.token), deadline: next.deadline)
        }
    }

    // MARK: - Replies

    /// Matches `reply` to the oldest command in flight; an action when the reply ends the
    /// connection.
    mutating func handle(_ reply: RESPReply, now: UInt64) -> Action? {
        guard let entry = inFlight.popFirst() else {
            return protocolViolation("a reply arrived for no command", command: nil, now: now)
        }
        switch entry.purpose {
        case .command(let token):
            if case .error(let text) = reply {
                let error = RedisError.serverReply(text, command: entry.name)
                complete(token, .failure(error))
                if error.kind == .readOnly { replaceWhenDrained = true }
            } else {
                provedWorking = true
                complete(token, .success(reply))
            }
        case .keepalive:
            // A `-LOADING` answer to the PING shows the server alive too; either is dropped.
            provedWorking = true
        case .handshake(let step):
            return handshakeReply(step, reply, now: now)
        }
        return nil
    }

    /// A handshake reply: a refused `AUTH` or `SELECT` fails the attempt; the last reply
    /// makes the connection ready.
    private mutating func handshakeReply(_ step: HandshakeStep, _ reply: RESPReply, now: UInt64) -> Action? {
        if case .error(let text) = reply {
            switch step {
            case .auth:
                let message = "AUTH refused by \(endpoint): \(RedisError.shown(text))"
                return attemptFailed(RedisError(.authenticationFailed, message, mayHaveRun: false), now: now)
            case .select:
                let message = "SELECT \(url.database) refused by \(endpoint): \(RedisError.shown(text))"
                return attemptFailed(RedisError(.handshakeFailed, message, mayHaveRun: false), now: now)
            case .setName:
                // A name is a courtesy to operators; an ACL may well not allow it.
                break
            }
        }
        // A handshake answered proves nothing yet (see `provedWorking`): a proxy may log a
        // client in and drop it at once, again and again.
        if inFlight.isEmpty { becomeReady(now: now) }
        return nil
    }

    /// Records the end of the command with `token`.
    mutating func complete(_ token: UInt64, _ result: Result<RESPReply, RedisError>) {
        completions.append(RedisCompletion(token: token, result: result))
    }
}
