import FoundationEssentials

/// Calls handed from one flow to another (``Step/handOff(to:at:)``): the session moves to the
/// other flow, keeping the call's data, variables and turn, and the other flow's machine
/// goes on from the state named, in the same answer. The record of the flow the call left
/// ends there (``CallEnding/handOff``); the other flow gets a record of its own that starts
/// the call, so each flow's counts and log lines stay its own.
extension Engine {
    /// Hand-offs one push may follow in a row (a flow handing back to the one that handed it on).
    static let maxHandOffsPerPush = 4

    /// What following a step's hand-offs led to: the last flow's step and machine, and its
    /// record, which holds the records of the flows the push left (``EventRecord/handedFrom``).
    struct HandedOver {
        var step: StepResult<CallMachine.Next>
        var machine: CallMachine
        var record: EventRecord
    }

    /// Follows the hand-off `request` of a step of `machine`, and any the next flow's step
    /// ends with. `record` is the record of the flow the call leaves: it gets the ending.
    func followHandOff(
        _ request: HandOffRequest, from machine: CallMachine, record: EventRecord, _ session: inout Session, event: EventName,
        now: Date
    ) -> HandedOver {
        var record = record
        var request = request
        var leaving = machine
        var records: [EventRecord] = []
        record.setEnding(.handOff, at: session.state)
        for _ in 0..<Self.maxHandOffsPerPush {
            guard let target = self.machine(named: request.handOff.flow) else { break }
            let state = request.handOff.state.flatMap { target.flow.stateIndex(named: $0) }
            session.flow = target.flow.name
            session.flowVersion = target.flow.version
            session.noInputCount = 0
            session.wrongKeyCount = 0
            // The other flow counts its own silences (its maxSilencesInARow may be smaller).
            session.silenceStreak = 0
            session.trail.removeAll()
            session.phase = .idle
            let step = target.enter(handedOver: state, &session, now: now, playing: request.prefix)
            var entered = EventRecord(
                callId: session.callId, event: event, flow: target.flow, after: session.state,
                note: step.note ?? "handed over from \(leaving.flow.name)", edges: step.edges)
            entered.started = true
            entered.variantCode = target.flow.variantCode(of: session.variables)
            if step.ended, case .answer(let response) = step.next { entered.noteEnding(answer: response, at: session.state) }
            guard let next = step.handOff else {
                entered.handedFrom = [record] + records
                return HandedOver(step: step, machine: target, record: entered)
            }
            entered.setEnding(.handOff, at: session.state)
            records.append(entered)
            request = next
            leaving = target
        }
        // A flow that is gone (the engine checks at start-up that it is routed) or a chain
        // of hand-offs: the call ends cleanly.
        session.phase = .finished
        let popped = records.popLast()
        var last = popped ?? record
        last.setEnding(.hangup, at: session.state)
        if popped != nil { last.handedFrom = [record] + records }
        var stop = StepResult<CallMachine.Next>(
            next: .answer(
                Response(onAnswer: leaving.flow.callbacks, onHangup: leaving.flow.callbacks, plays: request.prefix, then: .hangup)),
            note: "more than \(Self.maxHandOffsPerPush) hand-offs, or to a flow that is not served", edges: EdgeTrail())
        stop.ended = true
        return HandedOver(step: stop, machine: leaving, record: last)
    }

    /// Hand-off problems across the routing table: a hand-off to a flow that is not routed,
    /// or to a state it does not define.
    static func handOffProblems(_ flows: [CompiledFlow], routed: Set<String>) -> [FlowProblem] {
        var problems: [FlowProblem] = []
        for flow in flows {
            var seen = Set<HandOff>()
            for (index, node) in flow.nodes.enumerated() {
                for (_, target) in node.edges(from: UInt16(index)) {
                    guard case .handOff(let handOff) = target.landing, seen.insert(handOff).inserted else { continue }
                    let at = flow.stateName(UInt16(index))
                    guard routed.contains(handOff.flow), let other = flows.first(where: { $0.name == handOff.flow }) else {
                        problems.append(
                            FlowProblem(
                                flow: flow.name, state: at, message: "hands off to \(handOff.flow), which no route of the table serves"))
                        continue
                    }
                    if let state = handOff.state, other.stateIndex(named: state).map({ other.kind(of: $0) == "undefined" }) ?? true {
                        problems.append(
                            FlowProblem(
                                flow: flow.name, state: at, message: "hands off to \(handOff.flow) at \(state), which it does not define"))
                        continue
                    }
                    // A push waits for one look-up at most: a look-up's outcome that hands the
                    // call to a look-up of the other flow could only hang up.
                    let entry = handOff.state.flatMap { other.stateIndex(named: $0) } ?? other.start
                    if flow.followsALookUpWithoutWaiting(UInt16(index)) && other.reachesLookupWithoutWaiting(from: entry) {
                        problems.append(
                            FlowProblem(
                                flow: flow.name, state: at,
                                message: "a look-up leads to a hand-off to \(handOff.flow), which runs a look-up before it waits for the "
                                    + "caller: one push waits for one look-up; put a menu in between"))
                    }
                }
            }
        }
        return problems
    }
}

extension CompiledFlow {
    /// Whether a call entering `state` reaches a look-up before any state waits for the caller.
    func reachesLookupWithoutWaiting(from state: UInt16) -> Bool {
        var seen = Set<UInt16>()
        var queue = [state]
        while let next = queue.popLast() {
            guard Int(next) < nodes.count, seen.insert(next).inserted else { continue }
            switch nodes[Int(next)] {
            case .lookup: return true
            case .menu, .collect, .undefined: continue
            default: queue += nodes[Int(next)].edges(from: next).compactMap { $0.1.stateIndex(in: self) }
            }
        }
        return false
    }

    /// Whether `state` is a look-up, or a state a look-up's outcome passes on to before any
    /// state waits for the caller: a hand-off there happens in the push that waited for it.
    func followsALookUpWithoutWaiting(_ state: UInt16) -> Bool {
        for (index, node) in nodes.enumerated() {
            guard case .lookup = node else { continue }
            var seen = Set<UInt16>()
            var queue = [UInt16(index)]
            while let next = queue.popLast() {
                guard Int(next) < nodes.count, seen.insert(next).inserted else { continue }
                if next == state { return true }
                if nodes[Int(next)].waitsForCaller { continue }
                queue += nodes[Int(next)].edges(from: next).compactMap { $0.1.stateIndex(in: self) }
            }
        }
        return false
    }
}
