/// Why the bytes from the server are not a RESP2 reply within the ``RESPParserLimits``.
/// The stream cannot be read further (reply boundaries are lost): the connection closes.
package struct RESPProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which rule the reply broke.
    package enum Kind: Sendable, Hashable {
        /// Not RESP2: an unknown type byte, a malformed number, a missing CRLF.
        case malformed
        /// A line longer than ``RESPParserLimits/maxLineLength``.
        case lineTooLong
        /// A bulk string longer than ``RESPParserLimits/maxBulkLength``.
        case bulkTooLong
        /// An array with more elements than ``RESPParserLimits/maxArrayElements``.
        case tooManyElements
        /// Arrays nested deeper than ``RESPParserLimits/maxDepth``.
        case tooDeep
        /// A reply longer than ``RESPParserLimits/maxReplyBytes``.
        case replyTooLarge
    }

    /// Which rule the reply broke.
    package var kind: Kind
    /// One line saying what was wrong; it quotes no bytes of the reply but one type byte.
    package var reason: String

    /// A protocol error of `kind`, explained by `reason`.
    package init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    /// The reason.
    package var description: String { reason }
}
