import Touchtone

/// The names a log repeats on every line (flows, states, edge labels, endings), each kept
/// once and known by a small number: the report counts by number, so a line costs hash
/// look-ups of its bytes, not a `String` per field.
///
/// The first numbers are fixed (``Known``): the endings, `back`, and the edge labels the
/// report sorts into silence, wrong keys and look-up outcomes.
struct NameTable {
    /// Every name's bytes, one after the other.
    private var arena: [UInt8] = []
    private var starts: [Int] = []
    private var hashes: [UInt64] = []
    /// What the report needs to know of each name, by number.
    private(set) var traits: [Traits] = []
    /// Open addressing: a name's number plus one, 0 for an empty slot.
    private var slots: [Int32]

    /// The numbers ``init()`` gives the names the report looks for.
    enum Known {
        static let transfer: Int32 = 0
        static let voicemail: Int32 = 1
        static let reject: Int32 = 2
        static let hangup: Int32 = 3
        static let callerHangup: Int32 = 4
        static let expired: Int32 = 5
        static let handOff: Int32 = 6
        static let back: Int32 = 7
        static let none: Int32 = 8
        /// The endings in the order reports list them; their numbers are their positions.
        static let endings = ["transfer", "voicemail", "reject", "hangup", "caller-hangup", "expired", "handoff"]
        static let names = endings + ["back", "none"]
    }

    /// What a name is, when it is an edge label, ending or action.
    struct Traits: OptionSet, Hashable {
        let rawValue: UInt8
        /// `no input`, `no input (limit)`.
        static let silence = Traits(rawValue: 1)
        /// `wrong key`, `wrong key (limit)`, `invalid input`.
        static let wrongKey = Traits(rawValue: 2)
        /// `result X`, `deadline passed`, `look-up failed`, `key K (holding)`.
        static let lookupOutcome = Traits(rawValue: 4)
        /// `share NAME (P%)`: an A/B split.
        static let share = Traits(rawValue: 8)
        /// Where an edge ends outside the flow's states: `transfer`, `voicemail`, `reject`, `hangup`, `back`.
        static let action = Traits(rawValue: 16)
        /// `held`: a slow look-up answered its push with the hold prompt.
        static let held = Traits(rawValue: 32)
    }

    init() {
        slots = [Int32](repeating: 0, count: 1024)
        for name in Known.names { _ = intern(name) }
    }

    /// The number of `name`, added if new.
    mutating func intern(_ name: String) -> Int32 {
        var name = name
        return name.withUTF8 { intern($0) }
    }

    /// The number of the name spelled by `bytes`, added if new.
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let hash = Self.hash(bytes)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            let id = Int(entry - 1)
            if hashes[id] == hash && equals(id, bytes) { return Int32(id) }
            slot = (slot + 1) & mask
        }
        let id = Int32(starts.count)
        starts.append(arena.count)
        arena.append(contentsOf: bytes)
        hashes.append(hash)
        traits.append(Self.traits(of: bytes))
        slots[slot] = id + 1
        if starts.count * 2 > slots.count { grow() }
        return id
    }

    /// The name numbered `id`.
    func name(_ id: Int32) -> String {
        let range = self.range(Int(id))
        return arena.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    /// The traits of name `id`.
    func traits(_ id: Int32) -> Traits { traits[Int(id)] }

    private func range(_ id: Int) -> Range<Int> {
        starts[id]..<(id + 1 < starts.count ? starts[id + 1] : arena.count)
    }

    private func equals(_ id: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let range = self.range(id)
        return arena.withUnsafeBufferPointer { ASCII.equalBytes(UnsafeBufferPointer(rebasing: $0[range]), bytes) }
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for id in 0..<starts.count {
            var slot = Int(truncatingIfNeeded: hashes[id]) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(id + 1)
        }
    }

    /// FNV-1a, then mixed so the low bits (the slot) depend on every byte.
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash = FNV1a()
        hash.add(bytes)
        return hash.value ^ (hash.value >> 29)
    }

    private static func traits(of bytes: UnsafeBufferPointer<UInt8>) -> Traits {
        let text = String(decoding: bytes, as: UTF8.self)
        switch text {
        case "no input", "no input (limit)": return .silence
        case "wrong key", "wrong key (limit)", "invalid input": return .wrongKey
        case "deadline passed", "look-up failed": return .lookupOutcome
        case "transfer", "voicemail", "reject", "hangup", "back", "handoff": return .action
        case "held": return .held
        default:
            if text.hasPrefix("result ") || (text.hasPrefix("key ") && text.hasSuffix(" (holding)")) { return .lookupOutcome }
            if text.hasPrefix("share ") { return .share }
            return []
        }
    }
}
