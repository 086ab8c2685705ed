import Touchtone

extension EventLoop {
    /// Runs a look-up on Swift's concurrency pool, never on this thread; what it comes to
    /// returns through ``deliver(_:)``: the answer, or (with a shared store) its ending,
    /// which continues the call here. A slow look-up that holds its caller also sends the
    /// hold answer its way (docs/HOLDING.md).
    func runLookup(_ pending: PendingLookup, for connectionID: UInt64, startedAt: UInt64) {
        lookups.running += 1
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
            switch await pending.runHolding(held: { answer, record in self.deliver(completion(.held(pending, answer, record))) }) {
            case .answered(let answer, let record): deliver(completion(.answered(answer, record)))
            case .keptAfterHold(let record): deliver(completion(.kept(pending, record)))
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
                lookups.running -= 1
                core.lookupsRunning.wrappingSubtract(1, ordering: .relaxed)
            }
        }
        for completion in completions {
            let owner = RedisSessions.Owner(connectionID: completion.connectionID, startedAt: completion.startedAt)
            switch completion.outcome {
            case .answered(let answer, let record):
                send(core.router.complete(answer, record: record), to: completion.connectionID, startedAt: completion.startedAt, now: now)
            case .held(let pending, let answer, let record):
                lookups.holdStarted(pending)
                send(core.router.complete(answer, record: record), to: completion.connectionID, startedAt: completion.startedAt, now: now)
            case .kept(let pending, let record):
                // Kept by the look-up's task in the engine's own store: log it.
                _ = lookups.heldEnded(pending)
                core.accountKept(record)
            case .ended(let pending, let ending):
                sessions?.start(core.engine.resumeWork(pending, ending), for: owner, now: now)
            case .holdDue(let pending):
                lookups.holdStarted(pending)
                lookups.holdWrites.started(ObjectIdentifier(pending))
                sessions?.start(core.engine.holdWork(pending), for: owner.writingHold(of: pending), now: now)
            case .endedWhileHeld(let pending, let ending):
                if lookups.heldEnded(pending) { keep(pending, ending, owner: owner, now: now) }
            }
        }
    }

    /// The hold of `pending` is written (or could not be): start keeping the look-up's
    /// ending if it came meanwhile.
    func holdWritten(_ pending: PendingLookup, owner: RedisSessions.Owner, now: UInt64) {
        guard let ending = lookups.holdWrites.written(ObjectIdentifier(pending)) else { return }
        sessions?.start(core.engine.keepWork(pending, ending), for: owner.keeping(), now: now)
    }

    /// Keeps the ending of a held look-up with its call (with a shared store, once its hold
    /// is written).
    private func keep(_ pending: PendingLookup, _ ending: LookupEnding, owner: RedisSessions.Owner, now: UInt64) {
        guard let sessions else {
            core.accountKept(pending.keep(ending))
            return
        }
        if let ending = lookups.holdWrites.ended(ObjectIdentifier(pending), ending) {
            sessions.start(core.engine.keepWork(pending, ending), for: owner.keeping(), now: now)
        }
    }

    /// Whether a stopping loop with no connection left may end: its work is done, or its
    /// grace has ended. Then the look-ups still holding callers are given up first: each call
    /// keeps a failure, so its next push (on another instance, or after the restart) takes
    /// the fallback at once instead of holding the caller until the look-up's deadline. A
    /// shared store gets one second more, once, for those writes and any still out (a hold
    /// whose look-up's ending waits for it, a kept ending).
    func stopIsOver() -> Bool {
        if workIsDone { return true }
        let now = Clock.monotonicNanoseconds()
        guard now >= stopDeadline else { return false }
        let owner = RedisSessions.Owner(connectionID: 0, startedAt: now)
        for pending in lookups.giveUpHolding() { keep(pending, .failed(LookupEnding.stoppedReason), owner: owner, now: now) }
        guard let sessions, !lookups.stopExtended, !sessions.isIdle || lookups.holdWrites.count > 0 else { return true }
        lookups.stopExtended = true
        stopDeadline = now &+ 1_000_000_000
        core.logger.notice(
            "stopping: one second more for the session store", [("loop", "\(index)"), ("holdsBeingWritten", "\(lookups.holdWrites.count)")])
        deliverStoreReplies(now: now)
        return false
    }

    /// Nothing started here is still out: no look-up running (but those given up at stop),
    /// no push waiting for the store. A stopping loop waits for that (within the grace time)
    /// even after its last connection closed, since a push whose client went away still
    /// changes its call.
    var workIsDone: Bool { !lookups.outstanding && (sessions?.isIdle ?? true) }
}
