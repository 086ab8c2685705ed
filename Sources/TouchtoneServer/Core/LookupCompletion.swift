import Touchtone

/// A finished look-up, handed from the task that ran it back to its connection's loop.
struct LookupCompletion: Sendable {
    /// What the look-up came to.
    enum Outcome: Sendable {
        /// The call continued in the engine's own store: answer with this.
        case answered(PushAnswer, EventRecord)
        /// The look-up ended; the call continues in the shared store, on the loop.
        case ended(PendingLookup, LookupEnding)
        /// The look-up is slow and holds its caller: answer its push with this; the look-up
        /// still runs (and is still counted as running).
        case held(PendingLookup, PushAnswer, EventRecord)
        /// The look-up of a held call ended and its ending was kept with the session: log it.
        case kept(PendingLookup, EventRecord)
        /// With a shared store: the look-up is slow; write the hold to the call's session and
        /// answer its push with it. The look-up still runs.
        case holdDue(PendingLookup)
        /// With a shared store: the look-up of a held call ended; keep its ending with the
        /// session once the hold is written.
        case endedWhileHeld(PendingLookup, LookupEnding)
    }

    /// The connection that waits for the answer (it may be gone by now).
    var connectionID: UInt64
    var outcome: Outcome
    /// When the request was complete (monotonic nanoseconds), for the latency.
    var startedAt: UInt64
}
