import Touchtone

/// Look-ups a phone answered with the hold (``LookupStub/after(_:_:)``) whose stubbed
/// ending is due later: each is kept with its call's session once the phone's clock
/// reaches it, before the next push is delivered, as a real look-up ending on its
/// instance would.
final class LateLookups: Sendable {
    private struct Late: Sendable {
        let pending: PendingLookup
        let due: Double
        let ending: LookupEnding
    }

    private let waiting = Lock<[Late]>([])

    /// Keeps `ending` for `pending` once the clock is `delay` past the look-up's start.
    func add(_ pending: PendingLookup, after delay: Duration, ending: LookupEnding) {
        let due = pending.context.now.timeIntervalSince1970 + delay.timeInterval
        waiting.withLock { $0.append(Late(pending: pending, due: due, ending: ending)) }
    }

    /// Keeps the endings due at `now` (seconds since 1970) with their calls' sessions.
    func settle(now: Double) {
        let due = waiting.withLock { list -> [Late] in
            let due = list.filter { $0.due <= now }
            list.removeAll { $0.due <= now }
            return due
        }
        for late in due { _ = late.pending.keep(late.ending) }
    }
}
