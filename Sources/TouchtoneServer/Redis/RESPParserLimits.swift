/// Bounds on what one reply may make a ``RESPReplyParser`` hold. A reply beyond one of
/// them is a protocol error that ends the connection: a broken or hostile server cannot
/// make the client buffer without end.
package struct RESPParserLimits: Sendable, Hashable {
    /// Bytes of one bulk string.
    package var maxBulkLength: Int
    /// Elements of one array.
    package var maxArrayElements: Int
    /// Arrays inside arrays: 1 allows an array of plain values, 2 an array of arrays, ...
    package var maxDepth: Int
    /// Bytes of one line (a simple string, an error, an integer, a length), CRLF excluded.
    package var maxLineLength: Int
    /// Bytes of one whole reply on the wire, nested elements included: this bounds the
    /// memory a reply takes even when each of its parts is within its own bound.
    package var maxReplyBytes: Int

    /// Defaults for a session store: values up to 1 MiB, replies up to 4 MiB.
    package init(
        maxBulkLength: Int = 1 << 20, maxArrayElements: Int = 1 << 16, maxDepth: Int = 8,
        maxLineLength: Int = 64 * 1024, maxReplyBytes: Int = 4 << 20
    ) {
        self.maxBulkLength = maxBulkLength
        self.maxArrayElements = maxArrayElements
        self.maxDepth = maxDepth
        self.maxLineLength = maxLineLength
        self.maxReplyBytes = maxReplyBytes
    }
}
