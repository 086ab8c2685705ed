import Touchtone

extension EventLoop {
    /// Runs a look-up on Swift's concurrency pool, never on this thread; what it comes to
    /// returns through ``deliver(_:)``: the answer, or (with a shared store) its ending,
    /// which continues the call here. A slow look-up that holds its caller also sends the
    /// hold answer its way (docs/HOLDING.md).
    func runLookup(_ pending: PendingLookup, for connectionID: UInt64, startedAt: UInt64) {
        lookupsRunning += 1
        core.lookupsRunning.wrappingAdd(1, ordering: .relaxed)
        let completion = { @Sendable (outcome: LookupCompletion.Outcome) in
            LookupCompletion(connectionID: connectionID, outcome: outcome, startedAt: startedAt)
        }
        if sessions != nil {
            Task { [self] in
                // The hold is handed to this loop inside the race's lock, so it comes out of
                // the inbox before the ending of the same look-up.
                let race = await pending.endingRacingTheHold { self.deliver(completion(.holdDue(pending))) }
                deliver(completion(race.held ? .endedWhileHeld(pending, race.ending) : .ended(pending, race.ending)))
            }
            return
        }
        Task { [self] in
            switch await pending.runHolding(held: { answer, record in self.deliver(completion(.held(answer, record))) }) {
            case .answered(let answer, let record): deliver(completion(.answered(answer, record)))
            case .keptAfterHold(let record): deliver(completion(.kept(record)))
            }
        }
    }

    /// Answers the look-ups that ended; one whose client went away is still counted and
    /// logged, and with a shared store its call is still written.
    func drainInbox(now: UInt64) {
        let completions = takeInbox()
        for completion in completions {
            switch completion.outcome {
            // A hold leaves its look-up running.
            case .held, .holdDue: continue
            case .answered, .ended, .kept, .endedWhileHeld:
                lookupsRunning -= 1
                core.lookupsRunning.wrappingSubtract(1, ordering: .relaxed)
            }
        }
        for completion in completions {
            let owner = RedisSessions.Owner(connectionID: completion.connectionID, startedAt: completion.startedAt)
            switch completion.outcome {
            case .answered(let answer, let record), .held(let answer, let record):
                send(core.router.complete(answer, record: record), to: completion.connectionID, startedAt: completion.startedAt, now: now)
            case .kept(let record):
                core.accountKept(record)
            case .ended(let pending, let ending):
                sessions?.start(core.engine.resumeWork(pending, ending), for: owner, now: now)
            case .holdDue(let pending):
                holdWrites.started(ObjectIdentifier(pending))
                sessions?.start(core.engine.holdWork(pending), for: owner.writingHold(of: pending), now: now)
            case .endedWhileHeld(let pending, let ending):
                if let ending = holdWrites.ended(ObjectIdentifier(pending), ending) {
                    sessions?.start(core.engine.keepWork(pending, ending), for: owner.keeping(), now: now)
                }
            }
        }
    }

    /// The hold of `pending` is written (or could not be): start keeping the look-up's
    /// ending if it came meanwhile.
    func holdWritten(_ pending: PendingLookup, owner: RedisSessions.Owner, now: UInt64) {
        guard let ending = holdWrites.written(ObjectIdentifier(pending)) else { return }
        sessions?.start(core.engine.keepWork(pending, ending), for: owner.keeping(), now: now)
    }

    /// Nothing started here is still out: no look-up running, no push waiting for the
    /// store. A stopping loop waits for that (within the grace time) even after its last
    /// connection closed, since a push whose client went away still changes its call.
    var workIsDone: Bool { lookupsRunning == 0 && (sessions?.isIdle ?? true) }
}
