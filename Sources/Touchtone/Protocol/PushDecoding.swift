// Turns the form body of a sipgate.io push into a typed `WebhookEvent`, in one pass over
// the bytes: known keys are matched by their bytes, their values remembered as offsets,
// and only the values the event keeps become Strings, once its type is known.
// The keys it knows are in PushKey.swift, its bounds and errors in PushLimits.swift.

extension WebhookEvent {
    /// Decodes the raw body of a sipgate.io push (`application/x-www-form-urlencoded`).
    ///
    /// Reads `+` as space, `%XX` escapes and UTF-8; `user[]` and `user%5B%5D` are the same
    /// key; list keys (`user[]`, `userId[]`, `fullUserId[]`) keep their order; unknown keys
    /// and empty pairs are ignored; a key without `=` has an empty value.
    ///
    /// Required: `event` and a non-empty `callId` always; `from`, `to` and `direction` for
    /// `newCall`; `cause` for `hangup`. A missing `dtmf` means no input (`""`). A `direction`
    /// must be `in` or `out` wherever it appears. A known key given twice is refused
    /// (lists excepted). `diversion`, `origCallId`, `xcid` and `answeringNumber` read nil
    /// when empty; other optional values keep an empty string (an empty `user` in an
    /// `answer` means voicemail or a queue answered).
    ///
    /// - Throws: ``PushDecodingError`` naming the field, e.g. `callId: missing`,
    ///   `direction: "sideways" is not in|out`, `body: larger than 16384 bytes`.
    @inlinable  // so that the caller's collection type is known and its storage reached directly
    public static func decode(_ body: some Collection<UInt8>, limits: PushLimits = .default) throws(PushDecodingError) -> WebhookEvent {
        // `count` is O(1) for the byte collections a server holds; nothing is copied or
        // scanned before the size is known to be within bounds.
        let count = body.count
        // Offsets into the body are kept as Int32, so 2 GiB is the ceiling whatever the limit.
        let maxBytes = min(limits.maxBodyBytes, Int(Int32.max))
        guard count <= maxBytes else {
            throw PushDecodingError(field: "body", reason: "larger than \(maxBytes) bytes")
        }
        guard count > 0 else { throw PushDecodingError(field: "body", reason: "empty") }
        // One decoding path over a buffer, whatever the collection; the event is returned
        // directly rather than through a Result, as it is large and copies add up.
        do {
            if let event = try body.withContiguousStorageIfAvailable({ bytes throws(PushDecodingError) in
                try decode(bytes: bytes, limits: limits)
            }) {
                return event
            }
        } catch {
            // `withContiguousStorageIfAvailable` rethrows untyped; only our error can arrive.
            throw error as? PushDecodingError ?? PushDecodingError(field: "body", reason: "not readable")
        }
        return try Array(body).withUnsafeBufferPointer { bytes throws(PushDecodingError) in
            try decode(bytes: bytes, limits: limits)
        }
    }

    @usableFromInline
    static func decode(bytes: UnsafeBufferPointer<UInt8>, limits: PushLimits) throws(PushDecodingError) -> WebhookEvent {
        // The decoder holds only offsets, so copies of it cost nothing; the lists, which
        // hold Strings, stay here and move into the event.
        var decoder = PushDecoder(bytes: bytes, limits: limits)
        var users: [String] = []
        var userIds: [String] = []
        var fullUserIds: [String] = []
        try decoder.scan(users: &users, userIds: &userIds, fullUserIds: &fullUserIds)
        return try decoder.makeEvent(users: users, userIds: userIds, fullUserIds: fullUserIds)
    }
}
/// One decoding of one body: `scan` reads every pair once, `makeEvent` builds the result.
struct PushDecoder {
    let bytes: UnsafeBufferPointer<UInt8>
    let limits: PushLimits

    var event: FormValue?
    var callId: FormValue?
    var from: FormValue?
    var to: FormValue?
    var direction: FormValue?
    var cause: FormValue?
    var dtmf: FormValue?
    var user: FormValue?
    var userId: FormValue?
    var fullUserId: FormValue?
    var answeringNumber: FormValue?
    var diversion: FormValue?
    var origCallId: FormValue?
    var xcid: FormValue?

