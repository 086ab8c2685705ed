import FoundationEssentials
import Synchronization

/// The session store of a single Touchtone process: sessions in memory, sharded by callId.
///
/// Each shard is a `Dictionary` behind its own `Mutex`; a callId always maps to the same
/// shard (FNV-1a over its UTF-8 bytes, independent of the process's hash seed), so events
/// of different calls rarely wait for one another and events of one call are applied one
/// after the other.
///
/// **When full.** The store holds at most ``maxSessions`` sessions, counted across all
/// shards. A new call that would exceed it is refused (``InsertOutcome/full``) after the
/// store has dropped the idle sessions of the call's shard; calls already in the store are
/// never evicted to make room, so a caller halfway through a menu is never cut off by a
/// burst of new calls.
///
/// **Expiry.** A session expires when its `lastActivity` is more than ``idleTimeout``
/// before `now` (exactly at the timeout it is still live). ``sweep(now:)`` removes the
/// expired sessions of one shard per call, round-robin, so that one lock is held for about
/// `count / shardCount` entries at a time; call it regularly (for instance every
/// `idleTimeout / shardCount`, or more often) to cover the whole store within the timeout.
public final class InMemorySessionStore: SessionStore {
    /// How long a session may go without activity before a sweep removes it.
    public let idleTimeout: Duration
    /// The most sessions the store holds at once.
    public let maxSessions: Int
    /// The number of shards, a power of two.
    public let shardCount: Int

    private let idleSeconds: Double
    private let shards: [Shard]
    private let liveCount = Atomic<Int>(0)
    private let sweepCursor = Atomic<Int>(0)

    private final class Shard: Sendable {
        let sessions = Mutex<[CallID: Session]>([:])
    }

    /// Creates an empty store.
    ///
    /// - Parameters:
    ///   - idleTimeout: how long a session may stay idle before it expires (positive).
    ///   - maxSessions: the most sessions held at once (not negative); see the type's
    ///     documentation for what happens when the store is full.
    ///   - shards: the number of shards, a power of two from 1 to 65536. More shards mean
    ///     shorter lock holds per sweep and less contention, at about 100 bytes each.
    ///
    /// The arguments come from the program, not from callers, so invalid ones stop it.
    public init(idleTimeout: Duration = .seconds(2 * 60 * 60), maxSessions: Int = 1_000_000, shards: Int = 256) {
        precondition(idleTimeout > .zero, "InMemorySessionStore: idleTimeout must be positive")
        precondition(maxSessions >= 0, "InMemorySessionStore: maxSessions must not be negative")
        precondition(
            shards >= 1 && shards <= 65536 && shards & (shards - 1) == 0,
            "InMemorySessionStore: shards must be a power of two from 1 to 65536, got \(shards)")
        self.idleTimeout = idleTimeout
        self.maxSessions = maxSessions
        self.shardCount = shards
        let parts = idleTimeout.components
        self.idleSeconds = Double(parts.seconds) + Double(parts.attoseconds) / 1e18
        self.shards = (0..<shards).map { _ in Shard() }
    }

    /// Creates an empty store with the idle timeout in seconds.
    public convenience init(idleTimeoutSeconds: Double, maxSessions: Int = 1_000_000, shards: Int = 256) {
        self.init(idleTimeout: .milliseconds(Int64((idleTimeoutSeconds * 1000).rounded())), maxSessions: maxSessions, shards: shards)
    }

    // MARK: SessionStore

    /// Adds `session` unless its callId is present or the store is full.
    ///
    /// When the store is full, the idle sessions of the call's shard are expired first,
    /// taking the incoming session's `lastActivity` as the current time; those sessions
    /// are dropped without being reported (a sweep would have dropped them too).
    public func insert(_ session: Session) -> InsertOutcome {
        let key = session.callId
        return shard(for: key).sessions.withLock { sessions -> InsertOutcome in
            if let existing = sessions[key] {
                return .exists(existing)
            }
            if !reserveSlot() {
                let cutoff = expiryCutoff(now: session.lastActivity)
                let dropped = Self.removeExpired(from: &sessions, before: cutoff)
                liveCount.subtract(dropped.count, ordering: .relaxed)
                if dropped.isEmpty || !reserveSlot() {
                    return .full
                }
            }
            // `session.callId` is the key: key and value share one string buffer.
            sessions[key] = session
            return .inserted
        }
    }

    /// Runs `body` on the session of `callId` while holding its shard's lock.
    ///
    /// Keep `body` short: other calls of the same shard wait for it.
    public func update<R>(_ callId: CallID, _ body: (inout Session) throws -> R) rethrows -> R? {
        try shard(for: callId).sessions.withLock { sessions -> R? in
            guard let index = sessions.index(forKey: callId) else { return nil }
            return try body(&sessions.values[index])
        }
    }

    /// Removes and returns the session of `callId`.
    @discardableResult
    public func remove(_ callId: CallID) -> Session? {
        shard(for: callId).sessions.withLock { sessions in
            let removed = sessions.removeValue(forKey: callId)
            if removed != nil {
                liveCount.subtract(1, ordering: .relaxed)
            }
            return removed
        }
    }

