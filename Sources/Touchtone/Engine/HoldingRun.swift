/// How a look-up that may hold its caller went (``PendingLookup/runHolding(sleep:held:)``).
public enum HoldingRun: Sendable {
    /// The work ended before the hold: its push is answered with this, as by ``PendingLookup/run()``.
    case answered(PushAnswer, EventRecord)
    /// The push was answered with the hold (handed to `held`); the work's ending is now kept
    /// with the session for the next push, and this is the look-up's own log line.
    case keptAfterHold(EventRecord)
}

extension PendingLookup {
    /// Runs the look-up on the engine's own store, holding its caller when the work is slow:
    /// if it has not ended ``holdAfter`` after the start, `held` gets the hold answer for the
    /// waiting push, and the ending, when it comes, is kept for the call's next push.
    /// Without a hold it is ``run()``.
    ///
    /// ```swift
    /// let run = await pending.runHolding { answer, record in send(answer, record) }
    /// if case .answered(let answer, let record) = run { send(answer, record) }
    /// ```
    ///
    /// - Parameters:
    ///   - sleep: waits for a duration, or returns early when cancelled (tests pass their own).
    ///   - held: takes the hold answer of the waiting push, at most once.
    public func runHolding(
        sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) },
        held: @escaping @Sendable (PushAnswer, EventRecord) -> Void
    ) async -> HoldingRun {
        guard let after = holdAfter else {
            let (answer, record) = await run()
            return .answered(answer, record)
        }
        let race = HoldRace()
        let timer = Task { [self] in
            await sleep(after)
            guard !Task.isCancelled, let (answer, record) = race.hold({ self.hold() }) else { return }
            held(answer, record)
        }
        let ending = await ending()
        timer.cancel()
        if race.end() {
            let (answer, record) = complete(with: ending)
            return .answered(answer, record)
        }
        return .keptAfterHold(keep(ending))
    }
}

/// Which came first, the hold or the work's ending: decided once, under a lock, so that the
/// hold is written to the session before a late ending is kept there.
private final class HoldRace: Sendable {
    private let held = Lock<Bool?>(nil)

    /// Runs `hold` if the work has not ended yet: its result, else nil.
    func hold(_ hold: () -> (PushAnswer, EventRecord)) -> (PushAnswer, EventRecord)? {
        held.withLock { state in
            guard state == nil else { return nil }
            state = true
            return hold()
        }
    }

    /// The work ended: true when it came before the hold (answer the push), false when
    /// the push was answered with the hold (keep the ending).
    func end() -> Bool {
        held.withLock { state in
            if state == nil { state = false }
            return state == false
        }
    }
}
