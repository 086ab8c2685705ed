import FoundationEssentials

/// Where sessions live between the pushes of a call.
///
/// Every operation on one call is atomic: two events of one call that arrive at once are
/// applied one after the other, and neither update is lost. Implementations must be safe
/// to use from many threads.
public protocol SessionStore: Sendable {
    /// Adds `session` unless a session for its callId exists or the store is full.
    func insert(_ session: Session) -> InsertOutcome

    /// Runs `body` on the session of `callId` under that call's lock and keeps what it
    /// leaves; returns `nil` (without calling `body`) when there is no such session.
    func update<R>(_ callId: CallID, _ body: (inout Session) throws -> R) rethrows -> R?

    /// Removes and returns the session of `callId`.
    @discardableResult
    func remove(_ callId: CallID) -> Session?

    /// A copy of the session of `callId`.
    func session(_ callId: CallID) -> Session?

    /// The number of live sessions.
    var count: Int { get }

    /// Removes sessions idle for longer than the store's idle timeout, a bounded slice of
    /// the store at a time, so that no call waits long for a lock. Call it regularly; each
    /// call sweeps the next slice and returns what it removed.
    func sweep(now: Date) -> SweepReport

    /// Every live session (for saving on shutdown).
    func allSessions() -> [Session]
}

/// What ``SessionStore/insert(_:)`` did.
public enum InsertOutcome: Sendable, Hashable {
    /// The session was added: the call had none and the store had room.
    case inserted
    /// A session for this callId exists already; it is returned unchanged.
    case exists(Session)
    /// The store holds its maximum number of sessions.
    case full
}

/// What one ``SessionStore/sweep(now:)`` call did.
public struct SweepReport: Sendable, Hashable {
    /// Sessions removed because they were idle too long.
    public var expired: [Session]
    /// Sessions looked at.
    public var examined: Int
    /// True when this call finished a pass over the whole store.
    public var completedPass: Bool

    /// A report as given; by default that of a sweep that found nothing.
    public init(expired: [Session] = [], examined: Int = 0, completedPass: Bool = false) {
        self.expired = expired
        self.examined = examined
        self.completedPass = completedPass
    }
}
