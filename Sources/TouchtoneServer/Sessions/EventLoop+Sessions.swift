import Touchtone

extension EventLoop {
    /// Answers the pushes whose session work the store finished this turn: an answer goes
    /// to its connection, a look-up runs off the loop and comes back through the inbox.
    func deliverStoreReplies(now: UInt64) {
        guard let sessions else { return }
        sessions.advance(now: now)
        for finished in sessions.takeFinished() {
            switch finished.reply {
            case .answer(let answer, let record):
                send(core.router.complete(answer, record: record), to: finished.owner.connectionID,
                     startedAt: finished.owner.startedAt, now: now)
            case .lookup(let pending, _):
                runLookup(pending, for: finished.owner.connectionID, startedAt: finished.owner.startedAt)
            case .refused(let error):
                // Never: a push is decoded before its session work starts.
                send(core.router.refusal(.badPush, "bad push: \(error.description)"), to: finished.owner.connectionID,
                     startedAt: finished.owner.startedAt, now: now)
            }
        }
        sessions.stats.linkIs(up: sessions.link.isReady)
    }
}
