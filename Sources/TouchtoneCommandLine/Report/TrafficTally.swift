/// The report's counts as lines arrive, per flow and version, names as ``NameTable``
/// numbers. Every count comes from one line alone (no call is followed from line to line),
/// so memory grows with the flows' states and edges, not with the calls.
struct TrafficTally {
    /// How many lines there were of each sort.
    var lines = LineCounts()
    /// The flows and versions seen, in the order of their first line.
    private(set) var flows: [FlowTally] = []
    private var flowIndex: [FlowKey: Int] = [:]

    /// A flow's name and version (`nil`: the lines gave none).
    struct FlowKey: Hashable {
        let flow: Int32
        let version: Int?
    }

    /// Counts one push or expiry line of a flow.
    mutating func count(_ line: LogLine, names: NameTable) {
        lines.counted += 1
        let key = FlowKey(flow: line.flow, version: line.version)
        let flow: FlowTally
        if let index = flowIndex[key] {
            flow = flows[index]
        } else {
            flow = FlowTally(key: key)
            flowIndex[key] = flows.count
            flows.append(flow)
        }
        flow.count(line, names: names)
    }
}

/// How the lines of the input sorted out.
struct LineCounts: Hashable, Sendable {
    /// Lines that were not blank.
    var read = 0
    /// Push and expiry lines counted in the report.
    var counted = 0
    /// Lines of other kinds, pushes without a flow, text-format lines.
    var other = 0
    /// Lines that are not JSON objects of the log, cut off, too long, or with wrong types.
    var notUnderstood = 0
    /// Where the first line not understood is: `FILE:LINE` (`-` for standard input).
    var firstNotUnderstood: String?
    /// Push and expiry lines before `--since` or from `--until` on.
    var outsideWindow = 0
    /// Push and expiry lines of flows other than `--flow`'s.
    var otherFlows = 0
}

/// The ending kinds of calls, counted: the seven the log writes, in ``NameTable/Known/endings``
/// order, then any other.
struct EndingCounts: Hashable, Sendable {
    /// Counts by ending kind; the last is every ending the report does not know.
    private(set) var counts = [Int](repeating: 0, count: NameTable.Known.endings.count + 1)

    /// Counts one ending, by its name's number.
    mutating func add(_ ending: Int32) {
        counts[min(Int(ending), counts.count - 1)] += 1
    }

    /// Adds every count of `other`.
    mutating func add(_ other: EndingCounts) {
        for i in counts.indices { counts[i] += other.counts[i] }
    }

    /// Endings of kind `index` (a position in ``NameTable/Known/endings``; the count of them is the unknown ones).
    subscript(index: Int) -> Int { counts[index] }

    /// Every ending.
    var total: Int { counts.reduce(0, +) }
    /// Endings by transfer, voicemail, reject, the flow's hang-up or a hand-off to another
    /// flow: the call went where the flow sent it.
    var completed: Int { counts[0] + counts[1] + counts[2] + counts[3] + counts[6] }
    /// The caller hung up, or the call expired.
    var dropped: Int { counts[4] + counts[5] }
    /// Endings the report does not know (a newer engine's).
    var unknown: Int { counts[counts.count - 1] }
}

/// One flow and version's counts.
final class FlowTally {
    let key: TrafficTally.FlowKey
    /// `started` lines.
    // A tally counts on one thread; unchecked exclusivity spares a dynamic check per count.
    @exclusivity(unchecked) var calls = 0
    @exclusivity(unchecked) var endings = EndingCounts()
    /// States by name number, and the order they were first seen in.
    @exclusivity(unchecked) private(set) var states: [Int32: StateTally] = [:]
    @exclusivity(unchecked) private(set) var stateOrder: [Int32] = []
    /// Edges taken, by from, via and to.
    @exclusivity(unchecked) var edges: [EdgeKey: Int] = [:]
    /// Look-up durations by look-up state.
    @exclusivity(unchecked) var lookups: [Int32: LatencyHistogram] = [:]
    /// Split edges taken (`share NAME (P%)`), by from and via.
    @exclusivity(unchecked) var splits: [EdgeKey: Int] = [:]
    /// Endings by the `variant` text of their line.
    @exclusivity(unchecked) var variantEndings: [Int32: EndingCounts] = [:]
    /// Caller hang-ups by `variant` text and state.
    @exclusivity(unchecked) var variantHangups: [VariantState: Int] = [:]

    /// An edge by its names' numbers (`to` is unused, -1, for split counts).
    struct EdgeKey: Hashable {
        let from: Int32
        let via: Int32
        let to: Int32
    }

    /// A variant text and a state.
    struct VariantState: Hashable {
        let variant: Int32
        let state: Int32
    }

    init(key: TrafficTally.FlowKey) {
        self.key = key
    }

    /// The counts of state `name`, made when first needed.
    func state(_ name: Int32) -> StateTally {
        if let tally = states[name] { return tally }
        let tally = StateTally()
        states[name] = tally
        stateOrder.append(name)
        return tally
    }

    /// Counts what one line says.
    func count(_ line: LogLine, names: NameTable) {
        if line.started {
            calls += 1
            let start = line.edgeCount > 0 ? line.edge(0).from : line.stateAfter
            if start >= 0 { state(start).visits += 1 }
        }
        for i in 0..<line.edgeCount {
            let (from, via, to) = line.edge(i)
            _ = state(from)
            edges[EdgeKey(from: from, via: via, to: to), default: 0] += 1
            if to != from && !names.traits(to).contains(.action) {
                state(to).visits += 1
            } else if to == NameTable.Known.back && i == line.edgeCount - 1 && line.stateAfter >= 0 && line.stateAfter != from {
                state(line.stateAfter).visits += 1  // back to the menu the line ends in
            }
            if names.traits(via).contains(.share) { splits[EdgeKey(from: from, via: via, to: -1), default: 0] += 1 }
        }
        if let waited = line.waitedMs, line.stateBefore >= 0 { state(line.stateBefore).waited.record(waited) }
        if let milliseconds = line.lookupMs, line.lookupState >= 0 {
            lookups[line.lookupState, default: LatencyHistogram()].record(milliseconds)
        }
        guard line.ending >= 0 else { return }
        endings.add(line.ending)
        if line.endingState >= 0 { state(line.endingState).endings.add(line.ending) }
        if line.variant >= 0 {
            variantEndings[line.variant, default: EndingCounts()].add(line.ending)
            if line.ending == NameTable.Known.callerHangup && line.endingState >= 0 {
                variantHangups[VariantState(variant: line.variant, state: line.endingState), default: 0] += 1
            }
        }
    }
}

/// One state's counts.
final class StateTally {
    /// Calls that entered the state: from another state, by starting in it, or back from a
    /// sub-menu (a last edge to `back`, and the line's `state` ends here).
    @exclusivity(unchecked) var visits = 0
    /// Calls that ended while in the state, by how.
    @exclusivity(unchecked) var endings = EndingCounts()
    /// `waitedMs` of lines that found the call in the state.
    @exclusivity(unchecked) var waited = LatencyHistogram()
}
