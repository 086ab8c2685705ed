/// Finding calls that land in a given share of an A/B split: how tests and the explorer
/// force a share without a back door in the engine (the call's own number or id decides).
extension CompiledFlow {
    /// The names of the split states and their shares, in state order.
    public var splitShares: [(state: String, shares: [String])] {
        splits.compactMap { split in
            guard case .split(let node) = nodes[Int(split.state)] else { return nil }
            return (stateName(split.state), node.shares.map(\.name))
        }
    }

    /// A call the split in `state` gives the share `share`: the calling number (`from`, its
    /// last four digits varied) for a split by caller, or a call id made from `callId` for a
    /// split by call (and for anonymous callers). Nil when there is no such split or share.
    public func call(landingIn share: String, atSplit state: String, from: String, callId: String) -> (from: String, callId: String)? {
        guard let index = stateIndex(named: state), case .split(let node) = nodes[Int(index)],
            let wanted = node.shares.firstIndex(where: { $0.name == share })
        else { return nil }
        let byCaller = node.key == .caller && SplitNode.isNumber(from)
        let stem = byCaller ? String(from.dropLast(min(4, max(from.count - 1, 0)))) : callId
        for attempt in 0..<10_000 {
            let suffix = String(attempt)
            let candidate = byCaller ? stem + String(repeating: "0", count: 4 - suffix.count) + suffix : "\(stem)-\(suffix)"
            guard node.share(forKey: candidate) == wanted else { continue }
            return byCaller ? (candidate, callId) : (from, candidate)
        }
        return nil
    }
}