    /// A copy of the session of `callId`.
    public func session(_ callId: CallID) -> Session? {
        shard(for: callId).sessions.withLock { $0[callId] }
    }

    /// The number of live sessions, across all shards (O(1)).
    public var count: Int {
        liveCount.load(ordering: .relaxed)
    }

    /// Removes the expired sessions of the next shard (round-robin) and returns them.
    ///
    /// `completedPass` is true when the swept shard was the last one, so that
    /// ``shardCount`` consecutive calls cover the whole store once.
    public func sweep(now: Date) -> SweepReport {
        let index = sweepCursor.wrappingAdd(1, ordering: .relaxed).oldValue & (shardCount - 1)
        let (expired, examined) = sweepShard(index, cutoff: expiryCutoff(now: now))
        return SweepReport(expired: expired, examined: examined, completedPass: index == shardCount - 1)
    }

    /// Every live session, shard by shard (each shard is copied under its lock, so the
    /// result is consistent per call but not a snapshot of the whole store at one instant).
    public func allSessions() -> [Session] {
        var result: [Session] = []
        result.reserveCapacity(count)
        for shard in shards {
            shard.sessions.withLock { result.append(contentsOf: $0.values) }
        }
        return result
    }

    // MARK: Beyond the protocol

    /// Sweeps every shard once, one lock at a time, and returns how many sessions expired.
    ///
    /// For tests and shutdown; a running server calls ``sweep(now:)`` instead. Leaves the
    /// round-robin cursor where it is.
    @discardableResult
    public func sweepAll(now: Date) -> Int {
        let cutoff = expiryCutoff(now: now)
        var expired = 0
        for index in 0..<shardCount {
            expired += sweepShard(index, cutoff: cutoff).expired.count
        }
        return expired
    }

    /// Inserts restored sessions (from ``SessionFile/read(from:limits:)``), skipping those
    /// already expired at `now` and those whose callId is present; stops when the store is
    /// full. Returns how many were inserted.
    ///
    /// Checking that a session's flow still exists at its `flowVersion` is the engine's job,
    /// before or after this call.
    @discardableResult
    public func restore(_ sessions: some Sequence<Session>, now: Date) -> Int {
        let cutoff = expiryCutoff(now: now)
        var inserted = 0
        for session in sessions where session.lastActivity >= cutoff {
            switch insert(session) {
            case .inserted: inserted += 1
            case .exists: continue
            case .full: return inserted
            }
        }
        return inserted
    }

    // MARK: Internals

    /// The shard of `callId`: FNV-1a (64 bit) over its UTF-8 bytes, folded, masked.
    private func shard(for callId: CallID) -> Shard {
        shards[Self.shardIndex(of: callId, mask: shardCount - 1)]
    }

    static func shardIndex(of callId: CallID, mask: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in callId.rawValue.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        // Fold the high bits in: the low bits of FNV-1a alone mix poorly.
        hash ^= hash >> 32
        return Int(truncatingIfNeeded: hash) & mask
    }

    /// Takes one slot of the global limit; false (and nothing taken) when full.
    private func reserveSlot() -> Bool {
        if liveCount.wrappingAdd(1, ordering: .relaxed).newValue <= maxSessions {
            return true
        }
        liveCount.subtract(1, ordering: .relaxed)
        return false
    }

    /// Sessions active before this instant have expired.
    private func expiryCutoff(now: Date) -> Date {
        now.addingTimeInterval(-idleSeconds)
    }

    private func sweepShard(_ index: Int, cutoff: Date) -> (expired: [Session], examined: Int) {
        // The expired sessions leave the lock in the returned array, so freeing them
        // happens after the lock is released.
        shards[index].sessions.withLock { sessions in
            let examined = sessions.count
            let expired = Self.removeExpired(from: &sessions, before: cutoff)
            liveCount.subtract(expired.count, ordering: .relaxed)
            return (expired, examined)
        }
    }

    /// Removes the sessions idle since before `cutoff` from one shard and returns them.
    ///
    /// Does not adjust the live count; callers do.
    private static func removeExpired(from sessions: inout [CallID: Session], before cutoff: Date) -> [Session] {
        var expired: [Session] = []
        for session in sessions.values where session.lastActivity < cutoff {
            expired.append(session)
        }
        guard !expired.isEmpty else { return [] }
        if expired.count == sessions.count {
            // Release the table too: after a burst, an empty shard should cost nothing.
            sessions = [:]
        } else {
            for session in expired {
                sessions.removeValue(forKey: session.callId)
            }
            // A Dictionary never shrinks on removal; rebuild one that a burst left mostly
            // empty, so memory follows the live sessions.
            if sessions.count * 8 < sessions.capacity && sessions.capacity > 64 {
                var compact = [CallID: Session](minimumCapacity: sessions.count)
                for (key, session) in sessions { compact[key] = session }
                sessions = compact
            }
        }
        return expired
    }
}
