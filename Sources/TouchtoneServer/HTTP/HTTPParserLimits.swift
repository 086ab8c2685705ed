/// Bounds on what one request may make the parser hold.
struct HTTPParserLimits: Sendable, Hashable {
    /// Bytes of the request line and header fields together (beyond: 431).
    var maxHeaderBytes: Int
    /// Number of header fields (beyond: 431).
    var maxHeaderCount: Int
    /// Bytes of the (de-chunked) body (beyond: 413).
    var maxBodyBytes: Int

    init(maxHeaderBytes: Int = 8 * 1024, maxHeaderCount: Int = 64, maxBodyBytes: Int = 64 * 1024) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}
