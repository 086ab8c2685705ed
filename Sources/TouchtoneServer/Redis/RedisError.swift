import Touchtone

/// Why a Redis command has no reply to show: the link could not deliver it, the server
/// refused it, or its reply was lost or late.
///
/// ``description`` is one line for a log: it names the command (never its arguments, so
/// never a password) and the server's address, and quotes a server's error text with
/// control characters escaped.
package struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    package enum Kind: Sendable, Hashable {
        /// No connection: refused, unreachable, not within the connect timeout. Also what a
        /// command gets at once while the link waits to try again after such a failure.
        case connectFailed
        /// The connection broke with the command in flight (closed, reset, or closed after
        /// another command timed out): it may or may not have run.
        case connectionLost
        /// No reply within the command timeout (counted from ``RedisLink/send(_:token:now:flush:)``).
        case timedOut
        /// The server sent bytes that are not RESP2 within the parser's bounds.
        case protocolViolation
        /// `AUTH` refused (`-WRONGPASS`), or a command refused for want of it (`-NOAUTH`).
        case authenticationFailed
        /// `SELECT` refused while connecting.
        case handshakeFailed
        /// `-LOADING`: the server is loading its data after a restart; try again later.
        case loading
        /// `-READONLY`: the server is a replica (after a failover); the link reconnects.
        case readOnly
        /// `-NOSCRIPT`: `EVALSHA` of a script the server does not have; send `EVAL`.
        case noScript
        /// Any other error reply: `-ERR`, `-WRONGTYPE`, `-OOM`, `-BUSY`, ...
        case server
        /// Too many commands wait or are in flight on the link.
        case overloaded
        /// The link was stopped by its owner.
        case stopped
    }

    /// What went wrong.
    package var kind: Kind
    /// One line: what happened, without the `redis:` prefix.
    package var message: String
    /// Whether the command reached the server, so that it may have run (a lost or late
    /// reply) or did run (an error reply). False: it was never sent and surely did not run.
    package var mayHaveRun: Bool

    /// An error of `kind` explained by `message` (one line, no secrets).
    package init(_ kind: Kind, _ message: String, mayHaveRun: Bool) {
        self.kind = kind
        self.message = message
        self.mayHaveRun = mayHaveRun
    }

    /// `redis: GET: no reply within 2000 ms`.
    package var description: String { "redis: " + message }

    /// The same error for a command that was never sent.
    func notSent() -> RedisError {
        var copy = self
        copy.mayHaveRun = false
        return copy
    }

    /// The same error, its message starting with the command's name (`GET: ...`).
    func naming(_ command: String) -> RedisError {
        var copy = self
        copy.message = "\(command): \(message)"
        return copy
    }

    /// The error for the error reply `text` (`ERR unknown command`) to `command`.
    package static func serverReply(_ text: String, command: String) -> RedisError {
        let code = serverCode(text)
        let kind: Kind =
            switch code {
            case "LOADING": .loading
            case "READONLY": .readOnly
            case "NOSCRIPT": .noScript
            case "NOAUTH", "WRONGPASS": .authenticationFailed
            default: .server
            }
        return RedisError(kind, "\(command): \(shown(text))", mayHaveRun: true)
    }

    /// The first word of an error reply (`WRONGTYPE` of `WRONGTYPE Operation against ...`).
    package static func serverCode(_ text: String) -> String {
        String(decoding: Array(text.utf8.prefix { $0 != UInt8(ascii: " ") }.prefix(32)), as: UTF8.self)
    }

    /// A server's text as a log line may show it: at most 200 characters, control
    /// characters escaped.
    static func shown(_ text: String) -> String {
        text.quotedForMessage(limit: 200, quote: "")
    }
}
