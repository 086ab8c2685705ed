import Touchtone

/// How a ``RedisLink`` talks to its server: timeouts, reconnecting, keepalive and bounds.
/// The defaults suit a session store answering sipgate's pushes, which must be answered
/// well within about 10 seconds: a command gets 2 seconds, and with the server down,
/// commands fail at once instead of piling up.
package struct RedisSettings: Sendable, Hashable {
    /// How long a command may take from ``RedisLink/send(_:token:now:flush:)`` to its reply,
    /// waiting for the connection included. A late reply fails the command with
    /// ``RedisError/Kind/timedOut`` and, since the replies after it would be matched to
    /// the wrong commands, closes the connection (failing the others in flight).
    package var commandTimeout: Duration = .seconds(2)
    /// How long one attempt may take from `connect` until the handshake (`AUTH`,
    /// `SELECT`, `CLIENT SETNAME`) is answered.
    package var connectTimeout: Duration = .seconds(2)
    /// The wait before the first retry after a failed attempt; it doubles with each further
    /// failure up to ``maxReconnectDelay``, and each wait is drawn between half of it and
    /// all of it, so that many links do not all retry at once.
    package var firstReconnectDelay: Duration = .milliseconds(50)
    /// The longest wait between attempts.
    package var maxReconnectDelay: Duration = .seconds(2)
    /// A `PING` goes out when the connection has been quiet (nothing sent or received) this
    /// long, so that a dead server or a dropped route is noticed within this and the
    /// command timeout, before a command meets it.
    package var keepaliveInterval: Duration = .seconds(10)
    /// TCP keepalive probes in addition, for a peer that vanished while the link was
    /// quiet; nil: the system's default (off).
    package var tcpKeepalive: TCPKeepalive? = TCPKeepalive()
    /// Commands waiting for the connection and in flight together at most; one more fails
    /// at once with ``RedisError/Kind/overloaded``.
    package var maxQueuedCommands = 10_000
    /// Sent with `CLIENT SETNAME` after connecting, so that `CLIENT LIST` shows who is who;
    /// nil: not sent. A server that refuses it (an ACL without `CLIENT`) is no failure.
    package var clientName: String? = "touchtone"
    /// Bounds on each reply.
    package var parserLimits = RESPParserLimits()

    /// The defaults.
    package init() {}
}

/// TCP keepalive: the kernel probes a quiet connection and resets it when the peer is gone.
package struct TCPKeepalive: Sendable, Hashable {
    /// Seconds of silence before the first probe.
    package var idleSeconds: Int32
    /// Seconds between probes.
    package var intervalSeconds: Int32
    /// Unanswered probes before the connection is reset.
    package var probes: Int32

    /// After 30 s of silence, a probe every 10 s, reset after 3 unanswered.
    package init(idleSeconds: Int32 = 30, intervalSeconds: Int32 = 10, probes: Int32 = 3) {
        self.idleSeconds = idleSeconds
        self.intervalSeconds = intervalSeconds
        self.probes = probes
    }
}
