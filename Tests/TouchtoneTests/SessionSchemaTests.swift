import FoundationEssentials
// The session's fields are described once (`Session.describeFields(to:)`); saving,
// restoring, `Codable` and the mirror derive from that. These tests fail when a stored
// property is added and not described, and when the description drifts from the format.
@_spi(Reflection) import Swift  // `_forEachField`: the stored properties, which a mirror hides
import Testing

@testable import Touchtone

/// A session none of whose stored fields holds its `blank` value (the value restoring
/// starts from), with dates that survive seconds since 1970 exactly. A field added to
/// `Session` must get a value here: `fixtureSetsEveryStoredField` says so.
private func everyFieldSet() -> Session {
    var session = Session(
        callId: "54566B150B0C0D3A5D564D5F565F735B54565B54505E535E78595756455045544647465F5A57",
        flow: "support/hotline", flowVersion: 7, state: 3, phase: .awaitingLookup,
        call: CallData(
            from: "4915790000001", to: "4921100000002", direction: .outgoing, users: ["Alice", "Bob"],
            diversion: "4930123456"),
        startedAt: Date(timeIntervalSince1970: 1_767_225_600.5))
    session.noInputCount = 1
    session.wrongKeyCount = 2
    session.silenceStreak = 3
    session.lastActivity = Date(timeIntervalSince1970: 1_767_225_655.25)
    session.trail = MenuTrail([0, 2, 5])
    session.variables.set("customer", to: "K-1/99")
    session.answered = true
    session.turn = 4
    session.lastAnswer = keptAnswer
    var held = HeldLookup(deadline: Date(timeIntervalSince1970: 1_767_225_660.5), turn: 3)
    held.rounds = 2
    held.outcome = "found"
    held.variables.set("account", to: "7")
    session.held = held
    return session
}

/// A kept answer with every part: callbacks, plays and a gather with its prompt.
private let keptAnswer: Response = {
    let base = "https://ivr.example.com/"
    let callbacks = try! AbsoluteURL(base + "?f=support%2Fhotline")
    return Response(
        onAnswer: callbacks, onHangup: callbacks, plays: [Play(try! AbsoluteURL(base + "audio/no-input.wav"))],
        then: .gather(
            try! Gather(
                onData: callbacks, maxDigits: 4, timeoutMilliseconds: 5000,
                play: Play(try! AbsoluteURL(base + "audio/enter-pin.wav")))))
}()

/// The keys a described type lists, in order.
private struct KeyCollector<Root>: FieldVisitor {
    typealias Failure = Never
    var keys: [String] = []

    mutating func field<Value: FieldValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value>) {
        keys.append(key.description)
    }

    mutating func optionalField<Value: FieldValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value?>) {
        keys.append(key.description)
    }

    mutating func field<Value: FieldValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value>, absent: Value) {
        keys.append(key.description)
    }
}

private func keys<Root: FieldDescribed>(of _: Root.Type) -> [String] {
    var collector = KeyCollector<Root>()
    Root.describeFields(to: &collector)
    return collector.keys
}

/// The stored properties of `type` as the runtime lays them out: name, offset and size.
private func storedFields(of type: Any.Type) -> [(name: String, offset: Int, size: Int)] {
    func size<T>(_: T.Type) -> Int { MemoryLayout<T>.size }
    var fields: [(name: String, offset: Int, size: Int)] = []
    _ = _forEachField(of: type, options: []) { name, offset, fieldType, _ in
        fields.append((String(cString: name), offset, size(fieldType)))
        return true
    }
    return fields
}

/// The stored properties of `value` whose bytes are those of `blank`.
private func unsetFields<T>(of value: T, blank: T) -> [String] {
    var value = value
    var blank = blank
    return withUnsafeBytes(of: &value) { set in
        withUnsafeBytes(of: &blank) { unset in
            storedFields(of: T.self).filter { field in
                let range = field.offset..<(field.offset + field.size)
                return set[range].elementsEqual(unset[range])
            }.map(\.name)
        }
    }
}

/// The line `session` is saved as.
private func line(_ session: Session) throws -> [UInt8] {
    var bytes: [UInt8] = []
    let written = SessionFile.SessionLineWriter.append(session, to: &bytes)
    try #require(written)
    return bytes
}

@Suite struct SessionSchemaTests {
    /// Stored properties that are saved under another name: packed ones and their key.
    static let storedUnderAnotherName = ["trailStates": "trail", "trailDepth": "trail", "storedUsers": "users", "heldBox": "held"]

