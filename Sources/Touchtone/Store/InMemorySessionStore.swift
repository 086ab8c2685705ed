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
        let parts = idleTimeout.components
        self.idleSeconds = Double(parts.seconds) + Double(parts.attoseconds) / 1e18
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

/// The sessions of one shard, found by callId.
///
/// Sessions lie densely in chunks of ``chunkSize`` (a chunk is never reallocated, so the
/// table grows without copying every session or holding two copies for a moment; removing
/// one moves the last session into its slot). An open-addressing index (linear probing,
/// at most 3/4 full) maps callIds to slots: each entry is the slot + 1 in its low
/// `slotBits` bits and the key hash's high bits above, 0 for an empty bucket.
struct SessionTable: Sendable {
    static let chunkShift = 5
    static let chunkSize = 1 << chunkShift
    private static let chunkMask = chunkSize - 1

    private var chunks: [[Session]] = []
    private(set) var count = 0
    private var index: [UInt32] = []
    /// log2(index.count) + 1: room for any slot + 1.
    private var slotBits: UInt32 = 0

    /// The sessions the chunks have room for.
    var capacity: Int { chunks.reduce(0) { $0 + $1.capacity } }

    /// The session in `slot`, changed in place.
    subscript(slot: Int) -> Session {
        get { chunks[slot >> Self.chunkShift][slot & Self.chunkMask] }
        _modify { yield &chunks[slot >> Self.chunkShift][slot & Self.chunkMask] }
    }

    func forEach(_ body: (Session) -> Void) {
        for chunk in chunks {
            for session in chunk { body(session) }
        }
    }

    /// The slot of `key` (whose `keyHash` is `hash`), if present.
    func find(_ key: CompactCallID, hash: UInt64) -> Int? {
        guard !index.isEmpty else { return nil }
        let mask = index.count - 1
        let tag = tag(of: hash)
        var bucket = home(of: hash)
        while true {
            let entry = index[bucket]
            if entry == 0 { return nil }
            if entry & ~slotMask == tag {
                let slot = Int(entry & slotMask) - 1
                if self.key(at: slot).isSameKey(as: key) { return slot }
            }
            bucket = (bucket + 1) & mask
        }
    }

    /// Adds `session`, whose key (with `keyHash` `hash`) must not be present.
    mutating func append(_ session: Session, hash: UInt64) {
        if (count + 1) * 4 > index.count * 3 {
            rebuildIndex(capacity: Swift.max(16, index.count * 2))
        }
        if chunks.isEmpty || chunks[chunks.count - 1].count == Self.chunkSize {
            var chunk: [Session] = []
            // The first chunk grows as sessions come: small shards stay small.
            if !chunks.isEmpty { chunk.reserveCapacity(Self.chunkSize) }
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(session)
        count += 1
        place(slot: count - 1, hash: hash)
    }

    /// Removes and returns the session in `slot` (whose key's `keyHash` is `hash`, when
    /// known); the last session moves into it.
    mutating func remove(at slot: Int, hash: UInt64? = nil) -> Session {
        unplace(slot: slot, hash: hash ?? key(at: slot).keyHash)
        let last = count - 1
        var removed = chunks[chunks.count - 1].removeLast()
        if slot != last {
            swap(&removed, &chunks[slot >> Self.chunkShift][slot & Self.chunkMask])
            repoint(from: last, to: slot, hash: key(at: slot).keyHash)
        }
        if chunks[chunks.count - 1].isEmpty { chunks.removeLast() }
        count -= 1
        if count == 0 {
            chunks = []
            index = []
            slotBits = 0
        } else if count * 8 < index.count && index.count > 16 {
            rebuildIndex(capacity: Self.indexCapacity(for: count))
        }
        return removed
    }

    /// The number of sessions idle since before `cutoff`.
    func countIdle(before cutoff: Date) -> Int {
        var idle = 0
        for chunk in chunks {
            for offset in chunk.indices where chunk[offset].lastActivity < cutoff { idle += 1 }
        }
        return idle
    }

    /// Removes the `expected` sessions idle since before `cutoff` and returns them.
    mutating func removeIdle(before cutoff: Date, count expected: Int) -> [Session] {
        var removed: [Session] = []
        removed.reserveCapacity(expected)
        var slot = 0
        while slot < count {
            if chunks[slot >> Self.chunkShift][slot & Self.chunkMask].lastActivity < cutoff {
                removed.append(remove(at: slot))  // the last session is now in `slot`
            } else {
                slot += 1
            }
        }
        return removed
    }

    /// Moves the sessions idle since before `cutoff` out of the table, in chunks (whole
    /// chunks are handed over, not copied), and rebuilds the index for the others.
    mutating func detachIdle(before cutoff: Date) -> [[Session]] {
        // Survivors to the front, in order; the idle ones end up behind them.
        var live = 0
        for slot in 0..<count where chunks[slot >> Self.chunkShift][slot & Self.chunkMask].lastActivity >= cutoff {
            if slot != live { swapSlots(slot, live) }
            live += 1
        }
        guard live < count else { return [] }
        var detached: [[Session]] = []
        let firstWholeChunk = (live + Self.chunkMask) >> Self.chunkShift
        while chunks.count > firstWholeChunk {
            detached.append(chunks.removeLast())
        }
        if live & Self.chunkMask != 0 {
            let boundary = live >> Self.chunkShift
            let offset = live & Self.chunkMask
            detached.append(Array(chunks[boundary][offset...]))
            chunks[boundary].removeSubrange(offset...)
        }
        count = live
        if count == 0 {
            chunks = []
            index = []
            slotBits = 0
        } else {
            rebuildIndex(capacity: Self.indexCapacity(for: count))
        }
        return detached
    }

    /// Exchanges two sessions without copying them (moves, no reference counting).
    private mutating func swapSlots(_ a: Int, _ b: Int) {
        let (chunkA, offsetA) = (a >> Self.chunkShift, a & Self.chunkMask)
        let (chunkB, offsetB) = (b >> Self.chunkShift, b & Self.chunkMask)
        if chunkA == chunkB {
            chunks[chunkA].swapAt(offsetA, offsetB)
            return
        }
        var other: [Session] = []
        swap(&other, &chunks[chunkB])
        swap(&chunks[chunkA][offsetA], &other[offsetB])
        swap(&other, &chunks[chunkB])
    }

    // MARK: Index

    private var slotMask: UInt32 { slotBits >= 32 ? .max : (1 << slotBits) - 1 }

    /// log2(index.count).
    private var indexBits: UInt32 { slotBits &- 1 }

    /// The bucket where the search for `hash` starts: the top bits of the hash's high half,
    /// which an entry keeps (up to 2^15 buckets), so that moving entries needs no rehash.
    private func home(of hash: UInt64) -> Int {
        if indexBits <= 15 {
            return Int(truncatingIfNeeded: hash >> (64 - UInt64(indexBits)))
        }
        return Int(truncatingIfNeeded: hash) & (index.count - 1)
    }

    /// The home bucket of the session an index entry points at.
    private func homeOfEntry(_ entry: UInt32) -> Int {
        if indexBits <= 15 {
            // The entry's top 31 - indexBits bits are the hash's, at least indexBits of them.
            return Int(entry >> (32 - indexBits))
        }
        return home(of: key(at: Int(entry & slotMask) - 1).keyHash)
    }

    private func tag(of hash: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: hash >> 32) & ~slotMask
    }

