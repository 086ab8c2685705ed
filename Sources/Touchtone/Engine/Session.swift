import FoundationEssentials

/// Everything Touchtone remembers about one call: a small `Codable` value, never a closure.
///
/// A session is what the session store keeps, saves to the state file on shutdown and
/// restores on start. It names its flow and the flow's version; a restored session whose
/// flow changed version is dropped rather than misread.
public struct Session: Sendable, Hashable, Codable {
    // The stored fields are ordered for the push that finds the session in a cold cache: the
    // callId (compared to find it), the state, the counters, the last activity and the flow
    // come first, in the session's first 72 bytes; what a menu step does not read (the
    // caller's data, the start, the version) comes last, and two flags fill the end of
    // `call`. 172 bytes in all (`MemoryLayout<Session>.size`, checked by a test; a million
    // sessions live in memory at once).

    /// The call's id (sipgate's `callId`); hex ones are packed inline (no allocation of their own).
    public var callId: CallID
    /// What the session is waiting for in that state.
    public var phase: Phase
    /// The index of the current state in the flow's state enum (`allCases` order).
    public var state: UInt16
    /// No-input events in the current state since it was entered.
    public var noInputCount: UInt8
    /// Wrong keys (or invalid input) in the current state since it was entered.
    public var wrongKeyCount: UInt8
    /// No-input events in a row, across states; bounds silence loops call-wide.
    public var silenceStreak: UInt8
    /// The number of the last answer given (or being decided by a look-up): the `t` in
    /// its callback URLs. A push carrying it advances the call; one carrying an older turn
    /// is a repeat, answered with ``lastAnswer`` (see ``PushAddress``).
    public var turn: UInt32
    /// When a push last moved the call on (starts as ``startedAt``); a store expires the session once this is older than its idle timeout.
    public var lastActivity: Date
    /// The answer of ``turn``, for a repeat of the push that led to it; nil while a look-up
    /// decides it.
    public var lastAnswer: Response?
    /// The flow's name in the routing table.
    public var flow: String
    private var trailStates: UInt64
    /// Values collected from the caller or set by look-ups.
    public var variables: Variables
    /// The flow's version when the session started.
    public var flowVersion: Int
    /// When the engine made the session, on the call's `newCall` push.
    public var startedAt: Date
    /// The call as sipgate described it in `newCall`.
    public var call: CallData
    private var trailDepth: UInt8
    /// Whether sipgate reported the call answered.
    public var answered: Bool
    private var heldBox: HeldBox?

    /// The look-up that holds the caller (phase ``Phase/holding``); nil otherwise.
    public var held: HeldLookup? {
        get { heldBox?.value }
        set { heldBox = newValue.map(HeldBox.held) }
    }

    /// The menus visited before the current one, for "back".
    public var trail: MenuTrail {
        get { MenuTrail(packed: trailStates, depth: trailDepth) }
        set {
            trailStates = newValue.packed
            trailDepth = newValue.depth
        }
    }

    /// A session at its first push: no counts, variables, trail or answer yet, turn 0, last active at `startedAt`.
    public init(
        callId: CallID, flow: String, flowVersion: Int, state: UInt16, phase: Phase = .idle,
        call: CallData, startedAt: Date
    ) {
        self.call = call
        self.phase = phase
        self.noInputCount = 0
        self.wrongKeyCount = 0
        self.silenceStreak = 0
        self.answered = false
        self.flow = flow
        self.startedAt = startedAt
        self.lastActivity = startedAt
        self.flowVersion = flowVersion
        self.variables = Variables()
        self.callId = callId
        self.trailDepth = 0
        self.state = state
        self.trailStates = 0
        self.turn = 0
        self.lastAnswer = nil
        self.heldBox = nil
    }

    /// What a session waits for.
    public enum Phase: UInt8, Sendable, Hashable, Codable {
        /// Between steps (a transient phase while the engine walks states).
        case idle
        /// A `Gather` went out; the next `dtmf` answers it.
        case awaitingKeys
        /// A read-back went out; the next `dtmf` confirms (1) or rejects the collected value.
        case awaitingConfirmation
        /// An async look-up is running; its result (or deadline) continues the call.
        case awaitingLookup
        /// A final verb (dial, voicemail, reject, hang-up) went out; only `answer`/`hangup` remain.
        case finished
        /// The call's flow changed under it (a deploy) and its state is gone: the next push
        /// starts the flow again, after the prompt that says the menu changed.
        case restarting
        /// A slow look-up holds the caller (``LookupHold``): a hold answer went out, and each
        /// push answers with the look-up's result (``Session/held``), its fallback, or holds again.
        case holding
    }
}

