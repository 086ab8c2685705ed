import Synchronization
import Touchtone

/// What one loop counts about its session store link, for `/metrics`.
struct StoreCounts: Sendable {
    /// Upper bounds of the round-trip histogram, in microseconds.
    static let roundTripBucketsMicroseconds: [Int] = [
        50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 50_000, 250_000, 1_000_000, 5_000_000,
    ]

    var roundTripCounts = [Int](repeating: 0, count: StoreCounts.roundTripBucketsMicroseconds.count + 1)
    var roundTripSumMicroseconds = 0
    var roundTrips = 0
    /// Failed commands, by what went wrong (`timeout`, `connection`, `server`, ...).
    var errorsByKind: [String: Int] = [:]
    /// Writes that met another change of the call first and were applied again.
    var conflicts = 0
    /// Stored sessions this build could not read.
    var unreadable = 0
    /// Times the link became ready again after being down.
    var reconnects = 0
    /// The link has been up once (its first connection is no reconnect).
    var everUp = false

    mutating func merge(_ other: StoreCounts) {
        for i in roundTripCounts.indices { roundTripCounts[i] += other.roundTripCounts[i] }
        roundTripSumMicroseconds += other.roundTripSumMicroseconds
        roundTrips += other.roundTrips
        for (kind, count) in other.errorsByKind { errorsByKind[kind, default: 0] += count }
        conflicts += other.conflicts
        unreadable += other.unreadable
        reconnects += other.reconnects
    }
}

/// One loop's ``StoreCounts`` behind an uncontended lock, and whether its link is up.
final class StoreStats: Sendable {
    let counts = Lock(StoreCounts())
    /// The loop's link is connected and answering (read by `/healthz`).
    let up = Atomic<Bool>(false)

    func observe(roundTripNanoseconds: UInt64) {
        let micros = Int(roundTripNanoseconds / 1_000)
        counts.withLock { c in
            var i = 0
            let bounds = StoreCounts.roundTripBucketsMicroseconds
            while i < bounds.count, micros > bounds[i] { i += 1 }
            c.roundTripCounts[i] += 1
            c.roundTripSumMicroseconds += micros
            c.roundTrips += 1
        }
    }

    func count(_ error: RedisError) {
        let kind: String =
            switch error.kind {
            case .timedOut: "timeout"
            case .connectFailed, .connectionLost, .stopped: "connection"
            case .overloaded: "overloaded"
            case .authenticationFailed, .handshakeFailed: "auth"
            case .loading, .readOnly: "unavailable"
            case .protocolViolation: "protocol"
            case .noScript, .server: "server"
            }
        counts.withLock { $0.errorsByKind[kind, default: 0] += 1 }
    }

    func countConflict() { counts.withLock { $0.conflicts += 1 } }

    func countUnreadable() { counts.withLock { $0.unreadable += 1 } }

    /// Records whether the link is up now; counts a return after a fall.
    func linkIs(up isUp: Bool) {
        let was = up.exchange(isUp, ordering: .relaxed)
        guard isUp && !was else { return }
        counts.withLock { c in
            if c.everUp { c.reconnects += 1 }
            c.everUp = true
        }
    }
}
