/// One push from sipgate.io, decoded and typed.
///
/// sipgate POSTs a form-encoded body for each event of a call; ``WebhookEvent/decode(_:limits:)``
/// turns the raw bytes into one of these cases or a ``PushDecodingError`` naming the field.
///
/// ```swift
/// let event = try WebhookEvent.decode(Array("event=dtmf&dtmf=1&callId=42".utf8))
/// // .dtmf(DTMFEvent(callId: "42", digits: "1"))
/// ```
public enum WebhookEvent: Sendable, Hashable {
    /// A call begins: the first push of every call, answered with the flow's first step.(a forwarded or transferred call arrives as a new one).
    case newCall(NewCallEvent)
    /// Someone answered the call; sent only to a response's `onAnswer` URL.
    case answer(AnswerEvent)
    /// The call ended; sent only to a response's `onHangup` URL.
    case hangup(HangupEvent)
    /// The keys the caller typed after a `Gather`, sent to its `onData` URL.
    case dtmf(DTMFEvent)

    /// The call this event belongs to.
    public var callId: CallID {
        switch self {
        case .newCall(let e): e.callId
        case .answer(let e): e.callId
        case .hangup(let e): e.callId
        case .dtmf(let e): e.callId
        }
    }

    /// The event's name as sipgate spells it in the `event` field.
    public var name: EventName {
        switch self {
        case .newCall: .newCall
        case .answer: .answer
        case .hangup: .hangup
        case .dtmf: .dtmf
        }
    }
}

/// The four event names of the `event` field.
public enum EventName: String, Sendable, Hashable, CaseIterable, Codable {
    /// A call begins: the first push of every call, answered with the flow's first step.
    case newCall
    /// The other party answered the call (pushed when an answer set `onAnswer`).
    case answer
    /// The call ended (pushed when an answer set `onHangup`).
    case hangup
    /// The caller pressed the keys a `Gather` asked for (pushed to its `onData` URL).
    case dtmf
}

/// sipgate's opaque call identifier: 1 to ``PushLimits/maxCallIdLength`` bytes.
///
/// Seen as 78 hex characters and as 19 digits; sipgate reserves the right to change it,
/// so nothing but its length is checked. Two callIds are the same call when their UTF-8
/// bytes are the same (no Unicode normalisation: sipgate's ids are opaque bytes).
///
/// Hex ids of one case, up to 78 digits (all sipgate sends today), are kept packed two
/// digits to a byte inline, so a callId costs no allocation from the wire to the session
/// store; ``rawValue`` spells it out again.
public struct CallID: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The packed or plain form; which one depends on the string alone.
    let storage: CompactCallID

    /// A callId from its text, taken as it is (the push decoder is what checks the length).
    public init(_ rawValue: String) { storage = CompactCallID(rawValue) }
    /// A callId from a literal, taken as ``init(_:)`` takes it.
    public init(stringLiteral value: String) { self.init(value) }
    /// The callId's valid UTF-8 bytes, packed without building a `String` when they are hex.
    init(validUTF8 bytes: UnsafeBufferPointer<UInt8>) { storage = CompactCallID(validUTF8: bytes) }

    /// The callId as sipgate sent it.
    public var rawValue: String { storage.string }

    /// Whether the callId is hex digits of one case (sipgate's form), kept packed.
    public var isPlainHex: Bool {
        if case .packed = storage { return true }
        return false
    }

    /// Appends the callId's UTF-8 bytes to `out` without building a `String`.
    public func appendUTF8(to out: inout [UInt8]) {
        switch storage {
        case .packed(let packed): packed.appendUTF8(to: &out)
        case .string(var text): text.withUTF8 { out.append(contentsOf: $0) }
        }
    }
    /// The callId as sipgate sent it (``rawValue``).
    public var description: String { rawValue }

    /// The same call when the UTF-8 bytes are the same, packed or not.
    public static func == (lhs: CallID, rhs: CallID) -> Bool { lhs.storage.isSameKey(as: rhs.storage) }
    /// Hashes the bytes `==` compares, so equal callIds hash alike whether packed or not.
    public func hash(into hasher: inout Hasher) { storage.combine(into: &hasher) }

    /// Decoded from its text, as ``init(_:)`` takes it.
    public init(from decoder: any Decoder) throws { self.init(try decoder.singleValueContainer().decode(String.self)) }
    /// Encoded as its text (``rawValue``).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// Whether the call comes into the sipgate account or goes out of it.
