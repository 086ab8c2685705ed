import FoundationEssentials

/// A session as read from outside this process (Redis, a state file), before an engine
/// adopts it: its state is named, not numbered, because the flow version that numbered it
/// may not be the one served here. ``Engine/adopt(_:)`` turns it into a ``Session``.
public struct StoredSession: Sendable {
    /// The session, its `state`, `trail` and `lastAnswer` still as stored.
    public var session: Session
    /// The state's name; nil when the store kept only its number (older state files).
    public var stateName: String?
    /// The names of the trail's states, oldest first; nil like ``stateName``.
    public var trailNames: [String]?
    /// The last answer: the number of a prepared one of the session's flow version, or the answer.
    var kept: Kept

    enum Kept: Sendable {
        case none
        case prepared(Int)
        case built(Response)
    }

    /// A session read back, with its state's and trail's names when the store kept them; its last answer is
    /// taken from `session.lastAnswer`.
    public init(session: Session, stateName: String? = nil, trailNames: [String]? = nil) {
        self.session = session
        self.stateName = stateName
        self.trailNames = trailNames
        self.kept = session.lastAnswer.map(Kept.built) ?? .none
    }

    init(session: Session, stateName: String?, trailNames: [String]?, kept: Kept) {
        self.session = session
        self.stateName = stateName
        self.trailNames = trailNames
        self.kept = kept
    }
}

/// The 32-bit FNV-1a hash of a flow's name: how a session kept in Redis names its flow in
/// four bytes. An engine refuses two flows whose names share it.
enum FlowID {
    static func of(_ name: String) -> UInt32 {
        var hash: UInt32 = 0x811C_9DC5
        for byte in name.utf8 {
            hash ^= UInt32(byte)
            hash &*= 0x0100_0193
        }
        return hash
    }
}
