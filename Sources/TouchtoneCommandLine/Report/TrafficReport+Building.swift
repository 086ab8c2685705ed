import Touchtone

extension TrafficReport {
    /// The report of `tally`, whose names are in `names`; flows of `routes` give the order
    /// of states and edges and the diagrams.
    init(tally: TrafficTally, names: NameTable, routes: RoutingTable) {
        let compiled = Self.compile(routes)
        let order = Dictionary(routes.flows.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        let flows = tally.flows.map { flow in
            let name = names.name(flow.key.flow)
            return FlowTraffic(tally: flow, name: name, names: names, diagram: compiled[name])
        }
        self.lines = tally.lines
        self.flows = flows.sorted { a, b in
            let (ia, ib) = (order[a.name] ?? .max, order[b.name] ?? .max)
            if ia != ib { return ia < ib }
            if a.name != b.name { return a.name < b.name }
            return (a.version ?? .max) < (b.version ?? .max)
        }
    }

    /// Every flow of `routes`, compiled as `touchtone graph` does, by name.
    static func compile(_ routes: RoutingTable) -> [String: CompiledFlow] {
        var compiled: [String: CompiledFlow] = [:]
        for definition in routes.flows where compiled[definition.name] == nil {
            compiled[definition.name] = definition.compile(in: CompileEnvironment(publicURL: placeholderURL)).0
        }
        return compiled
    }
}

extension FlowTraffic {
    /// One flow and version of the tally, its states and edges in `diagram`'s order where it names them.
    init(tally: FlowTally, name: String, names: NameTable, diagram: CompiledFlow?) {
        self.name = name
        version = tally.key.version
        self.diagram = diagram
        calls = tally.calls
        endings = tally.endings
        var edgesByState: [Int32: [EdgeTraffic]] = [:]
        for (key, count) in tally.edges {
            let edge = EdgeTraffic(
                via: names.name(key.via), to: names.name(key.to), count: count, kind: EdgeTraffic.Kind(names.traits(key.via)))
            edgesByState[key.from, default: []].append(edge)
        }
        var stateIDs = tally.stateOrder
        if let diagram {
            let position = Dictionary(diagram.stateNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            stateIDs = stateIDs.enumerated().sorted { a, b in
                let (pa, pb) = (position[names.name(a.element)] ?? .max, position[names.name(b.element)] ?? .max)
                return pa != pb ? pa < pb : a.offset < b.offset
            }.map(\.element)
        }
        var states: [StateTraffic] = []
        for id in stateIDs {
            guard let stateTally = tally.states[id] else { continue }
            let stateName = names.name(id)
            let edges = Self.ordered(edgesByState[id] ?? [], of: stateName, in: diagram)
            states.append(
                StateTraffic(
                    name: stateName, visits: stateTally.visits, endings: stateTally.endings, edges: edges, waited: stateTally.waited))
        }
        if let diagram, diagram.version == version {
            states = Self.withQuietStates(states, of: diagram)
        }
        self.states = states
        lookups = Self.lookups(states, tally: tally, names: names, diagram: diagram)
        splits = SplitTraffic.splits(of: tally, names: names, stateOrder: states.map(\.name))
    }

    /// `edges` of state `name` in the order `diagram` draws them, then the others by count.
    static func ordered(_ edges: [EdgeTraffic], of name: String, in diagram: CompiledFlow?) -> [EdgeTraffic] {
        var position: [String: Int] = [:]
        if let diagram, let index = diagram.stateIndex(named: name) {
            for (i, edge) in diagram.edges.enumerated() where edge.from == index && position[edge.label.description] == nil {
                position[edge.label.description] = i
            }
        }
        return edges.sorted { a, b in
            let (pa, pb) = (position[a.via] ?? .max, position[b.via] ?? .max)
            if pa != pb { return pa < pb }
            if a.count != b.count { return a.count > b.count }
            return (a.via, a.to) < (b.via, b.to)
        }
    }

    /// `states` with every state of `diagram` that had no traffic, in the diagram's order.
    static func withQuietStates(_ states: [StateTraffic], of diagram: CompiledFlow) -> [StateTraffic] {
        var byName = Dictionary(states.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var result: [StateTraffic] = []
        for name in diagram.stateNames {
            if let state = byName.removeValue(forKey: name) {
                result.append(state)
            } else if diagram.kind(of: diagram.stateIndex(named: name) ?? .max) != "undefined" {
                result.append(StateTraffic(name: name, visits: 0, endings: EndingCounts(), edges: [], waited: LatencyHistogram()))
            }
        }
        return result + states.filter { byName[$0.name] != nil }
    }

    /// The look-up states: those with durations, with look-up outcomes, or look-ups in `diagram`.
    static func lookups(_ states: [StateTraffic], tally: FlowTally, names: NameTable, diagram: CompiledFlow?) -> [LookupTraffic] {
        var latencies: [String: LatencyHistogram] = [:]
        for (id, histogram) in tally.lookups { latencies[names.name(id)] = histogram }
        var result: [LookupTraffic] = []
        for state in states {
            let outcomes = state.edges.filter { $0.kind == .lookupOutcome }
            let isLookup = diagram.flatMap { $0.stateIndex(named: state.name) }.map { diagram?.kind(of: $0) == "lookup" } ?? false
            let held = state.edges.contains { $0.kind == .held }
            guard latencies[state.name] != nil || !outcomes.isEmpty || isLookup || held else { continue }
            var lookup = LookupTraffic(
                state: state.name, outcomes: isLookup ? state.edges.filter { $0.kind != .held } : outcomes,
                latency: latencies.removeValue(forKey: state.name) ?? LatencyHistogram())
            lookup.held = state.edges.filter { $0.kind == .held }.reduce(0) { $0 + $1.count }
            result.append(lookup)
        }
        for (name, histogram) in latencies.sorted(by: { $0.key < $1.key }) {
            result.append(LookupTraffic(state: name, outcomes: [], latency: histogram))
        }
        return result
    }
}

extension EdgeTraffic.Kind {
    init(_ traits: NameTable.Traits) {
        if traits.contains(.silence) {
            self = .silence
        } else if traits.contains(.wrongKey) {
            self = .wrongKey
        } else if traits.contains(.lookupOutcome) {
            self = .lookupOutcome
        } else if traits.contains(.held) {
            self = .held
        } else if traits.contains(.share) {
            self = .share
        } else {
            self = .other
        }
    }
}
