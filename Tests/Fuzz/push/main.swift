// libFuzzer target: the push body decoder (Sources/Touchtone/Protocol/: FormScanner,
// FormDecoding, WebhookEvent.decode). Built as one module with the Protocol folder by
// .ci/fuzz; run `.ci/fuzz push`.
//
// Checked: no crash; the same result (event or error) whether the body comes as an Array,
// an ArraySlice or a collection without contiguous storage; every value kept within the
// limits, with default and with tight limits; every error one log-safe line; and when
// `FormDecoding.pairs` also reads the body, it finds the same event name and callId.

/// Bytes without contiguous storage, so decode takes its copying path.
struct ScatteredBytes: Collection {
    let base: [UInt8]
    var startIndex: Int { base.startIndex }
    var endIndex: Int { base.endIndex }
    func index(after i: Int) -> Int { i + 1 }
    subscript(position: Int) -> UInt8 { base[position] }
}

func decodeResult(_ body: some Collection<UInt8>, _ limits: PushLimits) -> Result<WebhookEvent, PushDecodingError> {
    Result { () throws(PushDecodingError) -> WebhookEvent in try WebhookEvent.decode(body, limits: limits) }
}

/// Every string value the event keeps.
func values(_ event: WebhookEvent) -> [String] {
    switch event {
    case .newCall(let e):
        return [e.callId.rawValue, e.from, e.to] + e.users + e.userIds + e.fullUserIds
            + [e.diversion, e.origCallId, e.xcid].compactMap { $0 }
    case .answer(let e):
        return [e.callId.rawValue] + [e.user, e.userId, e.fullUserId].compactMap { $0 } + values(e.details)
    case .hangup(let e):
        return [e.callId.rawValue, e.cause.rawValue] + values(e.details)
    case .dtmf(let e):
        return [e.callId.rawValue, e.digits] + [e.origCallId, e.xcid].compactMap { $0 }
    }
}

/// Every string value of the fields `answer` and `hangup` share.
func values(_ details: CallDetails) -> [String] {
    [details.from, details.to, details.answeringNumber, details.diversion, details.origCallId, details.xcid].compactMap { $0 }
}

func check(_ result: Result<WebhookEvent, PushDecodingError>, body: [UInt8], limits: PushLimits) {
    switch result {
    case .success(let event):
        if body.count > limits.maxBodyBytes { fatalError("a body over the limit was decoded") }
        let callId = event.callId.rawValue.utf8.count
        if callId == 0 || callId > limits.maxCallIdLength { fatalError("callId of \(callId) bytes accepted") }
        for value in values(event) where value.utf8.count > limits.maxFieldBytes {
            fatalError("a value of \(value.utf8.count) bytes over the limit \(limits.maxFieldBytes)")
        }
        if case .dtmf(let e) = event, !e.digits.utf8.allSatisfy({ "0123456789*#ABCD".utf8.contains($0) }) {
            fatalError("dtmf digits \(e.digits.debugDescription) accepted")
        }
    case .failure(let error):
        checkLogSafe(error)
    }
}

/// An error's description goes into a log line as it is: one line, no control characters.
func checkLogSafe(_ error: PushDecodingError) {
    for scalar in error.description.unicodeScalars
    where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
        || scalar == "\u{2028}" || scalar == "\u{2029}" || (0x202A...0x202E).contains(scalar.value)
        || (0x2066...0x2069).contains(scalar.value)
    {
        fatalError("error description with U+\(String(scalar.value, radix: 16)): \(error.description.debugDescription)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let body = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let tight = PushLimits(maxBodyBytes: 512, maxFields: 6, maxFieldBytes: 12, maxCallIdLength: 8)
    for limits in [PushLimits.default, tight] {
        let fromArray = decodeResult(body, limits)
        check(fromArray, body: body, limits: limits)
        let fromSlice = decodeResult(([0x26] + body + [0x26])[1..<(body.count + 1)], limits)
        let fromScattered = decodeResult(ScatteredBytes(base: body), limits)
        if fromSlice != fromArray || fromScattered != fromArray {
            fatalError("the collection type changes the result: \(fromArray) / \(fromSlice) / \(fromScattered)")
        }
    }
    // The diagnostic reader of every pair agrees with the decoder on what they both read.
    do {
        let pairs = try FormDecoding.pairs(body)
        if case .success(let event) = decodeResult(body, .default) {
            let callIds = pairs.filter { $0.key == "callId" }.map(\.value)
            let names = pairs.filter { $0.key == "event" }.map(\.value)
            if callIds != [event.callId.rawValue] || names != [event.name.rawValue] {
                fatalError("pairs read callId \(callIds), event \(names); decode read \(event.callId), \(event.name)")
            }
        }
    } catch {
        checkLogSafe(error)
    }
    return 0
}