    @Test func everyStoredPropertyIsDescribed() {
        func check<Root: FieldDescribed>(_ type: Root.Type) {
            let described = Set(keys(of: type))
            for field in storedFields(of: type) {
                let key = Self.storedUnderAnotherName[field.name] ?? field.name
                #expect(
                    described.contains(key),
                    "\(type).\(field.name) is stored but not in \(type).describeFields(to:): it would not be saved")
            }
        }
        check(Session.self)
        check(CallData.self)
        check(Variables.Entry.self)
    }

    @Test func fixtureSetsEveryStoredField() {
        #expect(unsetFields(of: everyFieldSet(), blank: Session.blank) == [], "give these fields a value in everyFieldSet()")
        #expect(unsetFields(of: everyFieldSet().call, blank: CallData.blank) == [])
    }

    @Test func keysAreUniqueAndInTheOrderOfALine() {
        for list in [keys(of: Session.self), keys(of: CallData.self), keys(of: Variables.Entry.self)] {
            #expect(list == list.sorted(), "a line lists keys sorted, as JSONEncoder's .sortedKeys does")
            #expect(Set(list).count == list.count)
        }
    }

    @Test func everyFieldSurvivesTheStateFile() throws {
        let (bytes, written) = SessionFile.encode([everyFieldSet()])
        #expect(written == 1)
        let contents = try SessionFile.decode(Data(bytes), path: "memory")
        #expect(contents.problems == [])
        #expect(contents.sessions == [everyFieldSet()])
    }

    @Test func everyFieldSurvivesTheFastReader() throws {
        let read = try line(everyFieldSet()).withUnsafeBytes { SessionFile.SessionLineReader.parse($0) }
        #expect(try #require(read, "the fast reader reads what the writer writes") == everyFieldSet())
    }

    @Test func everyFieldSurvivesCodable() throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        #expect(try decoder.decode(Session.self, from: encoder.encode(everyFieldSet())) == everyFieldSet())
    }

    @Test func lineIsWhatJSONEncoderWrites() throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(try line(everyFieldSet()) == Array(encoder.encode(everyFieldSet())))
    }

    /// `everyFieldSet()` without its turn and kept answer, as the writer before the fields
    /// were described wrote it: state files already on disk must keep restoring.
    static let lineOfFormatVersion1 =
        #"{"answered":true,"call":{"direction":"out","diversion":"4930123456","#
        + #""from":"4915790000001","to":"4921100000002","users":["Alice","Bob"]},"#
        + #""callId":"54566B150B0C0D3A5D564D5F565F735B54565B54505E535E78595756455045544647465F5A57","#
        + #""flow":"support/hotline","flowVersion":7,"lastActivity":1767225655.25,"noInputCount":1,"phase":3,"#
        + #""silenceStreak":3,"startedAt":1767225600.5,"state":3,"trail":[0,2,5],"#
        + #""variables":[{"name":"customer","sensitive":false,"value":"K-1/99"}],"wrongKeyCount":2}"#

    /// `everyFieldSet()` as this build writes it: the format must not drift.
    static let lineWithTurns =
        #"{"answered":true,"call":{"direction":"out","diversion":"4930123456","#
        + #""from":"4915790000001","to":"4921100000002","users":["Alice","Bob"]},"#
        + #""callId":"54566B150B0C0D3A5D564D5F565F735B54565B54505E535E78595756455045544647465F5A57","#
        + #""flow":"support/hotline","flowVersion":7,"lastActivity":1767225655.25,"lastAnswer":"\#(keptAnswerBase64)","#
        + #""noInputCount":1,"phase":3,"#
        + #""silenceStreak":3,"startedAt":1767225600.5,"state":3,"trail":[0,2,5],"turn":4,"#
        + #""variables":[{"name":"customer","sensitive":false,"value":"K-1/99"}],"wrongKeyCount":2}"#

    static var keptAnswerBase64: String {
        var bytes: [UInt8] = []
        ResponseCoding().append(keptAnswer, to: &bytes)
        return Base64.encode(bytes)
    }

    @Test func theFormatIsTheOneAlreadyOnDisk() throws {
        // Lines written before holds have no held look-up.
        var beforeHolds = everyFieldSet()
        beforeHolds.held = nil
        #expect(String(decoding: try line(beforeHolds), as: UTF8.self) == Self.lineWithTurns)
        #expect(
            String(decoding: try line(everyFieldSet()), as: UTF8.self).contains(
                #""flowVersion":7,"held":{"deadline":1767225660.5,"outcome":"found","rounds":2,"turn":3,"#
                    + #""variables":[{"name":"account","sensitive":false,"value":"7"}]},"lastActivity""#))
        var withoutTurns = beforeHolds
        withoutTurns.turn = 0
        withoutTurns.lastAnswer = nil
        for (text, session) in [(Self.lineOfFormatVersion1, withoutTurns), (Self.lineWithTurns, beforeHolds)] {
            let file = "{\"touchtone-sessions\":1}\n" + text + "\n"
            let contents = try SessionFile.decode(Data(file.utf8), path: "memory")
            #expect(contents.problems == [])
            #expect(contents.sessions == [session])
            let fast = Array(text.utf8).withUnsafeBytes { SessionFile.SessionLineReader.parse($0) }
            #expect(fast == session, "read by the fast reader, not only by JSONDecoder")
        }
    }

    @Test func mirrorShowsTheDescribedFields() {
        let session = everyFieldSet()
        #expect(Mirror(reflecting: session).children.map(\.label) == keys(of: Session.self))
        #expect(Mirror(reflecting: session.call).children.map(\.label) == keys(of: CallData.self))
        let trail = Mirror(reflecting: session).descendant("trail", "states") as? [UInt16]
        #expect(trail == [0, 2, 5], "the trail shows its states, not its packed word")
        #expect(String(describing: session.call).contains(#"users: ["Alice", "Bob"]"#), "the users show as a list")
    }

    @Test func absentOptionalFieldIsLeftOutAndReadsAsNil() throws {
        var session = everyFieldSet()
        session.call.diversion = nil
        let written = try line(session)
        #expect(!String(decoding: written, as: UTF8.self).contains("diversion"))
        #expect(written.withUnsafeBytes { SessionFile.SessionLineReader.parse($0) } == session)
    }

    @Test func sessionStaysItsSize() {
        // The description adds no stored property: a million sessions live in memory. The
        // turn and the kept answer (a reference, shared when the answer was prepared) took
        // it from 172 to 188 bytes, the boxed held look-up (one reference) to 200.
        #expect(MemoryLayout<Session>.size == 200)
    }
}