public enum Direction: String, Sendable, Hashable, Codable, CaseIterable {
    /// The call comes in to the sipgate account (`direction=in`).
    case incoming = "in"
    /// A sipgate user places the call (`direction=out`).
    case outgoing = "out"
}

/// The fields of a `newCall` push.
public struct NewCallEvent: Sendable, Hashable {
    /// The call this push starts; every later push of the call carries the same id.
    public var callId: CallID
    /// The calling number (digits without `+`) or `anonymous`.
    public var from: String
    /// The called number.
    public var to: String
    /// Whether the call comes in to the account or goes out of it.
    public var direction: Direction
    /// `user[]`: the users receiving (in) or placing (out) the call, in order.
    public var users: [String]
    /// `userId[]`, e.g. `w0`.
    public var userIds: [String]
    /// `fullUserId[]`, e.g. `1234567w0`.
    public var fullUserIds: [String]
    /// The originally dialled number when the call was diverted before it reached sipgate.io.
    public var diversion: String?
    /// `origCallId`: the callId of the first call when this one comes from transferring or forwarding it; nil when not sent.
    public var origCallId: String?
    /// `xcid`: another call identifier sipgate sends but does not document; kept as sent, nil when not sent.
    public var xcid: String?

    /// A `newCall` event from its fields, as the decoder builds it; the user lists default to empty, the rest to nil.
    public init(
        callId: CallID, from: String, to: String, direction: Direction,
        users: [String] = [], userIds: [String] = [], fullUserIds: [String] = [],
        diversion: String? = nil, origCallId: String? = nil, xcid: String? = nil
    ) {
        self.callId = callId
        self.from = from
        self.to = to
        self.direction = direction
        self.users = users
        self.userIds = userIds
        self.fullUserIds = fullUserIds
        self.diversion = diversion
        self.origCallId = origCallId
        self.xcid = xcid
    }
}

/// What sipgate says about the call again in its `answer` and `hangup` pushes: each field
/// optional, as either push may leave any of them out.
///
/// Made by the decoder and by the events' initializers; read through an event
/// (`event.details.from`, or `event.from`) and changed through its properties.
public struct CallDetails: Sendable, Hashable {
    // No initializer of its own: the memberwise one builds the value in place, where an
    // initializer's `self` would be copied out once more on every push.

    /// The calling number (digits without `+`) or `anonymous`.
    public var from: String?
    /// The called number.
    public var to: String?
    /// Whether the call comes in to the account or goes out of it; nil when the push left it out.
    public var direction: Direction?
    /// The number that answered the call.
    public var answeringNumber: String?
    /// The originally dialled number when the call was diverted before it reached sipgate.io.
    public var diversion: String?
    /// `origCallId`: the callId of the first call when this one comes from transferring or forwarding it; nil when not sent.
    public var origCallId: String?
    /// `xcid`: another call identifier sipgate sends but does not document; kept as sent, nil when not sent.
    public var xcid: String?
}

/// An event that carries ``CallDetails`` (`answer` and `hangup`): their fields read and
/// write as its own, `event.from` as `event.details.from`.
@dynamicMemberLookup
public protocol CallDetailsCarrying {
    /// The fields shared with the other events that carry them.
    var details: CallDetails { get set }
}

extension CallDetailsCarrying {
    /// A field of ``details``, read and written as the event's own.
    public subscript<Value>(dynamicMember field: WritableKeyPath<CallDetails, Value>) -> Value {
        get { details[keyPath: field] }
        set { details[keyPath: field] = newValue }
    }
}

/// The fields of an `answer` push (sent when the response asked for it with `onAnswer`).
///
/// The fields it shares with `hangup` are in ``details`` and read as its own:
/// `event.from` is `event.details.from`.
public struct AnswerEvent: CallDetailsCarrying, Sendable, Hashable {
    // No initializer here, for the reason given at `CallDetails`: the public one is below.
    /// The call that was answered.
    public var callId: CallID
    /// The user who answered; empty when voicemail or a queue answered.
    public var user: String?
    /// `userId` of the user who answered, e.g. `w0`; nil when not sent.
    public var userId: String?
    /// `fullUserId` of the user who answered, e.g. `1234567w0`; nil when not sent.
    public var fullUserId: String?
    /// The fields `answer` shares with `hangup`.
    public var details: CallDetails
}

