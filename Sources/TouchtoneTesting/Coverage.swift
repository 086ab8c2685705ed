import Touchtone

/// Which states and edges of each flow simulated calls went through.
///
/// Share one recorder between phones to measure a whole suite, then ask for a report:
///
/// ```swift
/// let coverage = FlowCoverage()
/// let phone = try TestPhone(routes: routes, coverage: coverage)
/// // ... calls ...
/// coverage.expectFull(of: phone.flow(named: "hotline")!)
/// ```
public final class FlowCoverage: Sendable {
    private struct Seen: Sendable {
        var states: [String: Set<UInt16>] = [:]
        var edges: [String: Set<TakenEdge>] = [:]
    }

    private let seen = Lock(Seen())

    /// An empty recorder: nothing covered yet.
    public init() {}

    func record(flow: String, state: UInt16?, edges: [TakenEdge]) {
        seen.withLock { seen in
            if let state { seen.states[flow, default: []].insert(state) }
            for edge in edges {
                seen.states[flow, default: []].insert(edge.from)
                seen.edges[flow, default: []].insert(edge)
            }
        }
    }

    /// The coverage of one compiled flow.
    public func report(for flow: CompiledFlow) -> CoverageReport {
        let (states, edges) = seen.withLock { ($0.states[flow.name] ?? [], $0.edges[flow.name] ?? []) }
        var defined: [UInt16] = []
        for index in 0..<flow.stateNames.count where flow.kind(of: UInt16(index)) != "undefined" { defined.append(UInt16(index)) }
        let allEdges = flow.edges
        let missingStates = defined.filter { !states.contains($0) }.map { flow.stateName($0) }
        let missingEdges = allEdges.filter { !edges.contains(TakenEdge(from: $0.from, label: $0.label)) }
            .map { "\(flow.stateName($0.from)) -[\($0.label)]-> \($0.target)" }
        return CoverageReport(
            flow: flow.name, states: defined.count, statesCovered: defined.count - missingStates.count,
            edges: allEdges.count, edgesCovered: allEdges.count - missingEdges.count,
            missingStates: missingStates, missingEdges: missingEdges)
    }
}

/// How much of a flow simulated calls exercised, and what they never reached.
public struct CoverageReport: Sendable, Hashable, CustomStringConvertible {
    /// The name of the flow the report is about.
    public let flow: String
    /// How many states the flow defines.
    public let states: Int
    /// How many of those states at least one call entered.
    public let statesCovered: Int
    /// How many edges (transitions between states) the flow has.
    public let edges: Int
    /// How many of those edges at least one call took.
    public let edgesCovered: Int
    /// States no call entered.
    public let missingStates: [String]
    /// Edges no call took, as `from -[label]-> to`.
    public let missingEdges: [String]

    /// True when every state was entered and every edge taken.
    public var isComplete: Bool { missingStates.isEmpty && missingEdges.isEmpty }

    /// A summary line (`hotline: 5 of 6 states, 7 of 9 edges`), then one line per state or edge not covered.
    public var description: String {
        var lines = ["\(flow): \(statesCovered) of \(states) states, \(edgesCovered) of \(edges) edges"]
        if !missingStates.isEmpty { lines.append("never entered: " + missingStates.joined(separator: ", ")) }
        for edge in missingEdges { lines.append("never taken: \(edge)") }
        return lines.joined(separator: "\n")
    }
}
