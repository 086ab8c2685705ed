import FoundationEssentials

/// Everything Touchtone remembers about one call: a small `Codable` value, never a closure.
///
/// A session is what the session store keeps, saves to the state file on shutdown and
/// restores on start. It names its flow and the flow's version; a restored session whose
/// flow changed version is dropped rather than misread.
public struct Session: Sendable, Hashable, Codable {
    // The stored fields are ordered so that the small ones fill the padding after `call`
    // and `callId` (a million sessions live in memory at once): 176 bytes in all
    // (`MemoryLayout<Session>.size`, checked by a test).

    /// The call as sipgate described it in `newCall`.
    public var call: CallData
    /// What the session is waiting for in that state.
    public var phase: Phase
    /// No-input events in the current state since it was entered.
    public var noInputCount: UInt8
    /// Wrong keys (or invalid input) in the current state since it was entered.
    public var wrongKeyCount: UInt8
    /// No-input events in a row, across states; bounds silence loops call-wide.
    public var silenceStreak: UInt8
    /// Whether sipgate reported the call answered.
    public var answered: Bool
    /// The flow's name in the routing table.
    public var flow: String
    public var startedAt: Date
    public var lastActivity: Date
    /// The flow's version when the session started.
    public var flowVersion: Int
    /// Values collected from the caller or set by look-ups.
    public var variables: Variables
    /// The call's id (sipgate's `callId`); hex ones are packed inline (no allocation of their own).
    public var callId: CallID
    private var trailDepth: UInt8
    /// The index of the current state in the flow's state enum (`allCases` order).
    public var state: UInt16
    private var trailStates: UInt64

    /// The menus visited before the current one, for "back".
    public var trail: MenuTrail {
        get { MenuTrail(packed: trailStates, depth: trailDepth) }
        set {
            trailStates = newValue.packed
            trailDepth = newValue.depth
        }
    }

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
    }

    private enum CodingKeys: String, CodingKey {
        case callId, flow, flowVersion, state, phase, noInputCount, wrongKeyCount, silenceStreak
        case trail, variables, call, answered, startedAt, lastActivity
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            callId: try c.decode(CallID.self, forKey: .callId), flow: try c.decode(String.self, forKey: .flow),
            flowVersion: try c.decode(Int.self, forKey: .flowVersion), state: try c.decode(UInt16.self, forKey: .state),
            phase: try c.decode(Phase.self, forKey: .phase), call: try c.decode(CallData.self, forKey: .call),
            startedAt: try c.decode(Date.self, forKey: .startedAt))
        noInputCount = try c.decode(UInt8.self, forKey: .noInputCount)
        wrongKeyCount = try c.decode(UInt8.self, forKey: .wrongKeyCount)
        silenceStreak = try c.decode(UInt8.self, forKey: .silenceStreak)
        trail = try c.decode(MenuTrail.self, forKey: .trail)
        variables = try c.decode(Variables.self, forKey: .variables)
        answered = try c.decode(Bool.self, forKey: .answered)
        lastActivity = try c.decode(Date.self, forKey: .lastActivity)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(callId, forKey: .callId)
        try c.encode(flow, forKey: .flow)
        try c.encode(flowVersion, forKey: .flowVersion)
        try c.encode(state, forKey: .state)
        try c.encode(phase, forKey: .phase)
        try c.encode(noInputCount, forKey: .noInputCount)
        try c.encode(wrongKeyCount, forKey: .wrongKeyCount)
        try c.encode(silenceStreak, forKey: .silenceStreak)
        try c.encode(trail, forKey: .trail)
        try c.encode(variables, forKey: .variables)
        try c.encode(call, forKey: .call)
        try c.encode(answered, forKey: .answered)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(lastActivity, forKey: .lastActivity)
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
    public var diversion: String?
    /// Almost every call has one user: kept without an array of its own.
    private var storedUsers: StoredUsers
    public var direction: Direction

    private enum StoredUsers: Sendable, Hashable {
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

    public init(from: String, to: String, direction: Direction, users: [String] = [], diversion: String? = nil) {
        self.from = from
        self.to = to
        self.diversion = diversion
        self.storedUsers = StoredUsers(users)
        self.direction = direction
    }

    public init(_ event: NewCallEvent) {
        self.init(from: event.from, to: event.to, direction: event.direction, users: event.users, diversion: event.diversion)
    }

    private enum CodingKeys: String, CodingKey {
        case from, to, direction, users, diversion
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            from: try c.decode(String.self, forKey: .from), to: try c.decode(String.self, forKey: .to),
            direction: try c.decode(Direction.self, forKey: .direction), users: try c.decode([String].self, forKey: .users),
            diversion: try c.decodeIfPresent(String.self, forKey: .diversion))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(direction, forKey: .direction)
        try c.encode(users, forKey: .users)
        try c.encodeIfPresent(diversion, forKey: .diversion)
    }
}

