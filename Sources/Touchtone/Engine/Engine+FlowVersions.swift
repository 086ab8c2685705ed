import FoundationEssentials

// What an engine does with a session of a flow version it may not serve: a call that began
// before a deploy (read from Redis, or from the state file after a restart). The caller
// must never hear silence or be cut off because of a deploy:
//
// 1. The version is served here (routed, or kept with `RoutingTable.keeping`): the call
//    goes on exactly as it began.
// 2. Another version of the flow is served and has the call's state (by name) in a phase
//    that state can be in: the call continues there; the push is read by the new version.
// 3. Otherwise (the state is gone, or the whole flow): the flow the routing table gives the
//    call now starts again at its next push, after the menu-changed prompt.

extension Engine {
    /// The session for this engine, and what adopting it did (for the log); a session of a
    /// flow no route gives the call any more stays as it is, not served.
    public func adopt(_ stored: StoredSession) -> (session: Session, note: String?) {
        var session = stored.session
        if let flow = compiled(named: session.flow, version: session.flowVersion) {
            // The same version: names and numbers agree, a stored number stands.
            if let name = stored.stateName {
                guard let index = flow.stateIndex(named: name) else {
                    return restart(stored, in: flow, note: "state \(name) is not in the flow")
                }
                session.state = index
            } else if Int(session.state) >= flow.nodes.count {
                return restart(stored, in: flow, note: "state #\(session.state) is not in the flow")
            }
            if let names = stored.trailNames { session.trail = MenuTrail(names.compactMap(flow.stateIndex(named:))) }
            switch stored.kept {
            case .none: session.lastAnswer = nil
            case .prepared(let number): session.lastAnswer = flow.prepared.answer(number: number)
            case .built(let answer): session.lastAnswer = answer
            }
            return (session, nil)
        }
        let from = "\(session.flow) version \(session.flowVersion)"
        if let flow = compiled(named: session.flow, version: nil) {
            guard let name = stored.stateName, let index = flow.stateIndex(named: name),
                Self.phase(session.phase, fits: flow.nodes[Int(index)])
            else {
                return restart(stored, in: flow, note: "\(from) is not served here and its state is not in version \(flow.version)")
            }
            session.state = index
            session.flowVersion = flow.version
            session.trail = MenuTrail((stored.trailNames ?? []).compactMap(flow.stateIndex(named:)))
            // A prepared answer's number meant the other version's answers; a built one is what the caller heard.
            if case .built(let answer) = stored.kept { session.lastAnswer = answer } else { session.lastAnswer = nil }
            return (session, "\(from) is not served here: continues in \(name) of version \(flow.version)")
        }
        guard let route = routeMachines.first(where: { $0.route.matches(session.call) }) else {
            return (session, "flow \(session.flow) is not served here and no route takes the call")
        }
        return restart(stored, in: machines[route.machine].flow, note: "flow \(session.flow) is not served here")
    }

    /// The call, moved to the start of `flow`, to start it again at its next push.
    private func restart(_ stored: StoredSession, in flow: CompiledFlow, note: String) -> (session: Session, note: String?) {
        var session = stored.session
        session.flow = flow.name
        session.flowVersion = flow.version
        session.state = flow.start
        session.phase = .restarting
        session.noInputCount = 0
        session.wrongKeyCount = 0
        session.trail.removeAll()
        session.lastAnswer = nil
        session.held = nil
        return (session, note + ": starts \(flow.name) again")
    }

    /// Whether a call waiting in `phase` can wait so in `node`.
    private static func phase(_ phase: Session.Phase, fits node: Node) -> Bool {
        switch (phase, node) {
        case (.idle, _), (.finished, _), (.restarting, _): true
        case (.awaitingKeys, .menu), (.awaitingKeys, .collect): true
        case (.awaitingConfirmation, .collect(let collect)): collect.confirmation != nil
        case (.awaitingLookup, .lookup): true
        case (.holding, .lookup(let lookup)): lookup.hold != nil
        default: false
        }
    }
}
