/// Bytes written for a socket and not yet taken by it: what an HTTP ``Connection`` and a
/// ``RedisConnection`` each keep between writing an answer or a command and the socket
/// accepting it, possibly in several sends.
struct OutgoingBytes {
    /// The bytes written; the first ``sentCount`` of them are gone. Writers only append.
    var bytes: [UInt8] = []
    private var sentCount = 0
    /// The last send found the socket full: wait until it is writable.
    var blocked = false
    /// A buffer that a burst grew beyond this is given back once it drained.
    let keptCapacity: Int

    init(keptCapacity: Int = 1 << 20) {
        self.keptCapacity = keptCapacity
    }

    /// Bytes written and not yet sent.
    var pendingCount: Int { bytes.count - sentCount }
    var hasPending: Bool { sentCount < bytes.count }
    /// Whether a send now would move bytes: some are waiting and the socket is not full.
    var canSend: Bool { hasPending && !blocked }

    /// Calls `body` with the bytes still to send.
    mutating func withPending<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[sentCount...])) }
    }

    /// `count` of the pending bytes were sent; true when that was all of them.
    @discardableResult
    mutating func sent(_ count: Int) -> Bool {
        sentCount += count
        guard sentCount >= bytes.count else { return false }
        if bytes.capacity > keptCapacity { bytes = [] } else { bytes.removeAll(keepingCapacity: true) }
        sentCount = 0
        blocked = false
        return true
    }

    /// Forgets everything written (the connection is gone).
    mutating func discard() {
        bytes = []
        sentCount = 0
        blocked = false
    }
}