/// The last few menus a caller came through, newest last, packed into one word.
///
/// Holds up to ``capacity`` state indices; pushing more forgets the oldest. Phone menus
/// are shallow, and keeping this inline keeps a session free of extra allocations.
public struct MenuTrail: Sendable, Hashable, Codable {
    public static let capacity = 4
    private(set) var packed: UInt64 = 0
    private(set) var depth: UInt8 = 0

    public init() {}

    init(packed: UInt64, depth: UInt8) {
        self.packed = packed
        self.depth = depth
    }

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

/// How a ``CallID`` keeps its bytes: a string of 1 to 78 hex digits of one case (sipgate's
/// are 78 upper-case ones) packed two digits to a byte inline, any other string as it is.
///
/// Whether and how a string is packed depends on its bytes alone, so equal strings are
/// stored alike and two callIds compare byte for byte.
enum CompactCallID: Sendable {
    case packed(PackedHex)
    case string(String)

    init(_ text: String) {
        var text = text
        if let packed = text.withUTF8({ PackedHex(utf8: $0) }) {
            self = .packed(packed)
        } else {
            self = .string(text)
        }
    }

    init(validUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        if let packed = PackedHex(utf8: bytes) {
            self = .packed(packed)
        } else {
            self = .string(String(decoding: bytes, as: UTF8.self))
        }
    }

    var string: String {
        switch self {
        case .packed(let packed): packed.string
        case .string(let text): text
        }
    }

    /// Whether both are the same UTF-8 bytes (the store's notion of the same call).
    func isSameKey(as other: CompactCallID) -> Bool {
        switch (self, other) {
        case (.packed(let a), .packed(let b)): return a == b
        case (.string(var a), .string(var b)):
            // Contiguous bytes compared at once (the UTF-8 views would go byte by byte).
            guard a.utf8.count == b.utf8.count else { return false }
            return a.withUTF8 { x in b.withUTF8 { y in x.elementsEqual(y) } }
        default: return false  // a string that packs is always packed
        }
    }

