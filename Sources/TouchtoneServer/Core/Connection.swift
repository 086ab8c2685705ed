/// One client connection's life as a state machine: it reads requests, hands them out to be
/// answered, queues the answers in order and decides when to read, write, wait, time out,
/// half-close and close. It makes no system call: every event method returns the one
/// ``Action`` the caller (the ``EventLoop``) performs next, and the outcome of that action
/// comes back as the next event. So each rule below holds by construction and is tested by
/// feeding events (ConnectionStateMachineTests), without a socket.
///
/// Rules it keeps:
/// - Answers leave in the order of their requests: while one waits for a look-up, nothing
///   more is read, and pipelined requests are answered as they complete.
/// - Back-pressure: a client that does not read its answers is not read from either once
///   ``Limits/outputHighWater`` bytes wait to be sent.
/// - A request must arrive whole within the request timeout (else 408); a connection may
///   sit idle between requests for the idle timeout (for the first request, the shorter
///   of the two); a client that reads nothing is closed after the idle timeout.
/// - Keep-alive as the request asks (HTTP/1.0 only with `Connection: keep-alive`, said
///   back); never while the server stops.
/// - An answer that ends the connection because its request could not be read is followed
///   by a lingering close (RFC 9112 9.6): send it, shut the sending side, read and drop
///   what the client still sends within ``Limits/lingerTime``, ``Limits/lingerTimeout`` and
///   ``Limits/lingerBytes``, then close. The client reads the answer instead of a reset.
/// - When the server stops, an idle connection closes at once (after one last look for
///   bytes already received), one in flight after its answer, all at the grace deadline.
struct Connection {
    /// What the caller does next; it then reports the outcome with the event method named.
    enum Action: Equatable {
        /// Answer this request: ``answered(_:date:serverStopping:now:)`` or ``lookupStarted(now:)``.
        case handle(HTTPRequest)
        /// Answer that the request could not be read: ``answered(_:date:serverStopping:now:)``.
        /// It is the connection's last answer.
        case refuse(Refusal, String)
        /// Send ``withPendingOutput(_:)``: ``sent(_:now:)``, ``sendWouldBlock()`` or ``failed()``.
        case send
        /// Shut down the sending side (`shutdown(SHUT_WR)`): ``sendingSideShut(now:)`` or ``failed()``.
        case shutdownWrite
        /// Read once: ``bytesReceived(_:now:)``, ``peerClosed(now:)``, ``readWouldBlock(now:)`` or ``failed()``.
        case read
        /// Close the socket; the connection is over.
        case close
        /// Nothing to do until the socket is ready for this, a timer fires or a look-up ends.
        case wait(Interest)
    }

    /// The bounds a connection keeps, in monotonic nanoseconds and bytes.
    struct Limits: Sendable {
        var requestTimeout: UInt64
        var idleTimeout: UInt64
        var lingerTime: UInt64
        var lingerTimeout: UInt64
        var lingerBytes: Int
        /// Stop reading from a client whose answers pile up unread beyond this.
        var outputHighWater = 256 * 1024
        /// Output buffers grown beyond this are given back once sent.
        var outputKeptCapacity = 1 << 20

        init(_ limits: ServerLimits) {
            requestTimeout = limits.requestTimeout.nanoseconds
            idleTimeout = limits.idleTimeout.nanoseconds
            lingerTime = limits.lingerTime.nanoseconds
            lingerTimeout = limits.lingerTimeout.nanoseconds
            lingerBytes = limits.lingerBytes
        }
    }

    private enum State: Equatable {
        /// Reading requests, answering the complete ones in order; keep-alive in between.
        case reading
        /// ``Action/handle(_:)`` went out: the caller answers before anything else happens.
        case handling(Manner)
        /// The answer comes from a look-up off the loop; reading waits, so answers keep their order.
        case awaitingLookup(Manner)
        /// ``Action/refuse(_:_:)`` went out: the caller answers before anything else happens.
        case refusing
        /// The last answer is queued: once it is sent, close (lingering or not).
        case closingAfterWrite(linger: Bool)
        /// The sending side is shut; what the client still sends is dropped until it closes
        /// or a bound is reached.
        case lingering(until: UInt64, drained: Int)
        case closed
    }

    /// How the request being answered wants its answer.
    private struct Manner: Equatable {
        var keepAlive: Bool
        /// HTTP/1.0 keeps the connection only when the answer says so.
        var announceKeepAlive: Bool
    }

