// The form keys of a push, matched by their bytes, and where their values lie.

/// The form keys a push decoder reads; every other key is ignored.
enum PushKey: Int, Sendable, CaseIterable {
    case event, callId, from, to, direction, cause, dtmf
    case user, userId, fullUserId, answeringNumber, diversion, origCallId, xcid
    case users, userIds, fullUserIds

    /// The key as it reads once unescaped (all are multi-character literals, so each has
    /// a pointer to its UTF-8 bytes).
    var literal: StaticString {
        switch self {
        case .event: "event"
        case .callId: "callId"
        case .from: "from"
        case .to: "to"
        case .direction: "direction"
        case .cause: "cause"
        case .dtmf: "dtmf"
        case .user: "user"
        case .userId: "userId"
        case .fullUserId: "fullUserId"
        case .answeringNumber: "answeringNumber"
        case .diversion: "diversion"
        case .origCallId: "origCallId"
        case .xcid: "xcid"
        case .users: "user[]"
        case .userIds: "userId[]"
        case .fullUserIds: "fullUserId[]"
        }
    }

    var name: String { literal.description }

    /// The list key spelt with `[]` after this one (`user` -> `user[]`), if there is one.
    var list: PushKey? {
        switch self {
        case .user: .users
        case .userId: .userIds
        case .fullUserId: .fullUserIds
        default: nil
        }
    }

    /// The key whose unescaped bytes are `key`, if any. Length and a byte or two narrow
    /// it to one candidate, then one comparison decides.
    static func match(_ key: UnsafeBufferPointer<UInt8>) -> PushKey? {
        let candidate: PushKey
        switch key.count {
        case 2: candidate = .to
        case 4:
            switch key[0] {
            case UInt8(ascii: "f"): candidate = .from
            case UInt8(ascii: "u"): candidate = .user
            case UInt8(ascii: "x"): candidate = .xcid
            case UInt8(ascii: "d"): candidate = .dtmf
            default: return nil
            }
        case 5: candidate = key[0] == UInt8(ascii: "e") ? .event : .cause
        case 6: candidate = key[0] == UInt8(ascii: "c") ? .callId : key[4] == UInt8(ascii: "[") ? .users : .userId
        case 8: candidate = .userIds
        case 9: candidate = key[2] == UInt8(ascii: "r") ? .direction : .diversion
        case 10: candidate = key[0] == UInt8(ascii: "f") ? .fullUserId : .origCallId
        case 12: candidate = .fullUserIds
        case 15: candidate = .answeringNumber
        default: return nil
        }
        return ASCII.equalBytes(key, candidate.literal) ? candidate : nil
    }

    /// The longest key, escaped throughout (`%XX` per byte): longer raw keys are unknown.
    static let maxEscapedLength = 15 * 3
}

/// Where a value sits in the body, still escaped. Int32 offsets (the body is at most
/// 2 GiB) keep the decoder's fourteen slots small, and it is copied a few times.
struct FormValue {
    var start: Int32
    var end: Int32
    var isEscaped: Bool
    /// No escapes and only ASCII: the bytes on the wire are the value, valid as they stand.
    var isPlain: Bool
}
