/// The checks of a flow's whole graph, once every state is compiled.
extension FlowCompiler {
    mutating func checkGraph(_ compiled: CompiledFlow, defined: Set<S>) {
        let graph = StateGraph(compiled)
        checkReachable(graph, defined: defined)
        checkWayOut(graph, defined: defined)
        checkLoopsThatNeverWait(graph)
    }

    /// Every defined state can be reached from the start.
    private mutating func checkReachable(_ graph: StateGraph, defined: Set<S>) {
        for (i, state) in allStates.enumerated() where defined.contains(state) && !graph.reachable[i] {
            problem("is unreachable from the start state \(flow.start.rawValue)", at: state)
        }
    }

    /// From every reachable state some path ends the call (dial, voicemail, reject, hang up).
    private mutating func checkWayOut(_ graph: StateGraph, defined: Set<S>) {
        var canEnd = (0..<graph.count).map { graph.endsOrGoesBack($0) }
        var changed = true
        while changed {
            changed = false
            for i in 0..<graph.count where !canEnd[i] && graph.successors(i).contains(where: { canEnd[$0] }) {
                canEnd[i] = true
                changed = true
            }
        }
        for (i, state) in allStates.enumerated() where defined.contains(state) && graph.reachable[i] && !canEnd[i] {
            problem("has no way out: no path from here transfers, rejects or ends the call", at: state)
        }
    }

    /// No announcements and branches that lead back to themselves without waiting for the caller.
    private mutating func checkLoopsThatNeverWait(_ graph: StateGraph) {
        var colour = [UInt8](repeating: 0, count: graph.count)  // 0 new, 1 on the path, 2 done
        var reported = Set<Int>()
        func visit(_ i: Int, _ path: inout [Int]) -> [Int]? {
            guard graph.passesThrough(i) else {
                colour[i] = 2
                return nil
            }
            colour[i] = 1
            path.append(i)
            defer {
                path.removeLast()
                colour[i] = 2
            }
            for j in graph.successors(i) {
                if colour[j] == 1 { return Array(path[(path.firstIndex(of: j) ?? 0)...]) + [j] }
                if colour[j] == 0, let cycle = visit(j, &path) { return cycle }
            }
            return nil
        }
        for i in 0..<graph.count where colour[i] == 0 && graph.passesThrough(i) {
            var path: [Int] = []
            if let cycle = visit(i, &path), reported.insert(cycle.min() ?? 0).inserted {
                problem(
                    "loops without waiting for the caller: " + cycle.map { allStates[$0].rawValue }.joined(separator: " -> "),
                    at: allStates[cycle[0]])
            }
        }
    }
}

/// The states of a compiled flow as a graph: which state leads to which.
private struct StateGraph {
    let flow: CompiledFlow
    /// Reachable from the start. "back" returns to a menu the caller came through, which
    /// was reachable itself.
    private(set) var reachable: [Bool]

    var count: Int { flow.nodes.count }

    init(_ flow: CompiledFlow) {
        self.flow = flow
        reachable = [Bool](repeating: false, count: flow.nodes.count)
        var queue = [Int(flow.start)]
        reachable[Int(flow.start)] = true
        while let i = queue.popLast() {
            for j in successors(i) where !reachable[j] {
                reachable[j] = true
                queue.append(j)
            }
        }
    }

    /// The states state `i` leads to; not a hold's edge back to its look-up, which waits
    /// for the caller (its `Gather`).
    func successors(_ i: Int) -> [Int] {
        flow.nodes[i].edges(from: UInt16(i)).compactMap { label, edge -> Int? in
            if case .held = label { return nil }
            var target = edge
            while case .language(_, let then) = target { target = then }
            return switch target {
            case .go(let s): Int(s)
            case .mainMenu, .back: Int(flow.mainMenu ?? flow.start)
            default: nil
            }
        }
    }

    /// State `i` ends the call on some edge, or goes back to where the caller came from.
    func endsOrGoesBack(_ i: Int) -> Bool {
        flow.nodes[i].edges(from: UInt16(i)).contains { _, edge in
            var target = edge
            while case .language(_, let then) = target { target = then }
            if case .back = target { return true }
            return target.isFinal
        }
    }

    /// State `i` is passed through without waiting for the caller (an announcement, a branch, a look-up).
    func passesThrough(_ i: Int) -> Bool {
        if case .undefined = flow.nodes[i] { return false }
        return !flow.nodes[i].waitsForCaller
    }
}
