import Dispatch

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
    ///   - sleep: waits for a duration, or returns early when cancelled (tests pass their own);
    ///     nil: a Dispatch timer, which fires even while Swift's pool is busy.
    ///   - held: takes the hold answer of the waiting push, at most once.
    public func runHolding(
        sleep: (@Sendable (Duration) async -> Void)? = nil,
        held: @escaping @Sendable (PushAnswer, EventRecord) -> Void
    ) async -> HoldingRun {
        let race = await endingRacingTheHold(sleep: sleep) {
            let (answer, record) = self.hold()
            held(answer, record)
        }
        guard race.held else {
            let (answer, record) = complete(with: race.ending)
            return .answered(answer, record)
        }
        return .keptAfterHold(keep(race.ending))
    }

    /// Runs the look-up's work against its hold's time, for a store that writes the hold and
    /// the kept ending itself (Redis): `hold` runs if the work has not ended ``holdAfter``
    /// after the start, and everything `hold` does happens before this returns, so a store
    /// that starts writing the hold in `hold` starts it before the ending's write. Without a
    /// hold it is ``ending()``, never held.
    ///
    /// ```swift
    /// let race = await pending.endingRacingTheHold { startWritingTheHold(pending) }
    /// race.held ? startKeeping(pending, race.ending) : startResuming(pending, race.ending)
    /// ```
    public func endingRacingTheHold(
        sleep: (@Sendable (Duration) async -> Void)? = nil,
        hold: @escaping @Sendable () -> Void
    ) async -> (ending: LookupEnding, held: Bool) {
        guard let after = holdAfter else { return (await ending(), false) }
        let race = HoldRace()
        let cancel: @Sendable () -> Void
        if let sleep {
            let timer = Task {
                await sleep(after)
                guard !Task.isCancelled else { return }
                race.hold(hold)
            }
            cancel = { timer.cancel() }
        } else {
            // Off Swift's pool: a back end whose client blocks the pool's threads is the kind
            // that is slow, and its caller must still be held in time. Cancelled once the
            // work ended, so a fast look-up is not kept alive until `after`.
            let timer = HoldTimer { race.hold(hold) }
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: after.nanoseconds)), execute: timer.item)
            cancel = { timer.item.cancel() }
        }
        let ending = await ending()
        cancel()
        return (ending, race.end())
    }
}

/// Which came first, the hold or the work's ending: decided once, under a lock, so that the
/// hold is written (or its writing started) before a late ending is kept.
private final class HoldRace: Sendable {
    private let held = Lock<Bool?>(nil)

    /// Runs `hold` if the work has not ended yet.
    func hold(_ hold: () -> Void) {
        held.withLock { state in
            guard state == nil else { return }
            state = true
            hold()
        }
    }

    /// The work ended: whether the push was answered with the hold first (keep the ending)
    /// rather than the work ending before it (answer the push).
    func end() -> Bool {
        held.withLock { state in
            if state == nil { state = false }
            return state == true
        }
    }
}

/// The hold's Dispatch timer. `DispatchWorkItem` is not marked `Sendable` on Linux; its
/// `cancel()` is thread-safe, which is all that crosses threads here.
private final class HoldTimer: @unchecked Sendable {
    let item: DispatchWorkItem

    init(_ fire: @escaping @Sendable () -> Void) {
        item = DispatchWorkItem(block: fire)
    }
}