    init(bytes: UnsafeBufferPointer<UInt8>, limits: PushLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// Reads every pair, remembering where the known single values are and decoding
    /// list items as they come (lists keep their order).
    @inline(__always)
    mutating func scan(
        users: inout [String], userIds: inout [String], fullUserIds: inout [String]
    ) throws(PushDecodingError) {
        var scanner = FormScanner(bytes, maxFields: limits.maxFields)
        while let pair = try scanner.next() {
            guard let key = key(of: pair) else { continue }
            let value = FormValue(
                start: Int32(truncatingIfNeeded: pair.value.lowerBound), end: Int32(truncatingIfNeeded: pair.value.upperBound),
                isEscaped: pair.valueIsEscaped, isPlain: !pair.valueIsEscaped && pair.isASCII)
            switch key {
            case .event: try Self.keep(value, in: &event, key)
            case .callId: try Self.keep(value, in: &callId, key)
            case .from: try Self.keep(value, in: &from, key)
            case .to: try Self.keep(value, in: &to, key)
            case .direction: try Self.keep(value, in: &direction, key)
            case .cause: try Self.keep(value, in: &cause, key)
            case .dtmf: try Self.keep(value, in: &dtmf, key)
            case .user: try Self.keep(value, in: &user, key)
            case .userId: try Self.keep(value, in: &userId, key)
            case .fullUserId: try Self.keep(value, in: &fullUserId, key)
            case .answeringNumber: try Self.keep(value, in: &answeringNumber, key)
            case .diversion: try Self.keep(value, in: &diversion, key)
            case .origCallId: try Self.keep(value, in: &origCallId, key)
            case .xcid: try Self.keep(value, in: &xcid, key)
            case .users: Self.append(try string(value, key), to: &users)
            case .userIds: Self.append(try string(value, key), to: &userIds)
            case .fullUserIds: Self.append(try string(value, key), to: &fullUserIds)
            }
        }
    }

    /// The typed event, checking required fields in a fixed order: event, callId, then
    /// the event's own fields in declaration order. The lists are consumed, so that they
    /// move into the event rather than being copied.
    @inline(__always)
    func makeEvent(
        users: consuming [String], userIds: consuming [String], fullUserIds: consuming [String]
    ) throws(PushDecodingError) -> WebhookEvent {
        guard let eventValue = event else { throw missing(.event) }
        let name = try eventName(eventValue)
        let callId = try callID()
        switch name {
        case .newCall:
            let from = try string(required(from, .from), .from)
            let to = try string(required(to, .to), .to)
            let direction = try parseDirection(required(direction, .direction))
            let diversion = try link(diversion, .diversion)
            let origCallId = try link(origCallId, .origCallId)
            let xcid = try link(xcid, .xcid)
            return .newCall(
                NewCallEvent(
                    callId: callId, from: from, to: to, direction: direction,
                    users: users, userIds: userIds, fullUserIds: fullUserIds,
                    diversion: diversion, origCallId: origCallId, xcid: xcid))
        case .answer:
            let user = try optional(user, .user)
            let userId = try optional(userId, .userId)
            let fullUserId = try optional(fullUserId, .fullUserId)
            return .answer(
                AnswerEvent(
                    callId: callId, user: user, userId: userId, fullUserId: fullUserId, details: try callDetails()))
        case .hangup:
            let cause = try hangupCause(required(cause, .cause))
            return .hangup(HangupEvent(callId: callId, cause: cause, details: try callDetails()))
        case .dtmf:
            let keys: String
            if let dtmf { keys = try digits(dtmf) } else { keys = "" }
            let origCallId = try link(origCallId, .origCallId)
            let xcid = try link(xcid, .xcid)
            return .dtmf(DTMFEvent(callId: callId, digits: keys, origCallId: origCallId, xcid: xcid))
        }
    }

    /// The fields `answer` and `hangup` share, checked in declaration order (arguments
    /// are evaluated in order).
    @inline(__always)
    private func callDetails() throws(PushDecodingError) -> CallDetails {
        CallDetails(
            from: try optional(from, .from), to: try optional(to, .to), direction: try optionalDirection(direction),
            answeringNumber: try link(answeringNumber, .answeringNumber), diversion: try link(diversion, .diversion),
            origCallId: try link(origCallId, .origCallId), xcid: try link(xcid, .xcid))
    }

    // MARK: Keys

    @inline(__always)
    private func key(of pair: FormPair) -> PushKey? {
        let raw = UnsafeBufferPointer(rebasing: bytes[pair.key])
        guard pair.keyIsEscaped else { return PushKey.match(raw) }
        return Self.escapedKey(raw)
    }

    /// A key holding `%` or `+`: rare, except for sipgate's own spelling of list keys.
    private static func escapedKey(_ raw: UnsafeBufferPointer<UInt8>) -> PushKey? {
        // sipgate's own spelling of list keys, `user%5B%5D`, read without unescaping.
        let brackets: StaticString = "%5B%5D"
        let bracketsCount = brackets.utf8CodeUnitCount
        if raw.count > bracketsCount,
            ASCII.equalBytes(UnsafeBufferPointer(rebasing: raw[(raw.count - bracketsCount)...]), brackets),
            let list = PushKey.match(UnsafeBufferPointer(rebasing: raw[..<(raw.count - bracketsCount)]))?.list
        {
            return list
        }
        // A key with a bad escape is no key we know: ignored like any unknown key.
        guard raw.count <= PushKey.maxEscapedLength else { return nil }
        return FormDecoding.withUnescaped(raw, isEscaped: true, PushKey.match) ?? nil
    }

    private static func append(_ item: String, to list: inout [String]) {
        // Room for a few users at once: growing one by one would allocate for each.
        if list.isEmpty { list.reserveCapacity(4) }
        list.append(item)
    }

    @inline(__always)
    private static func keep(_ value: FormValue, in slot: inout FormValue?, _ key: PushKey) throws(PushDecodingError) {
        // Two values for one field would leave it to chance which one a reader believes.
        guard slot == nil else { throw PushDecodingError(field: key.name, reason: "given more than once") }
        slot = value
    }

    // MARK: Values

    @inline(__always)
    private func raw(_ value: FormValue) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[Int(value.start)..<Int(value.end)])
    }

    private func missing(_ key: PushKey) -> PushDecodingError {
        PushDecodingError(field: key.name, reason: "missing")
    }

    @inline(__always)
    private func required(_ value: FormValue?, _ key: PushKey) throws(PushDecodingError) -> FormValue {
        guard let value else { throw missing(key) }
        return value
    }

    /// The value as a String, at most `maxBytes` once unescaped and valid UTF-8.
    @inline(__always)
    private func string(
        _ value: FormValue, field: @autoclosure () -> String, maxBytes: Int, unit: String = "bytes"
    ) throws(PushDecodingError) -> String {
        let raw = raw(value)
        guard value.isPlain else {
            return try FormDecoding.string(raw, isEscaped: value.isEscaped, field: field(), maxBytes: maxBytes, unit: unit)
        }
        // The common case: the bytes on the wire are the value, and ASCII.
        guard raw.count <= maxBytes else {
            throw PushDecodingError(field: field(), reason: "longer than \(maxBytes) \(unit)")
        }
        return FormDecoding.asciiString(raw)
    }

    @inline(__always)
    private func string(_ value: FormValue, _ key: PushKey) throws(PushDecodingError) -> String {
        try string(value, field: key.name, maxBytes: limits.maxFieldBytes)
    }

    @inline(__always)
    private func optional(_ value: FormValue?, _ key: PushKey) throws(PushDecodingError) -> String? {
        guard let value else { return nil }
        return try string(value, key)
    }

    /// An optional value that only links calls or numbers: empty reads as absent.
    @inline(__always)
    private func link(_ value: FormValue?, _ key: PushKey) throws(PushDecodingError) -> String? {
        guard let text = try optional(value, key), !text.isEmpty else { return nil }
        return text
    }

    /// Runs `match` on the unescaped bytes of `value`; a bad escape is an error for `key`.
    @inline(__always)
    private func matching<Matched>(
        _ value: FormValue, _ key: PushKey, _ match: (UnsafeBufferPointer<UInt8>) -> Result<Matched, PushDecodingError>
    ) throws(PushDecodingError) -> Matched {
        guard value.isEscaped else { return try match(raw(value)).get() }
        guard let result = FormDecoding.withUnescaped(raw(value), isEscaped: value.isEscaped, match) else {
            throw PushDecodingError(field: key.name, reason: "bad percent escape")
        }
        return try result.get()
    }

    private func eventName(_ value: FormValue) throws(PushDecodingError) -> EventName {
        if !value.isEscaped, let name = EventName(bytes: raw(value)) { return name }
        return try matching(value, .event) { bytes in
            if let name = EventName(bytes: bytes) { return .success(name) }
            return .failure(
                PushDecodingError(
                    field: "event", reason: "\(FormDecoding.quoted(bytes)) is not newCall|answer|hangup|dtmf"))
        }
    }

    @inline(__always)
    private func parseDirection(_ value: FormValue) throws(PushDecodingError) -> Direction {
        if !value.isEscaped, let direction = Direction(bytes: raw(value)) { return direction }
        return try matching(value, .direction) { bytes in
            if let direction = Direction(bytes: bytes) { return .success(direction) }
            return .failure(PushDecodingError(field: "direction", reason: "\(FormDecoding.quoted(bytes)) is not in|out"))
        }
    }

    @inline(__always)
    private func optionalDirection(_ value: FormValue?) throws(PushDecodingError) -> Direction? {
        guard let value else { return nil }
        return try parseDirection(value)
    }

    private func callID() throws(PushDecodingError) -> CallID {
        guard let value = callId else { throw missing(.callId) }
        // sipgate's ids are plain ASCII: packed straight from the body, no `String` between.
        if value.isPlain, value.end > value.start, Int(value.end - value.start) <= limits.maxCallIdLength {
            return CallID(validUTF8: raw(value))
        }
        let text = try string(value, field: "callId", maxBytes: limits.maxCallIdLength, unit: "characters")
        guard !text.isEmpty else { throw PushDecodingError(field: "callId", reason: "empty") }
        return CallID(text)
    }

    private func hangupCause(_ value: FormValue) throws(PushDecodingError) -> HangupCause {
        let text = try string(value, .cause)
        guard !text.isEmpty else { throw PushDecodingError(field: "cause", reason: "empty") }
        return HangupCause(rawValue: text)
    }

    /// The keys pressed; only `0-9`, `*`, `#` and `A-D` are keys of a phone's keypad.
    private func digits(_ value: FormValue) throws(PushDecodingError) -> String {
        let maxBytes = limits.maxFieldBytes
        guard value.isEscaped || Int(value.end - value.start) <= maxBytes else {
            throw PushDecodingError(field: "dtmf", reason: "longer than \(maxBytes) bytes")
        }
        // The common case, checked here without a closure: keypad keys as they are.
        if !value.isEscaped {
            let bytes = raw(value)
            if bytes.allSatisfy(Keypad.isKey) { return FormDecoding.asciiString(bytes) }
        }
        return try matching(value, .dtmf) { bytes in
            guard bytes.count <= maxBytes else {
                return .failure(PushDecodingError(field: "dtmf", reason: "longer than \(maxBytes) bytes"))
            }
            guard bytes.allSatisfy(Keypad.isKey) else {
                return .failure(
                    PushDecodingError(
                        field: "dtmf", reason: "\(FormDecoding.quoted(bytes)) holds a key that is not 0-9, *, #, A-D"))
            }
            // Only ASCII remains, which is valid UTF-8 as it stands.
            return .success(FormDecoding.asciiString(bytes))
        }
    }
}

extension EventName {
    /// The name whose bytes are `bytes`, spelt exactly as in the `event` field.
    @inline(__always)
    fileprivate init?(bytes: UnsafeBufferPointer<UInt8>) {
        switch bytes.count {
        case 7 where ASCII.equalBytes(bytes, "newCall"): self = .newCall
        case 6 where ASCII.equalBytes(bytes, "answer"): self = .answer
        case 6 where ASCII.equalBytes(bytes, "hangup"): self = .hangup
        case 4 where ASCII.equalBytes(bytes, "dtmf"): self = .dtmf
        default: return nil
        }
    }
}

extension Direction {
    /// `in` or `out`, spelt exactly.
    @inline(__always)
    fileprivate init?(bytes: UnsafeBufferPointer<UInt8>) {
        switch bytes.count {
        case 2 where bytes[0] == UInt8(ascii: "i") && bytes[1] == UInt8(ascii: "n"): self = .incoming
        case 3 where bytes[0] == UInt8(ascii: "o") && bytes[1] == UInt8(ascii: "u") && bytes[2] == UInt8(ascii: "t"):
            self = .outgoing
        default: return nil
        }
    }
}