    private let limits: Limits
    private var state = State.reading
    private var parser: HTTPRequestParser
    private var output: OutgoingBytes
    /// Bytes arrived or an answer left since the parser last asked for more: parse again.
    private var mayHaveRequest = false
    /// The client shut its sending side: answer what is complete, then close.
    private var peerHasClosed = false
    /// Set when the server stops: the time every connection closes at the latest.
    private var stopDeadline: UInt64?
    private var lastActivity: UInt64
    /// When the request being read started; a busy pipelining client always has a partial
    /// request buffered, so each one's clock starts when the one before it completed.
    private var requestStartedAt: UInt64?
    private var requestCompleted = false
    /// Requests read on this connection.
    private(set) var servedRequests = 0

    init(parserLimits: HTTPParserLimits, limits: Limits, now: UInt64) {
        self.parser = HTTPRequestParser(limits: parserLimits)
        self.limits = limits
        self.output = OutgoingBytes(keptCapacity: limits.outputKeptCapacity)
        self.lastActivity = now
    }

    // MARK: - Reading

    /// Bytes arrived from the client.
    mutating func bytesReceived(_ bytes: UnsafeRawBufferPointer, now: UInt64) -> Action {
        lastActivity = now
        if case .lingering(let until, let drained) = state {
            let total = drained + bytes.count
            guard total <= limits.lingerBytes else { return close() }
            state = .lingering(until: until, drained: total)
            return .wait(.readable)
        }
        parser.append(bytes)
        mayHaveRequest = true
        return nextAction(now: now)
    }

    /// The client shut its sending side (a read returned 0).
    mutating func peerClosed(now: UInt64) -> Action {
        peerHasClosed = true
        if case .lingering = state { return close() }
        return nextAction(now: now)
    }

    /// A read found nothing to read.
    mutating func readWouldBlock(now: UInt64) -> Action {
        nextAction(now: now)
    }

    /// A read, send or shutdown failed (the client reset the connection): it is over.
    mutating func failed() -> Action {
        close()
    }

    // MARK: - Answering

    /// The answer to the request of ``Action/handle(_:)`` or ``Action/refuse(_:_:)``, or of
    /// a look-up that ended.
    /// - Parameter serverStopping: the server is stopping: the answer closes the connection.
    mutating func answered(_ response: HTTPResponse, date: [UInt8], serverStopping: Bool, now: UInt64) -> Action {
        switch state {
        case .handling(let manner), .awaitingLookup(let manner):
            let keepAlive = manner.keepAlive && !serverStopping
            HTTPResponseWriter.write(
                response, keepAlive: keepAlive, announceKeepAlive: manner.announceKeepAlive,
                date: date, into: &output.bytes)
            if case .awaitingLookup = state { lastActivity = now }
            state = keepAlive ? .reading : .closingAfterWrite(linger: false)
            mayHaveRequest = keepAlive
        case .refusing:
            HTTPResponseWriter.write(response, keepAlive: false, date: date, into: &output.bytes)
            state = .closingAfterWrite(linger: true)
        case .reading, .closingAfterWrite, .lingering, .closed:
            assertionFailure("an answer for no request")
            return close()
        }
        return nextAction(now: now)
    }

    /// The request of ``Action/handle(_:)`` is answered by a look-up off the loop; its answer
    /// comes with ``answered(_:date:serverStopping:now:)``.
    mutating func lookupStarted(now: UInt64) -> Action {
        guard case .handling(let manner) = state else {
            assertionFailure("a look-up for no request")
            return close()
        }
        state = .awaitingLookup(manner)
        return nextAction(now: now)
    }

    // MARK: - Writing

