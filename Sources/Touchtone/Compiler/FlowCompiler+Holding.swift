/// Compiling a look-up's hold (``LookupHold``): its times, its prompt and its keys.
extension FlowCompiler {
    /// The deadline checks of a look-up: at most 8 s, or ``HoldTiming/longestDeadline`` when it holds.
    mutating func checkDeadline(_ lookup: LookupDefinition<S>) {
        if lookup.deadline <= .zero { problem("look-up deadline must be positive") }
        if lookup.hold == nil, lookup.deadline > LookupDeadline.maximum {
            problem("look-up deadline \(lookup.deadline) is too close to sipgate's 10 s limit (at most \(LookupDeadline.maximum))")
        }
        if lookup.hold != nil, lookup.deadline > HoldTiming.longestDeadline {
            problem("look-up deadline \(lookup.deadline) is longer than a caller is held (at most \(HoldTiming.longestDeadline))")
        }
    }

    /// The compiled hold of `lookup`; nil when it does not hold the caller.
    mutating func compileHold(_ lookup: LookupDefinition<S>) -> HoldNode? {
        guard let hold = lookup.hold else { return nil }
        if hold.after <= .zero || hold.after > HoldTiming.longestWait {
            problem("a hold starts after more than 0 s and at most \(HoldTiming.longestWait), not \(hold.after)")
        } else if hold.after >= lookup.deadline {
            problem("a hold that starts after \(hold.after) never plays: the deadline is \(lookup.deadline)")
        }
        if hold.every < .seconds(1) || hold.every > HoldTiming.longestWait {
            problem("a hold comes back every 1 s to \(HoldTiming.longestWait), not \(hold.every)")
        }
        let maxDigits = max(hold.keys.map(\.keys.utf8.count).max() ?? 1, 1)
        checkKeys(hold.keys.map(\.keys), collecting: maxDigits, kind: "hold key")
        var keys: [(keys: String, target: Target)] = []
        for key in hold.keys {
            if case .go(let s) = key.step, s == lookup.state { problem("hold key \(key.keys) leads back to the look-up itself") }
            keys.append((key.keys, target(key.step)))
        }
        let milliseconds = max(hold.every.wholeMilliseconds, 1)
        return HoldNode(
            after: hold.after, turn: gatherTurn(prompts(hold.play), maxDigits: maxDigits, timeoutMilliseconds: milliseconds),
            maxDigits: maxDigits,
            timeoutMilliseconds: milliseconds, keys: keys)
    }
}
