import Touchtone

extension FlowTraffic {
    /// The traffic as notes on `flow`'s diagram: each edge's label gets the calls that took it
    /// and their share of the state's exits (`key 1 · 120 (34%)`), matched by the state's
    /// name and the label's text; states where many callers hang up (see
    /// ``StateTraffic/isMarked``) get `⚠ 23% hang up` and are highlighted.
    func diagramTraffic(for flow: CompiledFlow) -> FlowDiagram.Traffic {
        var traffic = FlowDiagram.Traffic()
        var byName: [String: StateTraffic] = [:]
        for state in states where byName[state.name] == nil { byName[state.name] = state }
        for (index, edge) in flow.edges.enumerated() {
            let state = byName[flow.stateName(edge.from)]
            let via = edge.label.description
            let count = state?.edges.filter { $0.via == via }.reduce(0) { $0 + $1.count } ?? 0
            let total = state?.edgesOut ?? 0
            traffic.edgeNotes[index] = total == 0 ? "0" : "\(count) (\(ReportNumbers.wholePercent(count, of: total)))"
        }
        for (index, name) in flow.stateNames.enumerated() {
            guard let state = byName[name], state.isMarked, let share = state.hangupShare else { continue }
            traffic.stateNotes[UInt16(index)] = "⚠ \(Int((share * 100).rounded()))% hang up"
            traffic.marked.insert(UInt16(index))
        }
        return traffic
    }

    /// The Mermaid diagram of the flow with its traffic, when the routing table has the flow.
    var mermaidWithTraffic: String? {
        diagram.map { FlowDiagram.mermaid($0, traffic: diagramTraffic(for: $0)) }
    }
}
