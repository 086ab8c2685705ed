import FoundationEssentials
import Synchronization

/// The session store of a single Touchtone process: sessions in memory, sharded by callId.
///
/// Each shard is a compact table of its own (sessions packed in chunks, an open-addressing
/// index) behind its own lock; a callId always maps to the same
/// shard (from its hash, seeded per process so that no caller can aim calls at one shard), so events
/// of different calls rarely wait for one another and events of one call are applied one
/// after the other. Two callIds are the same call when their UTF-8 bytes are the same.
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
        let sessions = Lock(SessionTable())
    }

    /// Creates an empty store.
    ///
    /// - Parameters:
    ///   - idleTimeout: how long a session may stay idle before it expires (positive).
    ///   - maxSessions: the most sessions held at once (not negative); see the type's
    ///     documentation for what happens when the store is full.
    ///   - shards: the number of shards, a power of two from 1 to 65536. More shards mean
    ///     shorter lock holds per sweep and less contention, at under 100 bytes each.
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
        self.idleSeconds = idleTimeout.timeInterval
        self.shards = (0..<shards).map { _ in Shard() }
    }

    /// Creates an empty store with the idle timeout in seconds (positive and finite).
    public convenience init(idleTimeoutSeconds: Double, maxSessions: Int = 1_000_000, shards: Int = 256) {
        precondition(
            idleTimeoutSeconds.isFinite && idleTimeoutSeconds > 0 && idleTimeoutSeconds < 1e12,
            "InMemorySessionStore: idleTimeoutSeconds must be positive and finite, got \(idleTimeoutSeconds)")
        self.init(idleTimeout: .seconds(idleTimeoutSeconds), maxSessions: maxSessions, shards: shards)
    }

    // MARK: SessionStore

    /// Adds `session` unless its callId is present or the store is full.
    ///
    /// When the store is full, the idle sessions of the call's shard are expired first,
    /// taking the incoming session's `lastActivity` as the current time; those sessions
    /// are dropped without being reported (a sweep would have dropped them too).
    public func insert(_ session: Session) -> InsertOutcome {
        let key = session.callId.storage
        let hash = key.keyHash
        // Expired sessions dropped to make room are freed after the lock is released.
        let (outcome, _) = shard(hash).sessions.withLock { sessions -> (InsertOutcome, Removal) in
            if let slot = sessions.find(key, hash: hash) {
                return (.exists(sessions[slot]), .none)
            }
            var removal = Removal.none
            if !reserveSlot() {
                removal = removeExpired(from: &sessions, before: expiryCutoff(now: session.lastActivity))
                if removal.count == 0 || !reserveSlot() {
                    return (.full, removal)
                }
            }
            sessions.append(session, hash: hash)
            return (.inserted, removal)
        }
        return outcome
    }

    /// Runs `body` on the session of `callId` while holding its shard's lock.
    ///
    /// `body` changes the stored session in place (no copy per event), so changes made
    /// before `body` throws are kept. Keep `body` short and never call the store from it:
    /// other calls of the same shard wait for it, and the lock is not reentrant. The callId
    /// is the session's key and stays: a change `body` makes to it is undone.
    public func update<R>(_ callId: CallID, _ body: (inout Session) throws -> R) rethrows -> R? {
        let key = callId.storage
        let hash = key.keyHash
        return try shard(hash).sessions.withLock { sessions -> R? in
            guard let slot = sessions.find(key, hash: hash) else { return nil }
            // The callId is the session's key: one changed by `body` is put back.
            defer {
                if !sessions[slot].callId.storage.isSameKey(as: key) { sessions[slot].callId = callId }
            }
            return try body(&sessions[slot])
        }
    }

    /// Removes and returns the session of `callId`.
    @discardableResult
    public func remove(_ callId: CallID) -> Session? {
        let key = callId.storage
        let hash = key.keyHash
        return shard(hash).sessions.withLock { sessions in
            guard let slot = sessions.find(key, hash: hash) else { return nil }
            liveCount.subtract(1, ordering: .relaxed)
            return sessions.remove(at: slot, hash: hash)
        }
    }

    /// A copy of the session of `callId`.
    public func session(_ callId: CallID) -> Session? {
        let key = callId.storage
        let hash = key.keyHash
        return shard(hash).sessions.withLock { sessions in
            sessions.find(key, hash: hash).map { sessions[$0] }
        }
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
        let (removal, examined) = sweepShard(index, cutoff: expiryCutoff(now: now))
        return SweepReport(expired: removal.sessions, examined: examined, completedPass: index == shardCount - 1)
    }

    /// Every live session, shard by shard (each shard is copied under its lock, so the
    /// result is consistent per call but not a snapshot of the whole store at one instant).
    public func allSessions() -> [Session] {
        var result: [Session] = []
        result.reserveCapacity(count)
        for shard in shards {
            // swift-format-ignore: ReplaceForEachWithForLoop
            // A SessionTable is not a Sequence: its forEach walks the slots in place.
            shard.sessions.withLock { $0.forEach { result.append($0) } }
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
            expired += sweepShard(index, cutoff: cutoff).removal.count
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

    /// The sessions the shards' tables have room for without growing (for tests).
    var tableCapacity: Int {
        shards.reduce(0) { total, shard in total + shard.sessions.withLock { $0.capacity } }
    }

    /// The shard of the key whose `keyHash` is `hash`.
    private func shard(_ hash: UInt64) -> Shard {
        shards[Self.shardIndex(ofHash: hash, mask: shardCount - 1)]
    }

    /// The shard index of `callId` under `mask` (shard count - 1).
    static func shardIndex(of callId: CallID, mask: Int) -> Int {
        shardIndex(ofHash: callId.storage.keyHash, mask: mask)
    }

    /// The top bits of the hash, multiplied through: a shard's table uses the hash's own
    /// top and bottom bits for its index, which must stay evenly spread within a shard.
    @inline(__always)
    private static func shardIndex(ofHash hash: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
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

    /// Sessions taken out of a shard under its lock, to be freed (and, for a report,
    /// listed) after the lock is released.
    private enum Removal {
        case none
        /// The removed sessions.
        case sessions([Session])
        /// The removed sessions in the chunks they filled, `count` in all.
        case chunks([[Session]], count: Int)

        var count: Int {
            switch self {
            case .none: 0
            case .sessions(let sessions): sessions.count
            case .chunks(_, let count): count
            }
        }

        var sessions: [Session] {
            switch self {
            case .none: []
            case .sessions(let sessions): sessions
            case .chunks(let chunks, _): Array(chunks.joined())
            }
        }
    }

    private func sweepShard(_ index: Int, cutoff: Date) -> (removal: Removal, examined: Int) {
        shards[index].sessions.withLock { sessions in
            let examined = sessions.count
            return (removeExpired(from: &sessions, before: cutoff), examined)
        }
    }

    /// Removes the sessions idle since before `cutoff` from one shard (whose lock the
    /// caller holds) and lowers the live count by their number.
    ///
    /// Kept short under the lock: a few expired sessions are taken out one by one; when
    /// many expire (a burst of calls ending together), the survivors are moved to the
    /// front, the chunks behind them leave the lock whole and the index is rebuilt once.
    /// The expired sessions are freed after the lock is released, never under it.
    private func removeExpired(from sessions: inout SessionTable, before cutoff: Date) -> Removal {
        let expiredCount = sessions.countIdle(before: cutoff)
        guard expiredCount > 0 else { return .none }
        liveCount.subtract(expiredCount, ordering: .relaxed)
        if expiredCount * 8 < sessions.count {
            return .sessions(sessions.removeIdle(before: cutoff, count: expiredCount))
        }
        return .chunks(sessions.detachIdle(before: cutoff), count: expiredCount)
    }
}