    /// Feeds the key's bytes (packed: its five words) to `hasher`.
    func combine(into hasher: inout Hasher) {
        switch self {
        case .packed(let packed):
            hasher.combine(packed.w0)
            hasher.combine(packed.w1)
            hasher.combine(packed.w2)
            hasher.combine(packed.w3)
            hasher.combine(packed.w4)
        case .string(var text):
            hasher.combine(1 as UInt8)  // apart from any packed key
            text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }

    /// A hash of the key's bytes, seeded per process (Hasher): callers cannot aim at a
    /// shard or a slot.
    var keyHash: UInt64 {
        var hasher = Hasher()
        combine(into: &hasher)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    /// Up to 78 hex digits of one case, two to a byte (high nibble first) in bytes 0...38;
    /// byte 39 holds the digit count and, in its top bit, whether the letters are lower case.
    struct PackedHex: Sendable, Hashable {
        var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0, w4: UInt64 = 0

        static let maxDigits = 78

        init?(utf8: UnsafeBufferPointer<UInt8>) {
            let count = utf8.count
            guard count >= 1 && count <= Self.maxDigits, let base = utf8.baseAddress else { return nil }
            var packed = PackedHex()
            // Eight digits at a time in one word (SWAR), then the tail one by one.
            var letters = Letters()
            let fits = withUnsafeMutableBytes(of: &packed) { raw -> Bool in
                var i = 0
                while i + 8 <= count {
                    let word = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                    guard let four = Self.pack8(word, &letters) else { return false }
                    raw.storeBytes(of: four.littleEndian, toByteOffset: i >> 1, as: UInt32.self)
                    i += 8
                }
                while i < count {
                    guard let nibble = Self.nibble(base[i], &letters) else { return false }
                    raw[i >> 1] |= i & 1 == 0 ? nibble << 4 : nibble
                    i += 1
                }
                return true
            }
            guard fits, !(letters.upper && letters.lower) else { return nil }
            withUnsafeMutableBytes(of: &packed) { $0[39] = UInt8(count) | (letters.lower ? 0x80 : 0) }
            self = packed
        }

        /// Which cases of `A-F` the digits so far used.
        struct Letters {
            var upper = false
            var lower = false
        }

        @inline(__always)
        static func nibble(_ byte: UInt8, _ letters: inout Letters) -> UInt8? {
            switch byte {
            case 0x30...0x39: return byte &- 0x30
            case 0x41...0x46: letters.upper = true; return byte &- 0x41 &+ 10
            case 0x61...0x66: letters.lower = true; return byte &- 0x61 &+ 10
            default: return nil
            }
        }

        /// Eight hex digits (the first in the low byte) as four packed bytes (the first
        /// in the low byte, high nibble first), or nil when one of them is not a hex digit.
        @inline(__always)
        static func pack8(_ word: UInt64, _ letters: inout Letters) -> UInt32? {
            let high: UInt64 = 0x8080_8080_8080_8080
            let ones: UInt64 = 0x0101_0101_0101_0101
            guard word & high == 0 else { return nil }
            // For bytes below 0x80: x >= lo sets a byte's top bit in x + (0x80 - lo), x > hi in
            // x + (0x7F - hi); neither sum carries into the next byte.
            func within(_ lo: UInt64, _ hi: UInt64) -> UInt64 {
                ((word &+ (0x80 &- lo) &* ones) & ~(word &+ (0x7F &- hi) &* ones)) & high
            }
            let digit = within(0x30, 0x39)
            let upper = within(0x41, 0x46)
            let lower = within(0x61, 0x66)
            guard digit | upper | lower == high else { return nil }
            if upper != 0 { letters.upper = true }
            if lower != 0 { letters.lower = true }
            // A digit's value is its low nibble; a letter's is its low nibble + 9.
            let nibbles = (word & 0x0F0F_0F0F_0F0F_0F0F) &+ ((upper | lower) >> 7) &* 9
            // Each 16-bit lane (two digits) becomes one byte: first digit high, second low.
            var lanes = ((nibbles & 0x00FF_00FF_00FF_00FF) << 4) | ((nibbles >> 8) & 0x00FF_00FF_00FF_00FF)
            lanes = (lanes | (lanes >> 8)) & 0x0000_FFFF_0000_FFFF
            lanes = (lanes | (lanes >> 16)) & 0xFFFF_FFFF
            return UInt32(truncatingIfNeeded: lanes)
        }

        private init() {}

        func appendUTF8(to out: inout [UInt8]) {
            var copy = self
            withUnsafeBytes(of: &copy) { raw in
                let count = Int(raw[39] & 0x7F)
                let letterBase: UInt8 = raw[39] & 0x80 != 0 ? 0x61 - 10 : 0x41 - 10
                for i in 0..<count {
                    let nibble = i & 1 == 0 ? raw[i >> 1] >> 4 : raw[i >> 1] & 0x0F
                    out.append(nibble < 10 ? 0x30 &+ nibble : letterBase &+ nibble)
                }
            }
        }

        var string: String {
            var copy = self
            return withUnsafeBytes(of: &copy) { raw in
                let count = Int(raw[39] & 0x7F)
                let letterBase: UInt8 = raw[39] & 0x80 != 0 ? 0x61 - 10 : 0x41 - 10
                return String(unsafeUninitializedCapacity: count) { out in
                    for i in 0..<count {
                        let nibble = i & 1 == 0 ? raw[i >> 1] >> 4 : raw[i >> 1] & 0x0F
                        out[i] = nibble < 10 ? 0x30 &+ nibble : letterBase &+ nibble
                    }
                    return count
                }
            }
        }
    }
}

// Printed and dumped with the public fields, as before the compact representation.
extension Session: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "callId": callId, "flow": flow, "flowVersion": flowVersion, "state": state, "phase": phase,
                "noInputCount": noInputCount, "wrongKeyCount": wrongKeyCount, "silenceStreak": silenceStreak,
                "trail": trail.states, "variables": variables, "call": call, "answered": answered,
                "startedAt": startedAt, "lastActivity": lastActivity,
            ] as KeyValuePairs<String, Any>, displayStyle: .struct)
    }
}

extension CallData: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "from": from, "to": to, "direction": direction, "users": users, "diversion": diversion as Any,
            ] as KeyValuePairs<String, Any>, displayStyle: .struct)
    }
}
