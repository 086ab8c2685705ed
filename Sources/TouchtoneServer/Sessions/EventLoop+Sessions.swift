import Touchtone

extension EventLoop {
    /// Answers the pushes whose session work the store finished this turn: an answer goes
    /// to its connection, a look-up runs off the loop and comes back through the inbox.
    ///
    /// An answer may let its connection hand on a pipelined push whose commands are queued
    /// meanwhile: the store is advanced (and its queue written) again until nothing more
    /// finishes, so no push waits for the loop's next wake-up.
    func deliverStoreReplies(now: UInt64) {
        guard let sessions else { return }
        while true {
            sessions.advance(now: now)
            let finished = sessions.takeFinished()
            if finished.isEmpty { break }
            deliver(finished, now: now)
        }
        sessions.stats.linkIs(up: sessions.link.isReady)
    }

    private func deliver(_ done: [RedisSessions.Finished], now: UInt64) {
        for finished in done {
            switch finished.owner.role {
            case .answer: break
            case .keep:
                // The kept ending's line; its push was answered with the hold.
                if case .answer(_, let record) = finished.reply { core.accountKept(record) }
                continue
            case .hold(let pending):
                holdWritten(pending, owner: finished.owner, now: now)
            }
            switch finished.reply {
            case .answer(let answer, let record):
                send(
                    core.router.complete(answer, record: record), to: finished.owner.connectionID,
                    startedAt: finished.owner.startedAt, now: now)
            case .lookup(let pending, _):
                runLookup(pending, for: finished.owner.connectionID, startedAt: finished.owner.startedAt)
            case .refused(let error):
                // Never: a push is decoded before its session work starts.
                send(
                    core.router.refusal(.badPush, "bad push: \(error.description)"), to: finished.owner.connectionID,
                    startedAt: finished.owner.startedAt, now: now)
            }
        }
    }

    /// With the poll backend, the Redis link's socket is watched directly (a `poll(2)` set
    /// cannot hold another set): it follows the link's socket and interest before each wait.
    func watchStoreSocket() {
        guard poller.backend == .poll, let link = sessions?.link else { return }
        let current = (fd: link.socketFD, interest: link.socketInterest)
        guard current.fd != watchedStoreSocket.fd || current.interest != watchedStoreSocket.interest else { return }
        if watchedStoreSocket.fd >= 0 && watchedStoreSocket.fd != current.fd {
            poller.remove(watchedStoreSocket.fd, token: Self.storeToken)
        }
        // Adding a descriptor the set holds replaces its entry.
        if current.fd >= 0 { try? poller.add(current.fd, current.interest, token: Self.storeToken) }
        watchedStoreSocket = current
    }
}
