import Touchtone

/// One RESP2 reply from Redis.
///
/// A top-level error reply reaches a command's caller as a ``RedisError``; ``error(_:)``
/// appears here only inside an array (a transaction's or a script's results).
package enum RESPReply: Sendable, Hashable {
    /// `+OK`: a short status text.
    case simpleString(String)
    /// `-ERR message`: the text after the `-`, its first word the error's code.
    case error(String)
    /// `:42`.
    case integer(Int)
    /// `$3\r\nabc`: any bytes.
    case bulkString([UInt8])
    /// `*2\r\n...`: replies, nested arrays among them.
    case array([RESPReply])
    /// `$-1` (a missing value) or `*-1` (e.g. a transaction aborted by `WATCH`).
    case null

    /// The text of a simple string, or of a bulk string that is UTF-8; else nil.
    package var string: String? {
        switch self {
        case .simpleString(let text): return text
        case .bulkString(let bytes): return bytes.withUnsafeBufferPointer { String(checkingUTF8: $0) }
        default: return nil
        }
    }

    /// The bytes of a bulk string (or a simple string's UTF-8); else nil.
    package var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes): return bytes
        case .simpleString(let text): return Array(text.utf8)
        default: return nil
        }
    }

    /// The value of an integer reply; else nil.
    package var integer: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The elements of an array reply; else nil.
    package var array: [RESPReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// Whether this is the null reply.
    package var isNull: Bool { self == .null }

    /// Whether this is `+OK`.
    package var isOK: Bool { self == .simpleString("OK") }
}