extension AnswerEvent {
    /// An `answer` event from its fields; those it shares with `hangup` go into ``details``. All but `callId` default to nil.
    public init(
        callId: CallID, user: String? = nil, userId: String? = nil, fullUserId: String? = nil,
        from: String? = nil, to: String? = nil, direction: Direction? = nil,
        answeringNumber: String? = nil, diversion: String? = nil, origCallId: String? = nil, xcid: String? = nil
    ) {
        self.init(
            callId: callId, user: user, userId: userId, fullUserId: fullUserId,
            details: CallDetails(
                from: from, to: to, direction: direction, answeringNumber: answeringNumber, diversion: diversion,
                origCallId: origCallId, xcid: xcid))
    }
}

/// Why a call ended, as listed in API.md, with room for causes sipgate adds later.
public enum HangupCause: Sendable, Hashable, Codable, CustomStringConvertible {
    /// One of the parties hung up after the call was established.
    case normalClearing
    /// The called party was busy.
    case busy
    /// The caller hung up before the called party picked up.
    case cancel
    /// The called party rejected the call (e.g. through a do-not-disturb setting).
    case noAnswer
    /// The called party could not be reached.
    case congestion
    /// The called number does not exist or the called party is offline.
    case notFound
    /// The call was forwarded to another party, where it arrives again as a new call (a call
    /// that rings out to voicemail ends like this).
    case forwarded
    /// A cause sipgate does not document (yet), with its text as sent: a new cause never fails a push.
    case unknown(String)

    /// The cause named `rawValue`, e.g. `busy`; any name not in the list becomes ``unknown(_:)``.
    public init(rawValue: String) {
        switch rawValue {
        case "normalClearing": self = .normalClearing
        case "busy": self = .busy
        case "cancel": self = .cancel
        case "noAnswer": self = .noAnswer
        case "congestion": self = .congestion
        case "notFound": self = .notFound
        case "forwarded": self = .forwarded
        default: self = .unknown(rawValue)
        }
    }

    /// The cause as sipgate spells it in the `cause` field, e.g. `normalClearing`.
    public var rawValue: String {
        switch self {
        case .normalClearing: "normalClearing"
        case .busy: "busy"
        case .cancel: "cancel"
        case .noAnswer: "noAnswer"
        case .congestion: "congestion"
        case .notFound: "notFound"
        case .forwarded: "forwarded"
        case .unknown(let s): s
        }
    }

    /// The cause as sipgate spells it (``rawValue``).
    public var description: String { rawValue }

    /// Decoded from its text, as ``init(rawValue:)`` reads it.
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    /// Encoded as its text (``rawValue``).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// The fields of a `hangup` push (sent when the response asked for it with `onHangup`).
///
/// The fields it shares with `answer` are in ``details`` and read as its own:
/// `event.from` is `event.details.from`.
public struct HangupEvent: CallDetailsCarrying, Sendable, Hashable {
    // No initializer here, for the reason given at `CallDetails`: the public one is below.
    /// The call that ended.
    public var callId: CallID
    /// Why the call ended, as sipgate reports it in the `cause` field.
    public var cause: HangupCause
    /// The fields `hangup` shares with `answer`.
    public var details: CallDetails
}

extension HangupEvent {
    /// A `hangup` event from its fields; those it shares with `answer` go into ``details``. All but `callId` and `cause` default to nil.
    public init(
        callId: CallID, cause: HangupCause, from: String? = nil, to: String? = nil, direction: Direction? = nil,
        answeringNumber: String? = nil, diversion: String? = nil, origCallId: String? = nil, xcid: String? = nil
    ) {
        self.init(
            callId: callId, cause: cause,
            details: CallDetails(
                from: from, to: to, direction: direction, answeringNumber: answeringNumber, diversion: diversion,
                origCallId: origCallId, xcid: xcid))
    }
}

/// The fields of a `dtmf` push: what the caller typed after a `Gather`.
public struct DTMFEvent: Sendable, Hashable {
    /// The call whose caller typed the keys.
    public var callId: CallID
    /// The keys pressed, in order, leading zeros kept (`0-9`, `*`, `#`, `A-D`).
    /// Empty when the caller pressed nothing (also when sipgate left the field out).
    public var digits: String
    /// `origCallId`: the callId of the first call when this one comes from transferring or forwarding it; nil when not sent.
    public var origCallId: String?
    /// `xcid`: another call identifier sipgate sends but does not document; kept as sent, nil when not sent.
    public var xcid: String?

    /// A `dtmf` event from its fields; empty `digits` means the caller pressed nothing.
    public init(callId: CallID, digits: String, origCallId: String? = nil, xcid: String? = nil) {
        self.callId = callId
        self.digits = digits
        self.origCallId = origCallId
        self.xcid = xcid
    }

    /// True when the `Gather` timed out with no key.
    public var isNoInput: Bool { digits.isEmpty }
}