/// The call data of `newCall` that flows may branch on.
public struct CallData: Sendable, Hashable, Codable {
    /// The calling number (digits without `+`) or `anonymous`.
    public var from: String
    /// The called number.
    public var to: String
    /// The originally dialled number when the call was diverted before it reached sipgate.io.
    public var diversion: String?
    /// Almost every call has one user: kept without an array of its own.
    private var storedUsers: StoredUsers
    /// Whether the call comes into the sipgate account or goes out of it.
    public var direction: Direction

    fileprivate enum StoredUsers: Sendable, Hashable {
        case none
        case one(String)
        case many([String])

        init(_ users: [String]) {
            switch users.count {
            case 0: self = .none
            case 1: self = .one(users[0])
            default: self = .many(users)
            }
        }

        var users: [String] {
            switch self {
            case .none: []
            case .one(let user): [user]
            case .many(let users): users
            }
        }
    }

    /// `user[]` of `newCall`: the users receiving (in) or placing (out) the call, in order.
    public var users: [String] {
        get { storedUsers.users }
        set { storedUsers = StoredUsers(newValue) }
    }

    /// Call data from its parts; without `users` or `diversion` the call has none.
    public init(from: String, to: String, direction: Direction, users: [String] = [], diversion: String? = nil) {
        self.from = from
        self.to = to
        self.diversion = diversion
        self.storedUsers = StoredUsers(users)
        self.direction = direction
    }

    /// The call data of a `newCall` push: its numbers, direction, users and diversion.
    public init(_ event: NewCallEvent) {
        self.init(from: event.from, to: event.to, direction: event.direction, users: event.users, diversion: event.diversion)
    }

}

/// The last few menus a caller came through, newest last, packed into one word.
///
/// Holds up to ``capacity`` state indices; pushing more forgets the oldest. Phone menus
/// are shallow, and keeping this inline keeps a session free of extra allocations.
public struct MenuTrail: Sendable, Hashable, Codable {
    /// The most states a trail remembers: 4, each a 16-bit index in one 64-bit word.
    public static let capacity = 4
    private(set) var packed: UInt64 = 0
    private(set) var depth: UInt8 = 0

    /// An empty trail.
    public init() {}

    init(packed: UInt64, depth: UInt8) {
        self.packed = packed
        self.depth = depth
    }

    /// A trail of `states`, oldest first; only the last ``capacity`` of them are kept.
    public init(_ states: [UInt16]) {
        for s in states { push(s) }
    }

    /// Whether no menu is remembered: "back" then leads to the flow's main menu (or its start).
    public var isEmpty: Bool { depth == 0 }
    /// How many states the trail remembers, from 0 to ``capacity``.
    public var count: Int { Int(depth) }

    /// The state indices, oldest first.
    public var states: [UInt16] { (0..<count).map(state(at:)) }

    /// The state `position` places after the oldest (0: the oldest), read without an array.
    func state(at position: Int) -> UInt16 {
        UInt16(truncatingIfNeeded: packed >> (16 * UInt64(Int(depth) - 1 - position)))
    }

    /// Remembers `state` as the newest; when the trail is full, the oldest is forgotten.
    public mutating func push(_ state: UInt16) {
        packed = (packed << 16) | UInt64(state)
        depth = min(depth + 1, UInt8(MenuTrail.capacity))
    }

    /// Removes and returns the newest state (the menu "back" leads to); nil when the trail is empty.
    public mutating func pop() -> UInt16? {
        guard depth > 0 else { return nil }
        let top = UInt16(truncatingIfNeeded: packed)
        packed >>= 16
        depth -= 1
        return top
    }

    /// The oldest state remembered (the main menu when the trail did not overflow).
    public var first: UInt16? { depth == 0 ? nil : UInt16(truncatingIfNeeded: packed >> (16 * UInt64(depth - 1))) }

