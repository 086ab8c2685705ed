import Touchtone

/// What `touchtone report` found in a log, ready to print: per flow and version, how calls
/// ended, each state's visits, exits, hang-ups and time spent, the look-ups, and the A/B
/// splits. Built from a ``TrafficTally`` (see `TrafficReport+Building.swift`).
struct TrafficReport {
    /// How the lines sorted out.
    var lines: LineCounts
    /// The flows and versions, in routing-table order (flows it does not have last, by name),
    /// versions ascending.
    var flows: [FlowTraffic]
}

/// One flow and version in a ``TrafficReport``.
struct FlowTraffic {
    /// The flow's name, as the log writes it.
    let name: String
    /// The version the lines carry; `nil` when they carry none.
    let version: Int?
    /// The flow of that name in the routing table, compiled, for the diagram; `nil` when the
    /// routing table has no such flow.
    let diagram: CompiledFlow?
    /// Calls started (`started` lines).
    let calls: Int
    /// How calls ended.
    let endings: EndingCounts
    /// The states, in the flow's order when it is known, then in the order the log named them.
    let states: [StateTraffic]
    /// The look-up states.
    let lookups: [LookupTraffic]
    /// The A/B splits, by split state.
    let splits: [SplitTraffic]

    /// Calls whose ending is not in the log (still running, or cut off by `--until`); never negative.
    var noEndingSeen: Int { max(0, calls - endings.total) }

    /// The flow and its version: `hotline version 2`.
    var title: String { version.map { "\(name) version \($0)" } ?? "\(name) (no version)" }

    /// What the diagram is of, when that is not simply this flow and version: the routed
    /// version of a flow whose log lines are of another, or no diagram at all.
    var diagramNote: String? {
        guard let diagram else { return "no diagram: the routing table has no flow named \(name)" }
        guard diagram.version != version else { return nil }
        return
            "the diagram shows version \(diagram.version), the routed one; the log is of \(version.map { "version \($0)" } ?? "no version")"
    }

    /// The state named `name`, if it has traffic.
    func state(named name: String) -> StateTraffic? { states.first { $0.name == name } }
}

/// One state's traffic.
struct StateTraffic {
    /// The state's name.
    let name: String
    /// Calls that entered it: from another state, by starting in it, or back from a sub-menu.
    let visits: Int
    /// Calls that ended in it, by how.
    let endings: EndingCounts
    /// The edges calls took out of it, in the flow's order when known, then by count.
    let edges: [EdgeTraffic]
    /// How long calls waited in it before their next push (`waitedMs`).
    let waited: LatencyHistogram

    /// Callers who hung up while in this state.
    var callerHangups: Int { endings[Int(NameTable.Known.callerHangup)] }
    /// Every edge taken out of the state (self-loops included), but a look-up's `held`: a
    /// held call leaves by one of the others later. (A `held` edge's share is then the
    /// share of the calls that left which were held first.)
    var edgesOut: Int { edges.reduce(0) { $0 + ($1.kind == .held ? 0 : $1.count) } }
    /// Edges for silence (`no input`, `no input (limit)`).
    var silences: Int { edges.filter { $0.kind == .silence }.reduce(0) { $0 + $1.count } }
    /// Edges for wrong keys (`wrong key`, `wrong key (limit)`, `invalid input`).
    var wrongKeys: Int { edges.filter { $0.kind == .wrongKey }.reduce(0) { $0 + $1.count } }
    /// The share of visits that ended in a caller hang-up; hang-ups count as visits when
    /// the log has fewer visits than hang-ups (a log cut at `--since`).
    var hangupShare: Double? { callerHangups == 0 ? nil : Double(callerHangups) / Double(max(visits, callerHangups)) }

    /// Whether many callers hang up here: at least ``markedShare`` of visits and ``markedCount`` hang-ups.
    var isMarked: Bool { callerHangups >= Self.markedCount && (hangupShare ?? 0) >= Self.markedShare }

    /// The share of visits ending in a hang-up from which a state is marked.
    static let markedShare = 0.2
    /// The hang-ups from which a state is marked.
    static let markedCount = 5
}

/// Calls that took one edge.
struct EdgeTraffic {
    /// The label, as `EdgeLabel.description` prints it.
    let via: String
    /// A state, or `transfer`, `voicemail`, `reject`, `hangup`, `back`.
    let to: String
    /// How many times calls took it.
    let count: Int
    /// What the label says, for rates.
    let kind: Kind

    /// Labels the report sorts out.
    enum Kind: Equatable {
        case silence, wrongKey, lookupOutcome, held, share, other
    }
}

/// A look-up state: how its look-ups ended and how long they took.
struct LookupTraffic {
    /// The look-up state's name.
    let state: String
    /// The edges out of it (`result X`, `deadline passed`, `look-up failed`, `key K (holding)`).
    let outcomes: [EdgeTraffic]
    /// Calls it held (its push answered with the hold prompt): each left by one of ``outcomes`` later.
    var held = 0
    /// Look-up durations (`lookupMs`).
    let latency: LatencyHistogram
}

/// An A/B split: its variants side by side.
struct SplitTraffic {
    /// The state that splits calls.
    let state: String
    /// The variants, by share name.
    let variants: [VariantTraffic]
}

/// One variant of a split.
struct VariantTraffic {
    /// The share's name (`short` of `share short (50%)`).
    let share: String
    /// Calls that ended in the variant (each once, however often it passed the split).
    let calls: Int
    /// How the variant's calls ended.
    let endings: EndingCounts
    /// Caller hang-ups by state, in the flow's state order.
    let hangups: [(state: String, count: Int)]

    /// Endings the flow meant (transfer, voicemail, reject, its hang-up) per call.
    var completionRate: Double? { calls == 0 ? nil : Double(endings.completed) / Double(calls) }
    /// Caller hang-ups and expiries per call.
    var dropOffRate: Double? { calls == 0 ? nil : Double(endings.dropped) / Double(calls) }
}
