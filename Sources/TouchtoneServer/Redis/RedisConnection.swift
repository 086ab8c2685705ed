import Touchtone

/// One Redis connection's life as a state machine, reconnections included: it queues
/// commands, writes them pipelined, matches replies to them in order, logs in, keeps the
/// connection alive, times commands out and decides when to connect, send, wait and close.
/// Like the HTTP ``Connection`` it makes no system call: every event method returns the one
/// ``Action`` the driver (``RedisLink``) performs next, and the outcome of that action comes
/// back as the next event. Finished commands collect as ``RedisCompletion``s that the
/// driver takes with ``takeCompletions()``.
///
/// Rules it keeps:
/// - Replies are matched to commands first in, first out; many commands may be in flight.
/// - Every command ends within ``RedisSettings/commandTimeout`` of ``send(_:token:now:)``:
///   with its reply, an error reply, or a ``RedisError``. A reply that is late fails its
///   command with ``RedisError/Kind/timedOut`` and closes the connection, since later
///   replies could no longer be matched; the other commands in flight fail with
///   ``RedisError/Kind/connectionLost``.
/// - Connecting: `connect`, then the handshake pipelined in one write: `AUTH` (when the URL
///   has a password), `SELECT` (database other than 0), `CLIENT SETNAME` (its refusal is
///   ignored). Commands sent meanwhile wait (their timeout running) and go out once it is
///   answered. The attempt must end within ``RedisSettings/connectTimeout``.
/// - Commands while there is no connection: they wait while an attempt is under way (the
///   first one, or the immediate reconnect after a working connection broke). Once an
///   attempt has failed, the link counts as down: what waits fails at once with that
///   attempt's error, and so does every command sent until an attempt succeeds. So with
///   Redis down, commands fail fast instead of piling up; they never hang.
/// - After a failed attempt, the next one comes after a backoff (``RedisBackoff``); a
///   connection that worked and broke is replaced at once.
/// - Keepalive: a `PING` when the connection has been quiet for
///   ``RedisSettings/keepaliveInterval``; its reply is dropped, its timeout is a command's.
/// - `-READONLY` (the server became a replica): the connection stops writing, lets the
///   replies in flight arrive and is then replaced.
/// - At most ``RedisSettings/maxQueuedCommands`` wait or are in flight.
struct RedisConnection {
    /// What the driver does next; it then reports the outcome with the event method named.
    enum Action: Sendable, Hashable {
        /// Open a socket to the server and start connecting: ``connectInProgress(now:)``,
        /// ``connected(now:)`` or ``connectFailed(_:now:)``.
        case connect
        /// Send ``withPendingOutput(_:)``: ``sent(_:now:)``, ``sendWouldBlock()`` or
        /// ``connectionFailed(_:now:)``.
        case send
        /// Close the socket, then report ``closed(now:)``.
        case close
        /// Nothing to do until the socket is ready for this (readable: read once and report
        /// ``bytesReceived(_:now:)``, ``peerClosed(now:)`` or ``connectionFailed(_:now:)``;
        /// writable: ``writable(now:)``) or ``nextDeadline`` passes (``timerFired(now:)``).
        case wait(Interest)
    }

    /// Where the connection is in its life.
    enum State: Equatable {
        /// No socket; the next attempt starts at `retryAt`.
        case disconnected(retryAt: UInt64)
        /// `connect` is under way; the attempt fails at `deadline`.
        case connecting(deadline: UInt64)
        /// Connected; the handshake's replies are awaited until `deadline`.
        case handshaking(deadline: UInt64)
        /// Commands go out as they come.
        case ready
        /// Stopped by its owner: every command fails.
        case stopped
    }

    /// A command written to the server whose reply is awaited.
    struct InFlight {
        /// Who waits for the reply.
        enum Purpose: Equatable {
            /// A caller's command: its reply completes `token`.
            case command(token: UInt64)
            /// A step of the handshake.
            case handshake(HandshakeStep)
            /// The keepalive `PING`: its reply is dropped.
            case keepalive
        }

        var purpose: Purpose
        /// The command's name, for messages.
        var name: String
        /// When a missing reply fails the command and closes the connection.
        var deadline: UInt64
    }

    /// A command waiting for the connection to be ready.
    struct Waiting {
        var command: RESPCommand
        var token: UInt64
        /// When it fails unsent if still waiting.
        var deadline: UInt64
    }

    /// The commands a new connection sends before any caller's.
    enum HandshakeStep: Equatable {
        case auth, select, setName
    }

