import Foundation
import Testing
import Touchtone

// MARK: Helpers

private func decode(_ body: String, limits: PushLimits = .default) throws(PushDecodingError) -> WebhookEvent {
    try WebhookEvent.decode(Array(body.utf8), limits: limits)
}

/// The error decoding `body` throws, or nil (recorded as a failure) when it decodes.
private func rejection(
    _ body: [UInt8], limits: PushLimits = .default, sourceLocation: SourceLocation = #_sourceLocation
) -> PushDecodingError? {
    do {
        let event = try WebhookEvent.decode(body, limits: limits)
        Issue.record("decoded to \(event), expected a PushDecodingError", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Expects `body` to be refused with exactly `description` ("field: reason").
private func expectRejected(
    _ body: String, _ description: String, limits: PushLimits = .default,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    expectRejected(Array(body.utf8), description, limits: limits, sourceLocation: sourceLocation)
}

private func expectRejected(
    _ body: [UInt8], _ description: String, limits: PushLimits = .default,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let error = rejection(body, limits: limits, sourceLocation: sourceLocation) else { return }
    #expect(error.description == description, sourceLocation: sourceLocation)
    let field = description.prefix { $0 != ":" }
    #expect(error.field == String(field), sourceLocation: sourceLocation)
}

// MARK: Fixture

/// Tests/TouchtoneTests/Fixtures/requests.json: sipgate's bodies and what they must read as.
private struct RequestFixture: Decodable {
    struct Case: Decodable {
        var name: String
        var body: String
        var expect: [String: Value]
    }

    struct Rejected: Decodable {
        var name: String
        var body: String
    }

    enum Value: Decodable, Equatable {
        case text(String)
        case list([String])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let list = try? container.decode([String].self) {
                self = .list(list)
            } else {
                self = .text(try container.decode(String.self))
            }
        }
    }

    var cases: [Case]
    var rejected: [Rejected]

    static func load() throws -> RequestFixture {
        let url = try #require(Bundle.module.url(forResource: "requests", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(RequestFixture.self, from: Data(contentsOf: url))
    }
}

/// Builds the event a fixture's `expect` describes; keys not read here fail the test.
private struct ExpectedEvent {
    var values: [String: RequestFixture.Value]
    var read: Set<String> = []

    mutating func text(_ key: String) -> String? {
        read.insert(key)
        guard case .text(let text)? = values[key] else { return nil }
        return text
    }

    mutating func list(_ key: String) -> [String] {
        read.insert(key)
        guard case .list(let list)? = values[key] else { return [] }
        return list
    }

    mutating func direction() -> Direction? {
        text("direction").map { Direction(rawValue: $0) ?? .incoming }
    }

    mutating func event() throws -> WebhookEvent {
        let callId = CallID(try #require(text("callId")))
        switch text("event") {
        case "newCall":
            return .newCall(
                NewCallEvent(
                    callId: callId, from: try #require(text("from")), to: try #require(text("to")),
                    direction: try #require(direction()),
                    users: list("user[]"), userIds: list("userId[]"), fullUserIds: list("fullUserId[]"),
                    diversion: text("diversion"), origCallId: text("origCallId"), xcid: text("xcid")))
        case "answer":
            return .answer(
                AnswerEvent(
                    callId: callId, user: text("user"), userId: text("userId"), fullUserId: text("fullUserId"),
                    from: text("from"), to: text("to"), direction: direction(),
                    answeringNumber: text("answeringNumber"), diversion: text("diversion"),
                    origCallId: text("origCallId"), xcid: text("xcid")))
        case "hangup":
            return .hangup(
                HangupEvent(
                    callId: callId, cause: HangupCause(rawValue: try #require(text("cause"))),
                    from: text("from"), to: text("to"), direction: direction(),
                    answeringNumber: text("answeringNumber"), diversion: text("diversion"),
                    origCallId: text("origCallId"), xcid: text("xcid")))
        case "dtmf":
            return .dtmf(
                DTMFEvent(
                    callId: callId, digits: try #require(text("dtmf")), origCallId: text("origCallId"), xcid: text("xcid")))
        case let other:
            throw FixtureError(message: "unknown event \(String(describing: other))")
        }
    }

    struct FixtureError: Error { var message: String }
}

extension WebhookEvent {
    fileprivate var direction: Direction? {
        switch self {
        case .newCall(let e): e.direction
        case .answer(let e): e.direction
        case .hangup(let e): e.direction
        case .dtmf: nil
        }
    }
}

private func expectRejected(
    _ body: Repeated<UInt8>, _ description: String, limits: PushLimits = .default,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        _ = try WebhookEvent.decode(body, limits: limits)
        Issue.record("decoded", sourceLocation: sourceLocation)
    } catch {
        #expect(error.description == description, sourceLocation: sourceLocation)
    }
}

// MARK: Fuzzing

@Suite struct PushDecodingTests {
    @Test func everyFixtureCaseDecodesToExactlyItsListedValues() throws {
        let fixture = try RequestFixture.load()
        #expect(fixture.cases.count == 12)
        for fixtureCase in fixture.cases {
            var expected = ExpectedEvent(values: fixtureCase.expect)
            let event = try expected.event()
            #expect(Set(fixtureCase.expect.keys).subtracting(expected.read).isEmpty, "unread keys in \(fixtureCase.name)")
            let decoded = try WebhookEvent.decode(Array(fixtureCase.body.utf8))
            #expect(decoded == event, "\(fixtureCase.name)")
        }
    }

    @Test func everyFixtureRejectionNamesItsField() throws {
        let expected = [
            "no event": "event: missing",
            "unknown event": #"event: "transmogrify" is not newCall|answer|hangup|dtmf"#,
            "no callId": "callId: missing",
            "bad percent escape": "from: bad percent escape",
            "bad direction": #"direction: "sideways" is not in|out"#,
            "dtmf with letters outside the keypad": #"dtmf: "1x" holds a key that is not 0-9, *, #, A-D"#,
            "callId of 300 characters": "callId: longer than 256 characters",
        ]
        let fixture = try RequestFixture.load()
        #expect(Set(fixture.rejected.map(\.name)) == Set(expected.keys))
        for rejected in fixture.rejected {
            let description = try #require(expected[rejected.name], "no expectation for \(rejected.name)")
            expectRejected(rejected.body, description)
        }
    }

    // MARK: Events

    @Test func newCallReadsEveryField() throws {
        let event = try decode(
            "event=newCall&from=anonymous&to=4915791234567&direction=out&callId=C1&user%5B%5D=Alice&user[]=Bob"
                + "&userId%5B%5D=w0&userId%5B%5D=w1&fullUserId[]=1234567w0&fullUserId%5B%5D=1234567w1"
                + "&diversion=4921100000&origCallId=C0&xcid=5aada1e696b94cec")
        #expect(
            event
                == .newCall(
                    NewCallEvent(
                        callId: "C1", from: "anonymous", to: "4915791234567", direction: .outgoing,
                        users: ["Alice", "Bob"], userIds: ["w0", "w1"], fullUserIds: ["1234567w0", "1234567w1"],
                        diversion: "4921100000", origCallId: "C0", xcid: "5aada1e696b94cec")))
        #expect(event.callId == "C1")
        #expect(event.name == .newCall)
    }

    @Test(arguments: [
        ("event=newCall&callId=1&to=2&direction=in", "from: missing"),
        ("event=newCall&callId=1&from=1&direction=in", "to: missing"),
        ("event=newCall&callId=1&from=1&to=2", "direction: missing"),
        ("event=newCall&callId=1&from=1&to=2&direction=", #"direction: "" is not in|out"#),
        ("event=newCall&callId=1&from=1&to=2&direction=IN", #"direction: "IN" is not in|out"#),
    ])
    func newCallRequiresFromToAndDirection(body: String, description: String) {
        expectRejected(body, description)
    }

    @Test func answerReadsEveryField() throws {
        let event = try decode(
            "event=answer&callId=C1&user=John+Doe&userId=w0&fullUserId=1234567w0&from=492111234567&to=4915791234567"
                + "&direction=in&answeringNumber=21199999999&diversion=4921100000&origCallId=C0&xcid=x1")
        #expect(
            event
                == .answer(
                    AnswerEvent(
                        callId: "C1", user: "John Doe", userId: "w0", fullUserId: "1234567w0",
                        from: "492111234567", to: "4915791234567", direction: .incoming, answeringNumber: "21199999999",
                        diversion: "4921100000", origCallId: "C0", xcid: "x1")))
    }

    @Test func answerByVoicemailKeepsTheEmptyUserAndNeedsOnlyEventAndCallId() throws {
        #expect(try decode("event=answer&callId=C1&user=") == .answer(AnswerEvent(callId: "C1", user: "")))
        #expect(try decode("event=answer&callId=C1") == .answer(AnswerEvent(callId: "C1")))
    }

    @Test func emptyLinkFieldsReadAsAbsent() throws {
        let event = try decode("event=hangup&cause=busy&callId=C1&answeringNumber=&diversion=&origCallId=&xcid=&from=&to=")
        #expect(event == .hangup(HangupEvent(callId: "C1", cause: .busy, from: "", to: "")))
    }

    @Test(arguments: ["answer", "hangup"])
    func optionalDirectionMustStillBeInOrOut(event: String) throws {
        let base = "event=\(event)&callId=C1&cause=busy"
        #expect(try decode(base + "&direction=out").direction == .outgoing)
        #expect(try decode(base + "&direction=in").direction == .incoming)
        #expect(try decode(base).direction == nil)
        expectRejected(base + "&direction=sideways", #"direction: "sideways" is not in|out"#)
    }

    @Test(arguments: [
        ("normalClearing", HangupCause.normalClearing), ("busy", .busy), ("cancel", .cancel),
        ("noAnswer", .noAnswer), ("congestion", .congestion), ("notFound", .notFound), ("forwarded", .forwarded),
        ("somethingNew", .unknown("somethingNew")), ("Busy", .unknown("Busy")), ("no+answer", .unknown("no answer")),
    ])
    func hangupReadsEveryCause(raw: String, cause: HangupCause) throws {
        let event = try decode("event=hangup&callId=C1&cause=\(raw)&from=1&to=2&direction=in&answeringNumber=3")
        #expect(
            event
                == .hangup(
                    HangupEvent(
                        callId: "C1", cause: cause, from: "1", to: "2", direction: .incoming, answeringNumber: "3")))
    }

    @Test func answerAndHangupShareTheirCommonFieldsAndTheirDecoding() throws {
        let shared =
            "&callId=C1&from=492111234567&to=4915791234567&direction=out&answeringNumber=211&diversion=49211"
            + "&origCallId=C0&xcid=x1"
        guard case .answer(let answer) = try decode("event=answer&user=Alice" + shared),
            case .hangup(let hangup) = try decode("event=hangup&cause=busy" + shared)
        else {
            Issue.record("expected an answer and a hangup")
            return
        }
        #expect(answer.details == hangup.details)
        let expected = HangupEvent(
            callId: "C1", cause: .busy, from: "492111234567", to: "4915791234567", direction: .outgoing,
            answeringNumber: "211", diversion: "49211", origCallId: "C0", xcid: "x1")
        #expect(answer.details == expected.details)
        // Each keeps what only it has.
        #expect(answer.user == "Alice")
        #expect(hangup.cause == .busy)
    }

    @Test func sharedFieldsReadAndWriteAsTheEventsOwn() {
        var answer = AnswerEvent(callId: "C1", from: "1", answeringNumber: "3")
        #expect(answer.from == "1" && answer.answeringNumber == "3" && answer.to == nil)
        answer.to = "2"
        #expect(answer.details.to == "2")
        var hangup = HangupEvent(callId: "C1", cause: .cancel, direction: .incoming)
        hangup.xcid = "x"
        #expect(hangup.direction == .incoming && hangup.details.xcid == "x")
    }

    @Test func ownFieldsAreCheckedBeforeTheSharedOnes() {
        // The order errors are reported in did not change when the shared fields moved.
        expectRejected("event=hangup&callId=C1&direction=sideways", "cause: missing")
        expectRejected("event=answer&callId=C1&user=%ZZ&direction=sideways", "user: bad percent escape")
        expectRejected("event=answer&callId=C1&from=%ZZ&direction=sideways", "from: bad percent escape")
    }

    @Test func hangupRequiresANonEmptyCause() {
        expectRejected("event=hangup&callId=C1", "cause: missing")
        expectRejected("event=hangup&callId=C1&cause=", "cause: empty")
    }

    @Test func dtmfKeepsEveryKeypadKeyInOrder() throws {
        let event = try decode("event=dtmf&callId=C1&dtmf=0123456789%2A%23ABCD*&origCallId=C0&xcid=x1")
        #expect(event == .dtmf(DTMFEvent(callId: "C1", digits: "0123456789*#ABCD*", origCallId: "C0", xcid: "x1")))
        #expect(try decode("event=dtmf&callId=C1&dtmf=007") == .dtmf(DTMFEvent(callId: "C1", digits: "007")))
    }

    @Test func dtmfMissingOrEmptyIsNoInput() throws {
        for body in ["event=dtmf&callId=C1", "event=dtmf&callId=C1&dtmf=", "event=dtmf&callId=C1&dtmf"] {
            guard case .dtmf(let dtmf) = try decode(body) else {
                Issue.record("\(body) is not a dtmf event")
                continue
            }
            #expect(dtmf.digits == "")
            #expect(dtmf.isNoInput)
        }
    }

    @Test(arguments: [
        ("a", #"dtmf: "a" holds a key that is not 0-9, *, #, A-D"#),
        ("E", #"dtmf: "E" holds a key that is not 0-9, *, #, A-D"#),
        ("1+2", #"dtmf: "1 2" holds a key that is not 0-9, *, #, A-D"#),
        ("1%0A2", #"dtmf: "1\n2" holds a key that is not 0-9, *, #, A-D"#),
        ("%C3%A4", #"dtmf: "ä" holds a key that is not 0-9, *, #, A-D"#),
        ("1%ZZ", "dtmf: bad percent escape"),
    ])
    func dtmfRefusesKeysOffTheKeypad(raw: String, description: String) {
        expectRejected("event=dtmf&callId=C1&dtmf=\(raw)", description)
    }

    @Test func eventMustBeOneOfFourNamesSpelledExactly() {
        expectRejected("event=NewCall&callId=1", #"event: "NewCall" is not newCall|answer|hangup|dtmf"#)
        expectRejected("event=&callId=1", #"event: "" is not newCall|answer|hangup|dtmf"#)
        expectRejected("event=%ZZ&callId=1", "event: bad percent escape")
    }

    @Test func refusedValuesAreQuotedSafelyForALogLine() {
        let long = String(repeating: "x", count: 100)
        expectRejected(
            "event=\(long)&callId=1",
            #"event: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…" is not newCall|answer|hangup|dtmf"#)
        expectRejected(
            "event=a%0D%0Ab%22c%5C%1B%E2%80%AE&callId=1",
            #"event: "a\r\nb\"c\\\u{001B}\u{202E}" is not newCall|answer|hangup|dtmf"#)
        expectRejected("event=%FF&callId=1", "event: \"\u{FFFD}\" is not newCall|answer|hangup|dtmf")
    }

    // MARK: callId

    @Test func callIdIsRequiredNonEmptyAndBounded() throws {
        expectRejected("event=dtmf&dtmf=1", "callId: missing")
        expectRejected("event=dtmf&callId=&dtmf=1", "callId: empty")
        expectRejected("event=dtmf&callId&dtmf=1", "callId: empty")
        let max = String(repeating: "A", count: 256)
        #expect(try decode("event=dtmf&callId=\(max)").callId == CallID(max))
        expectRejected("event=dtmf&callId=\(max)A", "callId: longer than 256 characters")
        // The bound applies to the unescaped id: 256 escaped characters are 768 bytes on the wire.
        let escaped = String(repeating: "%41", count: 256)
        #expect(try decode("event=dtmf&callId=\(escaped)").callId == CallID(max))
        expectRejected("event=dtmf&callId=\(escaped)%41", "callId: longer than 256 characters")
        expectRejected("event=dtmf&callId=12345", "callId: longer than 4 characters", limits: PushLimits(maxCallIdLength: 4))
    }

    @Test func theSignedPushFromSipgateIsRefusedForItsEmptyCallId() throws {
        // /work/shared/sipgate-io/signature/signed-body.txt: a real push with an empty callId and
        // keys such as user%5B%5D%5B0%5D (that is user[][0]) that no event reads.
        let signed =
            "callId=&direction=in&event=newCall&from=4912354678&fullUserId%5B%5D%5B0%5D=123456789"
            + "&originalCallId=&to=49999999&user%5B%5D%5B0%5D=TestUser&userId%5B%5D%5B0%5D=123456789&xcid="
        expectRejected(signed, "callId: empty")
        let withId = signed.replacingOccurrences(of: "callId=&", with: "callId=C1&")
        #expect(
            try decode(withId)
                == .newCall(
                    NewCallEvent(
                        callId: "C1", from: "4912354678", to: "49999999", direction: .incoming)))
    }

    // MARK: Form rules, through the push decoder

    @Test func valuesAreUnescapedAsFormData() throws {
        let event = try decode("event=answer&callId=C%2B1&user=J%C3%BCrgen+M%c3%bcller&from=%2B49+1&to=a%3Db%26c")
        #expect(event == .answer(AnswerEvent(callId: "C+1", user: "Jürgen Müller", from: "+49 1", to: "a=b&c")))
    }

    @Test func bracketsMayArriveLiteralOrEscapedAndListsKeepTheirOrder() throws {
        let event = try decode(
            "event=newCall&from=1&to=2&direction=in&callId=C1&user[]=A&user%5B%5D=B&user%5b%5d=C&user[%5D=D&userId[]=w0")
        guard case .newCall(let call) = event else {
            Issue.record("not a newCall: \(event)")
            return
        }
        #expect(call.users == ["A", "B", "C", "D"])
        #expect(call.userIds == ["w0"])
        // Escapes before the brackets, and bracket forms of keys that are no lists.
        let mixed = try decode(
            "event=newCall&from=1&to=2&direction=in&callId=C1&us%65r%5B%5D=A&fullUserId%5B%5D=f&%5B%5D=x"
                + "&dtmf%5B%5D=1&xuser%5B%5D=y&user%5B%5D%5B0%5D=z")
        #expect(
            mixed
                == .newCall(
                    NewCallEvent(
                        callId: "C1", from: "1", to: "2", direction: .incoming, users: ["A"], fullUserIds: ["f"])))
    }

    @Test func keysMayBeEscapedAnywhereAndUnknownKeysAreIgnored() throws {
        let event = try decode("%65vent=dtmf&call%49d=C1&dtm%66=5&somethingNew=1&another%5B%5D=x&%ZZ=1&user=%ZZ&=x&k")
        #expect(event == .dtmf(DTMFEvent(callId: "C1", digits: "5")))
    }

    @Test func emptyPairsAreToleratedAndAKeyWithoutEqualsIsEmpty() throws {
        #expect(try decode("&&event=dtmf&&callId=C1&&&dtmf&") == .dtmf(DTMFEvent(callId: "C1", digits: "")))
        #expect(try decode("event=answer&callId=C1&user") == .answer(AnswerEvent(callId: "C1", user: "")))
    }

    @Test func aKnownSingleFieldGivenTwiceIsRefused() {
        expectRejected("event=dtmf&callId=1&callId=2", "callId: given more than once")
        expectRejected("event=dtmf&event=dtmf&callId=1", "event: given more than once")
        expectRejected("event=dtmf&callId=1&dtmf=1&dtmf%3D=2&dtm%66=3", "dtmf: given more than once")
    }

    @Test func badEscapesNameTheField() {
        expectRejected("event=newCall&callId=1&from=%ZZ&to=2&direction=in", "from: bad percent escape")
        expectRejected("event=newCall&callId=1&from=1&to=%G0&direction=in", "to: bad percent escape")
        expectRejected("event=newCall&callId=1&from=1&to=2&direction=in&user[]=%", "user[]: bad percent escape")
        expectRejected("event=dtmf&callId=%2", "callId: bad percent escape")
        // A truncated escape as the very last bytes of the body.
        expectRejected("event=dtmf&callId=1&dtmf=%4", "dtmf: bad percent escape")
        expectRejected("event=answer&callId=1&user=a%", "user: bad percent escape")
    }

    @Test func invalidUTF8IsRefused() {
        expectRejected("event=answer&callId=1&user=%FF", "user: not valid UTF-8")
        expectRejected("event=answer&callId=1&user=%C3", "user: not valid UTF-8")
        expectRejected("event=answer&callId=1&user=%C0%AF", "user: not valid UTF-8")
        expectRejected("event=answer&callId=1&user=%ED%A0%80", "user: not valid UTF-8")
        expectRejected("event=dtmf&callId=%FE", "callId: not valid UTF-8")
        expectRejected("event=newCall&from=1&to=2&direction=in&callId=1&userId%5B%5D=%80", "userId[]: not valid UTF-8")
        // Raw bytes that are not UTF-8, unescaped on the wire.
        expectRejected(Array("event=answer&callId=1&from=".utf8) + [0xC3, 0x28], "from: not valid UTF-8")
    }

    // MARK: Limits

    @Test func theBodyIsBoundedBeforeItIsRead() throws {
        expectRejected([], "body: empty")
        let limit = PushLimits.default.maxBodyBytes
        #expect(limit == 16384)
        let head = "event=dtmf&callId=1&pad="
        let exact = head + String(repeating: "p", count: limit - head.utf8.count)
        #expect(try decode(exact) == .dtmf(DTMFEvent(callId: "1", digits: "")))
        expectRejected(exact + "p", "body: larger than 16384 bytes")
        // A terabyte that is never materialised: decoding it must not read or copy a byte.
        expectRejected(repeatElement(UInt8(ascii: "a"), count: 1 << 40), "body: larger than 16384 bytes")
        // Whatever the limit, offsets are 32-bit: more than 2 GiB is refused, again unread.
        expectRejected(
            repeatElement(UInt8(ascii: "a"), count: 1 << 31), "body: larger than 2147483647 bytes",
            limits: PushLimits(maxBodyBytes: .max))
        expectRejected("event=dtmf&callId=1", "body: larger than 10 bytes", limits: PushLimits(maxBodyBytes: 10))
    }

    @Test func anyByteCollectionDecodes() throws {
        let expected = WebhookEvent.dtmf(DTMFEvent(callId: "C1", digits: "12"))
        let bytes = Array("event=dtmf&callId=C1&dtmf=12".utf8)
        // No contiguous storage: copied once, after the size check.
        #expect(try WebhookEvent.decode(bytes.lazy.map { $0 }) == expected)
        // A slice of a larger buffer, as a server holds a body inside its read buffer.
        let framed = Array("POST / HTTP/1.1\r\n\r\nevent=dtmf&callId=C1&dtmf=12&&GET".utf8)
        #expect(try WebhookEvent.decode(framed[19..<(framed.count - 5)]) == expected)
        #expect(try WebhookEvent.decode("event=dtmf&callId=C1&dtmf=12".utf8) == expected)
    }

    @Test func theNumberOfFieldsIsBounded() throws {
        let base = "event=dtmf&callId=1"
        let sixtyFour = base + String(repeating: "&x=1", count: 62)
        #expect(try decode(sixtyFour) == .dtmf(DTMFEvent(callId: "1", digits: "")))
        expectRejected(sixtyFour + "&x=1", "body: more than 64 fields")
        // Empty pairs are no fields.
        #expect(try decode(sixtyFour + String(repeating: "&", count: 500)).callId == "1")
        expectRejected("a&b&c&event=dtmf&callId=1", "body: more than 4 fields", limits: PushLimits(maxFields: 4))
    }

    @Test func eachValueIsBounded() throws {
        let max = String(repeating: "9", count: 1024)
        let head = "event=newCall&callId=1&to=2&direction=in&from="
        #expect(try decode(head + max) == .newCall(NewCallEvent(callId: "1", from: max, to: "2", direction: .incoming)))
        expectRejected(head + max + "9", "from: longer than 1024 bytes")
        // Counted after unescaping: 1024 escaped bytes pass, 1025 do not.
        let escaped = String(repeating: "%39", count: 1024)
        #expect(try decode(head + escaped) == .newCall(NewCallEvent(callId: "1", from: max, to: "2", direction: .incoming)))
        expectRejected(head + escaped + "+", "from: longer than 1024 bytes")
        let small = PushLimits(maxFieldBytes: 3)
        expectRejected("event=newCall&callId=1&from=1&to=2&direction=in&user[]=Anna", "user[]: longer than 3 bytes", limits: small)
        expectRejected("event=dtmf&callId=1&dtmf=1234", "dtmf: longer than 3 bytes", limits: small)
        expectRejected("event=dtmf&callId=1&dtmf=%31%32%33%34", "dtmf: longer than 3 bytes", limits: small)
        #expect(try decode("event=dtmf&callId=1&dtmf=123", limits: small) == .dtmf(DTMFEvent(callId: "1", digits: "123")))
        // Unknown values are not read, so they are not bounded one by one (the body limit holds).
        #expect(try decode("event=dtmf&callId=1&pad=12345678", limits: small).callId == "1")
    }

    @Test func twentyThousandRandomAndMutatedBodiesOnlyDecodeOrThrow() throws {
        var random = SplitMix64(seed: 0x5EED_70C4_70E5)
        let seeds =
            try RequestFixture.load().cases.map { Array($0.body.utf8) } + [
                Array("event=hangup&cause=busy&callId=C1&direction=out&answeringNumber=1".utf8),
                Array("event=answer&callId=C1&user=J%C3%BCrgen&direction=in".utf8),
            ]
        let alphabet = Array("&=%+[]5BDdcA0fF9 ".utf8) + [0x00, 0x0A, 0x7F, 0x80, 0xC3, 0xBC, 0xFF]
        let keys = [
            "event", "callId", "from", "to", "direction", "cause", "dtmf", "user", "user%5B%5D", "userId[]",
            "fullUserId%5b%5d", "answeringNumber", "diversion", "origCallId", "xcid", "x", "",
        ].map { Array($0.utf8) }
        let values = [
            "newCall", "answer", "hangup", "dtmf", "in", "out", "busy", "1%2A", "%", "%4", "%ZZ", "%C3%BC",
            "%FF", "+", "", "A%42C",
        ].map { Array($0.utf8) }
        let knownFields: Set<String> = [
            "body", "event", "callId", "from", "to", "direction", "cause", "dtmf", "user", "userId", "fullUserId",
            "answeringNumber", "diversion", "origCallId", "xcid", "user[]", "userId[]", "fullUserId[]",
        ]
        let limitChoices = [PushLimits.default, PushLimits(maxBodyBytes: 64, maxFields: 4, maxFieldBytes: 5, maxCallIdLength: 3)]
        var decoded = 0
        for round in 0..<20_000 {
            var body: [UInt8]
            switch round % 3 {
            case 0:
                // Random bytes over the characters that matter to the form grammar.
                body = (0..<Int.random(in: 0...120, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
            case 1:
                // Random pairs of known keys and tricky values.
                var pairs: [[UInt8]] = []
                for _ in 0..<Int.random(in: 0...12, using: &random) {
                    pairs.append(keys.randomElement(using: &random)! + Array("=".utf8) + values.randomElement(using: &random)!)
                }
                body = Array(pairs.joined(separator: Array("&".utf8)))
            default:
                // A real body with a few bytes changed, inserted, removed or the tail cut off.
                body = seeds.randomElement(using: &random)!
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    let position = Int.random(in: 0...body.count, using: &random)
                    switch Int.random(in: 0..<4, using: &random) {
                    case 0 where position < body.count: body[position] = alphabet.randomElement(using: &random)!
                    case 1: body.insert(alphabet.randomElement(using: &random)!, at: position)
                    case 2 where position < body.count: body.remove(at: position)
                    default: body.removeSubrange(position...)
                    }
                }
            }
            let limits = limitChoices[round & 1]
            do {
                let event = try WebhookEvent.decode(body, limits: limits)
                decoded += 1
                #expect(!event.callId.rawValue.isEmpty)
                #expect(event.callId.rawValue.utf8.count <= limits.maxCallIdLength)
                #expect(try WebhookEvent.decode(body, limits: limits) == event)
            } catch {
                #expect(knownFields.contains(error.field), "\(error)")
                #expect(!error.description.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(error)")
            }
        }
        // The generator reaches both outcomes, or the test would prove little.
        #expect(decoded > 500)
    }
}
