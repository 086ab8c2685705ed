import Touchtone

/// How a simulated call reaches a flow: straight into an engine, or over HTTP to a live
/// `touchtone` server. A test body runs the same over either.
public protocol CallTransport: Sendable {
    /// Delivers one push to the callback URL `address` names (its flow and turn, as the
    /// last answer's callback URLs carried them) and returns the answer as sipgate would see it.
    func deliver(_ event: WebhookEvent, address: PushAddress, lookups: LookupStubs) async -> Delivery
}

/// One answer as the caller's side sees it.
public struct Delivery: Sendable {
    /// The HTTP status (200 in memory).
    public var status: Int
    /// The XML body.
    public var xml: String
    /// What the engine recorded (in memory only).
    public var record: EventRecord?
    /// The typed answer (in memory: as the engine made it; live: read back from the XML).
    public var response: Response?
    /// What is wrong with the test rather than the flow (a stub that cannot be right).
    public var problems: [String]
    /// What the answer's callback URLs name (flow and turn): where sipgate sends the next push.
    public var next: PushAddress

    /// A delivery from its parts; no problems and an empty next address by default.
    public init(
        status: Int, xml: String, record: EventRecord?, response: Response?, problems: [String] = [],
        next: PushAddress = PushAddress()
    ) {
        self.status = status
        self.xml = xml
        self.record = record
        self.response = response
        self.problems = problems
        self.next = next
    }
}

/// How a test answers the async look-ups of a flow.
public indirect enum LookupStub: Sendable {
    /// The look-up returns this result at once.
    case answer(ErasedLookupResult)
    /// The look-up throws.
    case fail(String)
    /// The look-up passes its deadline.
    case late
    /// The look-up ends as the other stub says once the phone's clock is this far past the
    /// push that reached it: a look-up that holds its caller (`LookupHold`)
    /// answers that push with the hold, and each push after the clock passed the time
    /// finds the ending (or, past the look-up's deadline, takes its fallback).
    case after(Duration, LookupStub)

    /// The look-up ends with `outcome`, setting `variables`.
    public static func answer<Outcome: LookupOutcome>(_ outcome: Outcome, setting variables: [String: String] = [:]) -> LookupStub {
        .answer(ErasedLookupResult(LookupResult(outcome, setting: variables)))
    }
}

/// The stubs of a phone, by look-up state name; look-ups without a stub run for real.
public struct LookupStubs: Sendable {
    /// The stub of each look-up, keyed by the name of the state that runs it.
    public var byState: [String: LookupStub] = [:]
    /// Endings of held look-ups, due later.
    let late = LateLookups()
    /// No stubs: every look-up runs for real.
    public init() {}

    /// The look-up's answer, as stubbed or run for real, and what is wrong with its stub.
    func resolve(_ pending: PendingLookup) async -> (answer: PushAnswer, record: EventRecord, problem: String?) {
        switch byState[pending.state] {
        case .answer(let result)?:
            let (response, record) = pending.complete(with: .finished(result))
            guard !result.isOutcome(of: pending) else { return (response, record, nil) }
            return (
                response, record,
                "the stub of look-up \(pending.state) answers \(result.outcome), which is not one of its "
                    + "outcomes (\(pending.outcomes.joined(separator: ", "))): the call took its fallback"
            )
        case .fail(let reason)?:
            let (response, record) = pending.complete(with: .failed(reason))
            return (response, record, nil)
        case .late?:
            let (response, record) = pending.complete(with: .timedOut)
            return (response, record, nil)
        case .after(let delay, let stub)?:
            return await resolve(pending, after: delay, stub)
        case nil:
            let (response, record) = await pending.run()
            return (response, record, nil)
        }
    }

    /// A stub that ends the look-up late: at once when the look-up does not hold (or its
    /// time-out when `delay` passes the deadline); with the hold when it does, its ending
    /// kept once the clock reaches `delay`.
    private func resolve(_ pending: PendingLookup, after delay: Duration, _ stub: LookupStub) async -> (
        answer: PushAnswer, record: EventRecord, problem: String?
    ) {
        guard let holdAfter = pending.holdAfter, delay >= holdAfter else {
            if delay >= pending.deadline {
                let (response, record) = pending.complete(with: .timedOut)
                return (response, record, nil)
            }
            var now = self
            now.byState[pending.state] = stub
            return await now.resolve(pending)
        }
        let (response, record) = pending.hold()
        if delay < pending.deadline {
            switch stub {
            case .answer(let result): late.add(pending, after: delay, ending: .finished(result))
            case .fail(let reason): late.add(pending, after: delay, ending: .failed(reason))
            case .late, .after: break
            }
        }
        return (response, record, nil)
    }