    /// Forgets every state, as when the caller goes back to the main menu.
    public mutating func removeAll() {
        packed = 0
        depth = 0
    }

    /// Decodes the trail from its list of states, oldest first.
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode([UInt16].self))
    }

    /// Encodes the trail as its list of states, oldest first.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(states)
    }
}

// MARK: The fields, described once

extension Session: FieldDescribed, CustomReflectable {
    static let blank = Session(
        callId: "", flow: "", flowVersion: 0, state: 0, call: .blank, startedAt: Date(timeIntervalSince1970: 0))

    /// Every field the state file saves, under its key, in the keys' sorted order (the
    /// order of a state-file line). A field added to `Session` and left out here is lost
    /// on every restart: `SessionSchemaTests` fails until it is here.
    static func describeFields<Visitor: FieldVisitor<Session>>(to visitor: inout Visitor) throws(Visitor.Failure) {
        try visitor.field("answered", \.answered)
        try visitor.field("call", \.call)
        try visitor.field("callId", \.callId)
        try visitor.field("flow", \.flow)
        try visitor.field("flowVersion", \.flowVersion)
        try visitor.optionalField("held", \.held)
        try visitor.field("lastActivity", \.lastActivity)
        try visitor.optionalField("lastAnswer", \.lastAnswer)
        try visitor.field("noInputCount", \.noInputCount)
        try visitor.field("phase", \.phase)
        try visitor.field("silenceStreak", \.silenceStreak)
        try visitor.field("startedAt", \.startedAt)
        try visitor.field("state", \.state)
        try visitor.field("trail", \.trail)
        // Files saved before turns existed hold none: their calls are at turn 0.
        try visitor.field("turn", \.turn, absent: 0)
        try visitor.field("variables", \.variables)
        try visitor.field("wrongKeyCount", \.wrongKeyCount)
    }

    /// Decodes the fields `describeFields(to:)` lists.
    public init(from decoder: any Decoder) throws { try self.init(fieldsFrom: decoder) }

    /// Encodes the fields `describeFields(to:)` lists.
    public func encode(to encoder: any Encoder) throws { try encodeFields(to: encoder) }

    /// Printed and dumped with its fields as saved (the trail as its states), not as packed.
    public var customMirror: Mirror { fieldMirror }
}

extension CallData: FieldDescribed, CustomReflectable {
    static let blank = CallData(from: "", to: "", direction: .incoming)

    static func describeFields<Visitor: FieldVisitor<CallData>>(to visitor: inout Visitor) throws(Visitor.Failure) {
        try visitor.field("direction", \.direction)
        try visitor.optionalField("diversion", \.diversion)
        try visitor.field("from", \.from)
        try visitor.field("to", \.to)
        try visitor.field("users", \.storedUsers)
    }

    /// Decodes the fields `describeFields(to:)` lists.
    public init(from decoder: any Decoder) throws { try self.init(fieldsFrom: decoder) }

    /// Encodes the fields `describeFields(to:)` lists.
    public func encode(to encoder: any Encoder) throws { try encodeFields(to: encoder) }

    /// Printed and dumped with its users as a list, not as stored.
    public var customMirror: Mirror { fieldMirror }
}

/// Saved, printed and dumped as the list of users; written without making that list.
extension CallData.StoredUsers: FieldValue, CustomReflectable, CustomDebugStringConvertible {
    init(from decoder: any Decoder) throws { self.init(try [String](from: decoder)) }

    func encode(to encoder: any Encoder) throws { try users.encode(to: encoder) }

    func writeJSON(to line: inout JSONLineWriter) throws(UnwritableValue) {
        switch self {
        case .none: try line.array(EmptyCollection<String>())
        case .one(let user): try line.array(CollectionOfOne(user))
        case .many(let users): try line.array(users)
        }
    }

    static func readJSON(from line: inout JSONLineReader) -> Self? { [String].readJSON(from: &line).map(Self.init) }

    var customMirror: Mirror { Mirror(self, unlabeledChildren: users, displayStyle: .collection) }

    var debugDescription: String { users.debugDescription }
}

extension MenuTrail: CustomReflectable {
    /// Printed and dumped with its states, oldest first, not as packed.
    public var customMirror: Mirror {
        Mirror(self, children: ["states": states] as KeyValuePairs<String, Any>, displayStyle: .struct)
    }
}