    // Internal, not private: the extensions in RedisConnection+*.swift use them.
    /// Timeouts, backoff, keepalive and bounds.
    let settings: RedisSettings
    /// The server and the credentials for the handshake.
    let url: RedisURL
    /// `host:port`, as messages name the server.
    let endpoint: String
    /// The settings' durations in nanoseconds, the unit of `now`.
    let commandTimeout: UInt64
    let connectTimeout: UInt64
    let keepaliveInterval: UInt64
    var state: State
    /// The waits between failed attempts.
    var backoff: RedisBackoff
    /// The error of the last failed attempt while the link is down; nil while it is not.
    var downError: RedisError?
    /// The replies of the current connection (a new one per connection).
    var parser: RESPReplyParser
    /// Written, awaiting replies, oldest first: replies match them in this order.
    var inFlight = RedisFIFO<InFlight>()
    /// Not yet written, for want of a ready connection, oldest first.
    var waiting = RedisFIFO<Waiting>()
    /// Commands written and not yet sent.
    var output = OutgoingBytes()
    /// When bytes last went out or came in on the connection.
    var lastTraffic: UInt64 = 0
    /// The connection has answered a command or keepalive (not just the handshake) without
    /// an error: if it breaks, it is worth replacing at once. One that breaks before counts
    /// as a failed attempt, so that a server that accepts and drops connections is retried
    /// with backoff, not in a tight loop.
    var provedWorking = false
    /// A `-READONLY` came: write nothing more, replace the connection once the replies in
    /// flight are in.
    var replaceWhenDrained = false
    /// Finished commands, until ``takeCompletions()``.
    var completions: [RedisCompletion] = []

    /// A connection to `url`'s server, to be opened at once (the first action of
    /// ``timerFired(now:)``). `seed` drives the backoff's jitter.
    init(url: RedisURL, settings: RedisSettings = RedisSettings(), now: UInt64, seed: UInt64) {
        self.url = url
        self.settings = settings
        endpoint = url.host.contains(":") ? "[\(url.host)]:\(url.port)" : "\(url.host):\(url.port)"
        commandTimeout = settings.commandTimeout.nanoseconds
        connectTimeout = settings.connectTimeout.nanoseconds
        keepaliveInterval = max(settings.keepaliveInterval.nanoseconds, 1)
        backoff = RedisBackoff(
            first: settings.firstReconnectDelay.nanoseconds,
            maximum: settings.maxReconnectDelay.nanoseconds, seed: seed)
        parser = RESPReplyParser(limits: settings.parserLimits)
        state = .disconnected(retryAt: now)
    }

    // MARK: - Connecting

    /// The socket is connecting in the background: wait until it is writable.
    mutating func connectInProgress(now: UInt64) -> Action {
        guard case .connecting = state else { return unexpected() }
        return .wait(.writable)
    }

    /// The connection is made: the handshake goes out (or, with none to do, the commands).
    mutating func connected(now: UInt64) -> Action {
        guard case .connecting(let deadline) = state else { return unexpected() }
        lastTraffic = now
        if writeHandshake(deadline: deadline) {
            state = .handshaking(deadline: deadline)
        } else {
            becomeReady(now: now)
        }
        return nextAction(now: now)
    }

    /// The attempt failed before it connected (`reason`: the system's words, e.g.
    /// `Connection refused`).
    mutating func connectFailed(_ reason: String, now: UInt64) -> Action {
        guard case .connecting = state else { return unexpected() }
        return attemptFailed(RedisError(.connectFailed, "cannot connect to \(endpoint): \(reason)", mayHaveRun: false), now: now)
    }

    /// The socket the last ``Action/close`` named is closed.
    mutating func closed(now: UInt64) -> Action {
        nextAction(now: now)
    }

    // MARK: - Reading

    /// Bytes arrived from the server.
    mutating func bytesReceived(_ bytes: UnsafeRawBufferPointer, now: UInt64) -> Action {
        guard isConnected else { return unexpected() }
        lastTraffic = now
        parser.append(bytes)
        while true {
            let reply: RESPReply?
            do {
                reply = try parser.next()
            } catch {
                return protocolViolation(error.reason, command: nil, now: now)
            }
            guard let reply else { break }
            if let action = handle(reply, now: now) { return action }
        }
        if replaceWhenDrained && inFlight.isEmpty {
            return connectionLost("replaced after -READONLY", now: now)
        }
        return nextAction(now: now)
    }