    private func key(at slot: Int) -> CompactCallID {
        chunks[slot >> Self.chunkShift][slot & Self.chunkMask].callId.storage
    }

    /// The smallest index (a power of two, at least 16) that holds `sessions` at most 3/4 full.
    private static func indexCapacity(for sessions: Int) -> Int {
        var capacity = 16
        while sessions * 4 > capacity * 3 { capacity *= 2 }
        return capacity
    }

    private mutating func rebuildIndex(capacity: Int) {
        index = [UInt32](repeating: 0, count: capacity)
        slotBits = UInt32(capacity.trailingZeroBitCount + 1)
        for slot in 0..<count {
            place(slot: slot, hash: key(at: slot).keyHash)
        }
    }

    private mutating func place(slot: Int, hash: UInt64) {
        let mask = index.count - 1
        var bucket = home(of: hash)
        while index[bucket] != 0 { bucket = (bucket + 1) & mask }
        index[bucket] = tag(of: hash) | UInt32(slot + 1)
    }

    /// The bucket holding `slot`, whose key hashes to `hash`.
    private func bucket(of slot: Int, hash: UInt64) -> Int {
        let mask = index.count - 1
        let entry = UInt32(slot + 1)
        var bucket = home(of: hash)
        while index[bucket] & slotMask != entry { bucket = (bucket + 1) & mask }
        return bucket
    }

    /// Empties the bucket of `slot` and shifts the entries after it back (no tombstones).
    private mutating func unplace(slot: Int, hash: UInt64) {
        let mask = index.count - 1
        var hole = bucket(of: slot, hash: hash)
        var next = (hole + 1) & mask
        while index[next] != 0 {
            let entry = index[next]
            let home = homeOfEntry(entry)
            // The entry may fill the hole when the hole lies between its home and it.
            if (next &- home) & mask >= (next &- hole) & mask {
                index[hole] = entry
                hole = next
            }
            next = (next + 1) & mask
        }
        index[hole] = 0
    }

    /// Points the entry of slot `old` (key hash `hash`) at slot `new`.
    private mutating func repoint(from old: Int, to new: Int, hash: UInt64) {
        let bucket = bucket(of: old, hash: hash)
        index[bucket] = index[bucket] & ~slotMask | UInt32(new + 1)
    }
}