    /// Keeps the late endings due by `now` with their sessions.
    func settleLate(now: Double) { late.settle(now: now) }
}

/// Delivers pushes straight to an engine, in memory: no sockets, no sipgate.
public struct EngineTransport: CallTransport {
    /// The engine that answers the pushes.
    public let engine: Engine
    /// A transport that hands every push to `engine`, in process.
    public init(engine: Engine) { self.engine = engine }

    public func deliver(_ event: WebhookEvent, address: PushAddress, lookups: LookupStubs) async -> Delivery {
        lookups.settleLate(now: engine.clock.now().timeIntervalSince1970)
        switch engine.handle(event, address: address) {
        case .answer(let answer, let record):
            return Delivery(
                status: 200, xml: answer.xml, record: record, response: answer.response,
                next: PushAddress(flow: record.flow, turn: answer.turn))
        case .lookup(let pending, _):
            let (answer, record, problem) = await lookups.resolve(pending)
            return Delivery(
                status: 200, xml: answer.xml, record: record, response: answer.response, problems: problem.map { [$0] } ?? [],
                next: PushAddress(flow: record.flow, turn: answer.turn))
        case .refused(let error):
            return Delivery(status: 400, xml: error.description, record: nil, response: nil)
        }
    }
}

extension WebhookEvent {
    /// The push as sipgate POSTs it: a form-encoded body (for live tests and tools).
    public var formBody: String {
        var fields: [(String, String)] = []
        switch self {
        case .newCall(let e):
            fields = [
                ("event", "newCall"), ("from", e.from), ("to", e.to), ("direction", e.direction.rawValue), ("callId", e.callId.rawValue),
            ]
            fields += e.users.map { ("user[]", $0) } + e.userIds.map { ("userId[]", $0) } + e.fullUserIds.map { ("fullUserId[]", $0) }
            if let d = e.diversion { fields.append(("diversion", d)) }
            if let o = e.origCallId { fields.append(("origCallId", o)) }
            if let x = e.xcid { fields.append(("xcid", x)) }
        case .answer(let e):
            fields = [("event", "answer"), ("callId", e.callId.rawValue)]
            if let u = e.user { fields.append(("user", u)) }
            if let u = e.userId { fields.append(("userId", u)) }
            if let u = e.fullUserId { fields.append(("fullUserId", u)) }
            if let f = e.from { fields.append(("from", f)) }
            if let t = e.to { fields.append(("to", t)) }
            if let d = e.direction { fields.append(("direction", d.rawValue)) }
            if let a = e.answeringNumber { fields.append(("answeringNumber", a)) }
            if let d = e.diversion { fields.append(("diversion", d)) }
        case .hangup(let e):
            fields = [("event", "hangup"), ("cause", e.cause.rawValue), ("callId", e.callId.rawValue)]
            if let f = e.from { fields.append(("from", f)) }
            if let t = e.to { fields.append(("to", t)) }
            if let d = e.direction { fields.append(("direction", d.rawValue)) }
            if let a = e.answeringNumber { fields.append(("answeringNumber", a)) }
        case .dtmf(let e):
            fields = [("event", "dtmf"), ("dtmf", e.digits), ("callId", e.callId.rawValue)]
        }
        return fields.map { FormEncoding.escape($0.0) + "=" + FormEncoding.escape($0.1) }.joined(separator: "&")
    }
}

/// `application/x-www-form-urlencoded` escaping as sipgate does it: `+` for space, `%XX` else.
public enum FormEncoding {
    /// `text` escaped for a form field name or value: letters, digits and `-_.*` stay, space becomes `+`, other bytes `%XX`.
    public static func escape(_ text: String) -> String {
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "*"):
                out.append(byte)
            case UInt8(ascii: " "):
                out.append(UInt8(ascii: "+"))
            default:
                out.append(UInt8(ascii: "%"))
                out.appendHex(byte, uppercase: true)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension PushAddress {
    /// The request target of a push to `/` with this address: `/?f=main&t=3`, or `/`.
    public var target: String {
        var query: [String] = []
        if let flow { query.append("f=" + FormEncoding.escape(flow)) }
        if let turn { query.append("t=\(turn)") }
        return query.isEmpty ? "/" : "/?" + query.joined(separator: "&")
    }

    /// The address the callback URLs of `response` name (its `onData`, else its `onHangup`).
    public init(callbacksOf response: Response) {
        var url = response.onHangup
        if case .gather(let gather) = response.final { url = gather.onData }
        guard let text = url?.text, let question = text.utf8.firstIndex(of: UInt8(ascii: "?")) else {
            self.init()
            return
        }
        self.init(query: text.utf8[text.utf8.index(after: question)...])
    }
}
