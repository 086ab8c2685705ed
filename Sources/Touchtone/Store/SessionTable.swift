import FoundationEssentials

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
            self = SessionTable()  // its storage freed
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
            self = SessionTable()
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
