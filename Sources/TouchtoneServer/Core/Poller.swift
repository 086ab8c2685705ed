import CTouchtoneSystem

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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

/// Which system facility an event loop waits with (`--event-backend`).
public enum EventBackend: String, Sendable, Hashable, CaseIterable {
    /// Linux's epoll: the fast path, and the default on Linux.
    case epoll
    /// POSIX `poll(2)`, with a pipe for wake-ups: portable, the default elsewhere.
    case poll

    /// epoll on Linux, poll elsewhere; `TOUCHTONE_EVENT_BACKEND` (`epoll` or `poll`) in
    /// `environment` overrides it.
    public static func standard(environment: [String: String]) -> EventBackend {
        if let name = environment["TOUCHTONE_EVENT_BACKEND"], let chosen = EventBackend(rawValue: name) { return chosen }
        #if os(Linux)
            return .epoll
        #else
            return .poll
        #endif
    }
}

/// One loop's set of watched descriptors, level-triggered, each registered with a token
/// that comes back with its events: an epoll instance, or a `poll(2)` set.
struct Poller: ~Copyable {
    /// Events one ``wait(into:timeoutMilliseconds:)`` reports at most.
    static let batchSize = 256

    let backend: EventBackend
    /// The epoll instance (epoll backend).
    private let fd: Int32
    /// The descriptors and their interests (poll backend).
    private let set: OpaquePointer?

    init(_ backend: EventBackend) throws(SystemError) {
        self.backend = backend
        switch backend {
        case .epoll:
            let fd = ctt_epoll_create()
            guard fd >= 0 else { throw SystemError("epoll_create1", code: -fd) }
            self.fd = fd
            set = nil
        case .poll:
            guard let set = ctt_pollset_create() else { throw SystemError("poll set", code: ENOMEM) }
            self.set = set
            fd = -1
        }
    }

    deinit {
        if let set { ctt_pollset_free(set) } else { ctt_close(fd) }
    }

    /// Starts watching `descriptor` for `interest`.
    func add(_ descriptor: Int32, _ interest: Interest, token: UInt64) throws(SystemError) {
        try control(.CTT_EPOLL_ADD, descriptor, interest, token)
    }

    /// Changes what `descriptor` is watched for.
    func modify(_ descriptor: Int32, _ interest: Interest, token: UInt64) throws(SystemError) {
        try control(.CTT_EPOLL_MODIFY, descriptor, interest, token)
    }

    /// Stops watching `descriptor`, registered with `token` (do it before closing it: a
    /// `poll(2)` set does not notice a close).
    func remove(_ descriptor: Int32, token: UInt64) {
        if let set {
            _ = ctt_pollset_ctl(set, .CTT_EPOLL_REMOVE, descriptor, 0, token)
        } else {
            _ = ctt_epoll_ctl(fd, .CTT_EPOLL_REMOVE, descriptor, 0, 0)
        }
    }

    private func control(
        _ operation: ctt_epoll_op, _ descriptor: Int32, _ interest: Interest,
        _ token: UInt64
    ) throws(SystemError) {
        if let set {
            let rc = ctt_pollset_ctl(set, operation, descriptor, interest.rawValue, token)
            guard rc == 0 else { throw SystemError("poll set", code: -rc) }
            return
        }
        let rc = ctt_epoll_ctl(fd, operation, descriptor, interest.rawValue, token)
        guard rc == 0 else { throw SystemError("epoll_ctl", code: -rc) }
    }

    /// Waits up to `timeoutMilliseconds` (0: do not wait) and fills `ready`; returns the count or `-errno`.
    func wait(into ready: inout ReadyList, timeoutMilliseconds: Int32) -> Int32 {
        let n = ready.tokens.withUnsafeMutableBufferPointer { tokens in
            ready.events.withUnsafeMutableBufferPointer { events in
                if let set {
                    ctt_pollset_wait(set, tokens.baseAddress, events.baseAddress, Int32(Self.batchSize), timeoutMilliseconds)
                } else {
                    ctt_epoll_wait(fd, tokens.baseAddress, events.baseAddress, Int32(Self.batchSize), timeoutMilliseconds)
                }
            }
        }
        ready.count = max(Int(n), 0)
        return n
    }

    /// The descriptors one wait found ready: their tokens and events, allocated once per loop.
    struct ReadyList {
        fileprivate var tokens = [UInt64](repeating: 0, count: Poller.batchSize)
        fileprivate var events = [UInt32](repeating: 0, count: Poller.batchSize)
        /// How many entries the last wait filled.
        fileprivate(set) var count = 0

        /// The token and events of entry `i` (below ``count``).
        subscript(i: Int) -> (token: UInt64, events: Interest) {
            (tokens[i], Interest(rawValue: events[i]))
        }
    }
}
