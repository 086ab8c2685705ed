import Touchtone

extension EventLoop {
    /// Runs a look-up on Swift's concurrency pool, never on this thread; what it comes to
    /// returns through ``deliver(_:)``: the answer, or (with a shared store) its ending,
    /// which continues the call here.
    func runLookup(_ pending: PendingLookup, for connectionID: UInt64, startedAt: UInt64) {
        let shared = sessions != nil
        lookupsRunning += 1
        // With the memory store a slow look-up holds its caller; with a shared store it
        // does not yet (docs/HOLDING.md).
        if !shared, pending.holdAfter != nil {
            Task { [self] in
                let run = await pending.runHolding { answer, record in
                    self.deliver(LookupCompletion(connectionID: connectionID, outcome: .held(answer, record), startedAt: startedAt))
                }
                let outcome: LookupCompletion.Outcome
                switch run {
                case .answered(let answer, let record): outcome = .answered(answer, record)
                case .keptAfterHold(let record): outcome = .kept(record)
                }
                deliver(LookupCompletion(connectionID: connectionID, outcome: outcome, startedAt: startedAt))
            }
            return
        }
        Task { [self] in
            let outcome: LookupCompletion.Outcome
            if shared {
                outcome = .ended(pending, await pending.ending())
            } else {
                let (answer, record) = await pending.run()
                outcome = .answered(answer, record)
            }
            deliver(LookupCompletion(connectionID: connectionID, outcome: outcome, startedAt: startedAt))
        }
    }

    /// Answers the look-ups that ended; one whose client went away is still counted and
    /// logged, and with a shared store its call is still written.
    func drainInbox(now: UInt64) {
        let completions = takeInbox()
        for completion in completions {
            // A hold answer leaves its look-up running.
            if case .held = completion.outcome { continue }
            lookupsRunning -= 1
        }
        for completion in completions {
            switch completion.outcome {
            case .answered(let answer, let record), .held(let answer, let record):
                send(core.router.complete(answer, record: record), to: completion.connectionID, startedAt: completion.startedAt, now: now)
            case .kept(let record):
                core.accountKept(record)
            case .ended(let pending, let ending):
                let owner = RedisSessions.Owner(connectionID: completion.connectionID, startedAt: completion.startedAt)
                sessions?.start(core.engine.resumeWork(pending, ending), for: owner, now: now)
            }
        }
    }

    /// Nothing started here is still out: no look-up running, no push waiting for the
    /// store. A stopping loop waits for that (within the grace time) even after its last
    /// connection closed, since a push whose client went away still changes its call.
    var workIsDone: Bool { lookupsRunning == 0 && (sessions?.isIdle ?? true) }
}
