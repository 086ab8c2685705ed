/// What calls did in each flow the engine runs, counted from event records: the edges they
/// took, where and how they ended, and how long their look-ups took. `/metrics` shows it.
///
/// Bounded by the flows' graphs: states, edges, endings and A/B shares are finite, and no
/// call id, number or digit is ever a key.
package final class TrafficCounters: Sendable {
    /// One set of counts per flow version the engine has (routed and kept).
    package let flows: [FlowCounters]

    package init(flows: [CompiledFlow]) {
        self.flows = flows.map(FlowCounters.init)
    }

    /// Counts what `record` says: a call started, edges taken, an ending, a look-up's time.
    /// Every record is counted once, where it is logged, so counts and log agree.
    package func count(_ record: EventRecord) {
        guard let flow = record.flowGraph, let counts = flows.first(where: { $0.flow === flow }) else { return }
        counts.count(record)
    }
}

/// The counts of one flow version.
package final class FlowCounters: Sendable {
    /// The flow counted.
    package let flow: CompiledFlow
    /// Calls that started in the flow.
    package let calls = Counter()
    /// Times each edge was taken, by its index in the flow's ``CompiledFlow/edges``.
    package let edges: [Counter]
    private let rare: Lock<Rare>

    /// Counts that change once per call at most: kept under a lock, keyed by what varies.
    struct Rare {
        var endings: [EndingKey: Int] = [:]
        var lookups: [UInt16: LookupTimes] = [:]
    }

    /// Where, how and in which A/B share a call ended.
    package struct EndingKey: Hashable, Sendable {
        /// The state's index.
        package var state: UInt16
        /// How.
        package var how: CallEnding
        /// The record's variant code (see ``EventRecord/variant``), 0 outside splits.
        package var variant: UInt32
    }

    /// How long one look-up state's look-ups took, as a histogram.
    package struct LookupTimes: Sendable, Hashable {
        /// Upper bounds of the buckets, in milliseconds.
        package static let bucketsMilliseconds = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 8000, 15000, 30000, 60000]
        /// Per bucket, the last one for longer than every bound.
        package var counts = [Int](repeating: 0, count: bucketsMilliseconds.count + 1)
        /// All durations added up.
        package var sumMilliseconds = 0
        /// How many.
        package var count = 0

        mutating func add(_ milliseconds: Int) {
            let bucket = Self.bucketsMilliseconds.firstIndex { milliseconds <= $0 } ?? Self.bucketsMilliseconds.count
            counts[bucket] += 1
            sumMilliseconds += milliseconds
            count += 1
        }
    }

    init(_ flow: CompiledFlow) {
        self.flow = flow
        self.edges = flow.edges.map { _ in Counter() }
        self.rare = Lock(Rare())
    }

    func count(_ record: EventRecord) {
        if record.started { calls.add() }
        for edge in record.edges where Int(edge) < edges.count { edges[Int(edge)].add() }
        let ending = record.ending.flatMap { how in
            record.endingStateIndex.map { EndingKey(state: $0, how: how, variant: record.variantCode) }
        }
        let lookup = record.lookupStateIndex.flatMap { state in record.lookupMilliseconds.map { (state, $0) } }
        guard ending != nil || lookup != nil else { return }
        rare.withLock { rare in
            if let ending { rare.endings[ending, default: 0] += 1 }
            if let (state, milliseconds) = lookup { rare.lookups[state, default: LookupTimes()].add(milliseconds) }
        }
    }

    /// The endings so far.
    package var endings: [EndingKey: Int] { rare.withLock { $0.endings } }
    /// The look-up times so far, by look-up state.
    package var lookups: [UInt16: LookupTimes] { rare.withLock { $0.lookups } }
}
