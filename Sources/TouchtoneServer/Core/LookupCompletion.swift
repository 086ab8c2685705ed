import Touchtone

/// A finished look-up, handed from the task that ran it back to its connection's loop.
struct LookupCompletion: Sendable {
    /// The connection that waits for the answer (it may be gone by now).
    var connectionID: UInt64
    var answer: PushAnswer
    var record: EventRecord
    /// When the request was complete (monotonic nanoseconds), for the latency.
    var startedAt: UInt64
}
