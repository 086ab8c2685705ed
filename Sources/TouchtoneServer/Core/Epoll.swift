import CTouchtoneSystem

/// What a descriptor waits for, and what epoll reports ready.
struct Interest: OptionSet, Sendable, Hashable {
    let rawValue: UInt32

    /// Bytes (or the end of the stream) to read; a listener: a connection to accept.
    static let readable = Interest(rawValue: CTT_EV_IN)
    /// Room to write.
    static let writable = Interest(rawValue: CTT_EV_OUT)
    /// An error on the socket (always reported, never asked for).
    static let error = Interest(rawValue: CTT_EV_ERR)
    /// Both directions are closed (always reported, never asked for).
    static let hangUp = Interest(rawValue: CTT_EV_HUP)
}

/// One loop's epoll instance, level-triggered, each descriptor registered with a token that
/// comes back with its events.
struct Epoll: ~Copyable {
    /// Events one ``wait(into:timeoutMilliseconds:)`` reports at most.
    static let batchSize = 256

    private let fd: Int32

    init() throws(SystemError) {
        let fd = ctt_epoll_create()
        guard fd >= 0 else { throw SystemError("epoll_create1", code: -fd) }
        self.fd = fd
    }

    deinit { ctt_close(fd) }

    /// Starts watching `descriptor` for `interest`.
    func add(_ descriptor: Int32, _ interest: Interest, token: UInt64) throws(SystemError) {
        try control(.CTT_EPOLL_ADD, descriptor, interest, token)
    }

    /// Changes what `descriptor` is watched for.
    func modify(_ descriptor: Int32, _ interest: Interest, token: UInt64) throws(SystemError) {
        try control(.CTT_EPOLL_MODIFY, descriptor, interest, token)
    }

    /// Stops watching `descriptor` (closing it would too, unless it was duplicated).
    func remove(_ descriptor: Int32) {
        _ = ctt_epoll_ctl(fd, .CTT_EPOLL_REMOVE, descriptor, 0, 0)
    }

    private func control(
        _ operation: ctt_epoll_op, _ descriptor: Int32, _ interest: Interest,
        _ token: UInt64
    ) throws(SystemError) {
        let rc = ctt_epoll_ctl(fd, operation, descriptor, interest.rawValue, token)
        guard rc == 0 else { throw SystemError("epoll_ctl", code: -rc) }
    }

    /// Waits up to `timeoutMilliseconds` (0: do not wait) and fills `ready`; returns the count or `-errno`.
    func wait(into ready: inout ReadyList, timeoutMilliseconds: Int32) -> Int32 {
        let n = ready.tokens.withUnsafeMutableBufferPointer { tokens in
            ready.events.withUnsafeMutableBufferPointer { events in
                ctt_epoll_wait(fd, tokens.baseAddress, events.baseAddress, Int32(Self.batchSize), timeoutMilliseconds)
            }
        }
        ready.count = max(Int(n), 0)
        return n
    }

    /// The descriptors one wait found ready: their tokens and events, allocated once per loop.
    struct ReadyList {
        fileprivate var tokens = [UInt64](repeating: 0, count: Epoll.batchSize)
        fileprivate var events = [UInt32](repeating: 0, count: Epoll.batchSize)
        /// How many entries the last wait filled.
        fileprivate(set) var count = 0

        /// The token and events of entry `i` (below ``count``).
        subscript(i: Int) -> (token: UInt64, events: Interest) {
            (tokens[i], Interest(rawValue: events[i]))
        }
    }
}