    /// The server closed the connection (a read returned 0).
    mutating func peerClosed(now: UInt64) -> Action {
        guard isConnected else { return unexpected() }
        if case .connecting = state { return connectFailed("closed by the server", now: now) }
        return connectionLost("closed by the server", now: now)
    }

    /// A read or send failed (`reason`: the system's words, e.g. `Connection reset by peer`),
    /// or the connect did (the socket error after it became writable).
    mutating func connectionFailed(_ reason: String, now: UInt64) -> Action {
        switch state {
        case .connecting: return connectFailed(reason, now: now)
        case .handshaking, .ready: return connectionLost(reason, now: now)
        case .disconnected, .stopped: return unexpected()
        }
    }

    // MARK: - Writing

    /// The bytes to send next (only after ``Action/send``).
    mutating func withPendingOutput<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        output.withPending(body)
    }

    /// `count` bytes of the pending output were sent.
    mutating func sent(_ count: Int, now: UInt64) -> Action {
        guard isConnected else { return unexpected() }
        if count > 0 { lastTraffic = now }
        output.sent(count)
        return nextAction(now: now)
    }

    /// The socket's send buffer is full.
    mutating func sendWouldBlock() -> Action {
        output.blocked = true
        return .wait(interest)
    }

    /// The socket has room to write again.
    mutating func writable(now: UInt64) -> Action {
        output.blocked = false
        return nextAction(now: now)
    }

    /// The action for the output written since the last one: ``Action/send`` when there is
    /// some and the socket takes it, else a wait (for a driver that batches many
    /// ``send(_:token:now:)`` calls into one write).
    mutating func flush(now: UInt64) -> Action {
        nextAction(now: now)
    }

    // MARK: - State

    /// What the driver waits for while it waits: with a socket, always readable (a reply, or
    /// the server closing), writable too while output is blocked or a connect goes on.
    var interest: Interest {
        switch state {
        case .connecting: return .writable
        case .handshaking, .ready: return output.blocked ? [.readable, .writable] : .readable
        case .disconnected, .stopped: return []
        }
    }

    /// Whether commands go out as they come.
    var isReady: Bool { state == .ready && !replaceWhenDrained }

    /// Commands waiting for the connection plus commands in flight (keepalive and handshake
    /// included).
    var queuedCount: Int { waiting.count + inFlight.count }

    /// The consecutive failed attempts (0 while connected or before the first failure).
    var failedAttempts: Int { backoff.failures }

    /// The finished commands since the last call, in the order they finished.
    mutating func takeCompletions() -> [RedisCompletion] {
        var taken: [RedisCompletion] = []
        swap(&taken, &completions)
        return taken
    }

    /// Whether there are finished commands to take.
    var hasCompletions: Bool { !completions.isEmpty }

    /// Whether a socket is open (connecting, logging in or ready).
    var isConnected: Bool {
        switch state {
        case .connecting, .handshaking, .ready: return true
        case .disconnected, .stopped: return false
        }
    }

    /// Whether written commands wait to be sent.
    func hasPendingOutput() -> Bool { output.hasPending }

    /// The action once nothing more is to be done but send, connect or wait.
    mutating func nextAction(now: UInt64) -> Action {
        switch state {
        case .disconnected(let retryAt):
            guard now >= retryAt else { return .wait([]) }
            state = .connecting(deadline: Self.later(now, connectTimeout))
            output.blocked = false
            return .connect
        case .connecting:
            return .wait(.writable)
        case .handshaking, .ready:
            return output.canSend ? .send : .wait(interest)
        case .stopped:
            return .wait([])
        }
    }

    /// `span` nanoseconds after `time`, at most `UInt64.max`: a timeout of "forever"
    /// (`Duration` beyond 584 years) must not wrap around into the past.
    static func later(_ time: UInt64, _ span: UInt64) -> UInt64 {
        let (sum, overflow) = time.addingReportingOverflow(span)
        return overflow ? .max : sum
    }

    /// An event that cannot happen in this state (a driver bug): nothing changes.
    func unexpected() -> Action {
        assertionFailure("event in state \(state)")
        return .wait(interest)
    }
}

/// A command that finished: the caller's token and the reply or why there is none.
package struct RedisCompletion: Sendable {
    /// The token given to ``RedisConnection/send(_:token:now:)``.
    package var token: UInt64
    /// The reply (an error reply as a ``RedisError``), or the failure.
    package var result: Result<RESPReply, RedisError>
}