    /// The bytes to send next (only after ``Action/send``). Mutating only so that a caller
    /// holding the connection in a class property borrows it in place instead of copying it.
    mutating func withPendingOutput<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        output.withPending(body)
    }

    /// `count` bytes of the pending output were sent.
    mutating func sent(_ count: Int, now: UInt64) -> Action {
        // Progress, even on a slow reader, counts as activity for the idle check.
        lastActivity = now
        if output.sent(count) {
            // Reading may have paused at the high-water mark.
            mayHaveRequest = true
        }
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

    /// The sending side is shut down: drop what the client still sends, within bounds.
    mutating func sendingSideShut(now: UInt64) -> Action {
        lastActivity = now
        state = .lingering(until: now &+ limits.lingerTime, drained: 0)
        return .wait(.readable)
    }

    // MARK: - Time and stopping

    /// The loop's timer: timeouts and the stop deadline.
    mutating func timerFired(now: UInt64) -> Action {
        if let stopDeadline, now >= stopDeadline { return close() }
        let quiet = now &- lastActivity
        switch state {
        case .reading:
            if let started = requestStartedAt, now &- started > limits.requestTimeout {
                // A slow sender (or slowloris).
                requestStartedAt = nil
                state = .refusing
                return .refuse(.requestTimeout, "request not received in time")
            }
            if output.hasPending {
                // The client does not read its answers.
                if quiet > limits.idleTimeout { return close() }
            } else if !parser.hasPartialRequest {
                // Connected but silent: the first request gets the request timeout, not the idle one.
                let allowed = servedRequests == 0 ? min(limits.requestTimeout, limits.idleTimeout) : limits.idleTimeout
                if quiet > allowed { return close() }
            }
        case .closingAfterWrite:
            if quiet > limits.idleTimeout { return close() }
        case .lingering(let until, _):
            if now >= until || quiet > limits.lingerTimeout { return close() }
        case .awaitingLookup, .handling, .refusing, .closed:
            break
        }
        return .wait(interest)
    }

    /// The server stops: an idle connection closes (after one read for bytes already
    /// received), the others after their answer, all at `deadline` at the latest.
    mutating func stopRequested(deadline: UInt64, now: UInt64) -> Action {
        stopDeadline = deadline
        if isIdle { return .read }
        return nextAction(now: now)
    }

    // MARK: - State

    /// What the connection waits for while it waits.
    var interest: Interest {
        switch state {
        case .reading:
            let canRead = !peerHasClosed && output.pendingCount < limits.outputHighWater
            return (canRead ? Interest.readable : []).union(output.blocked ? .writable : [])
        case .awaitingLookup:
            // Reading goes on while the answer is awaited (no `epoll_ctl` per push) until
            // bytes of a next request arrive: they wait in the parser, and reading stops.
            let canRead = !peerHasClosed && stopDeadline == nil && parser.bufferedByteCount == 0
            return (canRead ? Interest.readable : []).union(output.blocked ? .writable : [])
        case .closingAfterWrite:
            return output.blocked ? .writable : []
        case .lingering:
            return .readable
        case .handling, .refusing, .closed:
            return []
        }
    }

    /// Between requests with nothing to send.
    var isIdle: Bool {
        state == .reading && !parser.hasPartialRequest && !output.hasPending
    }

    private mutating func close() -> Action {
        state = .closed
        return .close
    }

    private mutating func nextAction(now: UInt64) -> Action {
        switch state {
        case .reading:
            return readingAction(now: now)
        case .awaitingLookup:
            return output.canSend ? .send : .wait(interest)
        case .closingAfterWrite(let linger):
            if output.hasPending { return output.blocked ? .wait(interest) : .send }
            return linger && !peerHasClosed ? .shutdownWrite : close()
        case .lingering:
            return .wait(.readable)
        case .closed:
            return .close
        case .handling, .refusing:
            assertionFailure("the request must be answered first")
            return close()
        }
    }

    /// Takes the next complete request while the client reads its answers; else sends,
    /// closes or waits.
    private mutating func readingAction(now: UInt64) -> Action {
        while mayHaveRequest && output.pendingCount < limits.outputHighWater {
            switch parser.next() {
            case .request(let request):
                servedRequests += 1
                requestCompleted = true
                state = .handling(Manner(keepAlive: request.keepAlive, announceKeepAlive: request.minorVersion == 0))
                return .handle(request)
            case .sendContinue:
                output.bytes.appendLiteral("HTTP/1.1 100 Continue\r\n\r\n")
            case .failure(let error):
                state = .refusing
                return .refuse(error.refusal, error.reason)
            case .needMoreData:
                mayHaveRequest = false
            }
        }
        if parser.hasPartialRequest {
            if requestStartedAt == nil || requestCompleted { requestStartedAt = now }
        } else {
            requestStartedAt = nil
        }
        requestCompleted = false
        if output.canSend { return .send }
        if !output.hasPending && (peerHasClosed || (stopDeadline != nil && !parser.hasPartialRequest)) {
            // No more requests will come, or none is wanted.
            return close()
        }
        return .wait(interest)
    }
}
