import FoundationEssentials

/// Everything Touchtone remembers about one call: a small `Codable` value, never a closure.
///
/// A session is what the session store keeps, saves to the state file on shutdown and
/// restores on start. It names its flow and the flow's version; a restored session whose
/// flow changed version is dropped rather than misread.
public struct Session: Sendable, Hashable, Codable {
    public var callId: CallID
    /// The flow's name in the routing table.
    public var flow: String
    /// The flow's version when the session started.
    public var flowVersion: Int
    /// The index of the current state in the flow's state enum (`allCases` order).
    public var state: UInt16
    /// What the session is waiting for in that state.
    public var phase: Phase
    /// No-input events in the current state since it was entered.
    public var noInputCount: UInt8
    /// Wrong keys (or invalid input) in the current state since it was entered.
    public var wrongKeyCount: UInt8
    /// No-input events in a row, across states; bounds silence loops call-wide.
    public var silenceStreak: UInt8
    /// The menus visited before the current one, for "back".
    public var trail: MenuTrail
    /// Values collected from the caller or set by look-ups.
    public var variables: Variables
    /// The call as sipgate described it in `newCall`.
    public var call: CallData
    /// Whether sipgate reported the call answered.
    public var answered: Bool
    public var startedAt: Date
    public var lastActivity: Date

    public init(
        callId: CallID, flow: String, flowVersion: Int, state: UInt16, phase: Phase = .idle,
        call: CallData, startedAt: Date
    ) {
        self.callId = callId
        self.flow = flow
        self.flowVersion = flowVersion
        self.state = state
        self.phase = phase
        self.noInputCount = 0
        self.wrongKeyCount = 0
        self.silenceStreak = 0
        self.trail = MenuTrail()
        self.variables = Variables()
        self.call = call
        self.answered = false
        self.startedAt = startedAt
        self.lastActivity = startedAt
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
    }
}

/// The call data of `newCall` that flows may branch on.
public struct CallData: Sendable, Hashable, Codable {
    public var from: String
    public var to: String
    public var direction: Direction
    public var users: [String]
    public var diversion: String?

    public init(from: String, to: String, direction: Direction, users: [String] = [], diversion: String? = nil) {
        self.from = from
        self.to = to
        self.direction = direction
        self.users = users
        self.diversion = diversion
    }

    public init(_ event: NewCallEvent) {
        self.init(from: event.from, to: event.to, direction: event.direction, users: event.users, diversion: event.diversion)
    }
}

/// The last few menus a caller came through, newest last, packed into one word.
///
/// Holds up to ``capacity`` state indices; pushing more forgets the oldest. Phone menus
/// are shallow, and keeping this inline keeps a session free of extra allocations.
public struct MenuTrail: Sendable, Hashable, Codable {
    public static let capacity = 4
    private var packed: UInt64 = 0
    private var depth: UInt8 = 0

    public init() {}

    public init(_ states: [UInt16]) {
        for s in states { push(s) }
    }

    public var isEmpty: Bool { depth == 0 }
    public var count: Int { Int(depth) }

    /// The state indices, oldest first.
    public var states: [UInt16] {
        (0..<Int(depth)).map { UInt16(truncatingIfNeeded: packed >> (16 * UInt64(Int(depth) - 1 - $0))) }
    }

    public mutating func push(_ state: UInt16) {
        packed = (packed << 16) | UInt64(state)
        depth = min(depth + 1, UInt8(MenuTrail.capacity))
    }

    public mutating func pop() -> UInt16? {
        guard depth > 0 else { return nil }
        let top = UInt16(truncatingIfNeeded: packed)
        packed >>= 16
        depth -= 1
        return top
    }

    /// The oldest state remembered (the main menu when the trail did not overflow).
    public var first: UInt16? { depth == 0 ? nil : UInt16(truncatingIfNeeded: packed >> (16 * UInt64(depth - 1))) }

    public mutating func removeAll() { packed = 0; depth = 0 }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode([UInt16].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(states)
    }
}

/// Named values a call collected (digits) or a look-up set, in insertion order.
///
/// Sensitive values (PINs) are kept for the flow to use but never written to logs,
/// transcripts or the state file.
public struct Variables: Sendable, Hashable, Codable {
    public struct Entry: Sendable, Hashable, Codable {
        public var name: String
        public var value: String
        public var sensitive: Bool
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    public subscript(name: String) -> String? {
        entries.first { $0.name == name }?.value
    }

    public func isSensitive(_ name: String) -> Bool {
        entries.first { $0.name == name }?.sensitive ?? false
    }

    public mutating func set(_ name: String, to value: String, sensitive: Bool = false) {
        if let i = entries.firstIndex(where: { $0.name == name }) {
            entries[i] = Entry(name: name, value: value, sensitive: sensitive)
        } else {
            entries.append(Entry(name: name, value: value, sensitive: sensitive))
        }
    }

    public mutating func remove(_ name: String) {
        entries.removeAll { $0.name == name }
    }

    public var isEmpty: Bool { entries.isEmpty }

    public init(from decoder: any Decoder) throws {
        entries = try decoder.singleValueContainer().decode([Entry].self)
    }

    /// Sensitive entries are left out: a PIN never reaches the disk.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(entries.filter { !$0.sensitive })
    }
}
