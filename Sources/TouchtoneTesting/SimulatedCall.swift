import FoundationEssentials
import Testing
import Touchtone

/// One simulated call: press keys, stay silent, answer, hang up, and check each answer.
///
/// Every step states what the caller hears and how the call's state changes; in exhaustive
/// mode (the default) a change that was not stated fails the test with a diff at the
/// test's own line.
public final class SimulatedCall: Sendable {
    /// sipgate's `callId` of this call, the same in every push of it (`test-call-1`, ... unless the test chose one).
    public let callId: CallID
    /// The calling number the call was placed from.
    public let from: String
    /// The called number the call was placed to.
    public let to: String
    /// Whether the call was placed as incoming or outgoing.
    public let direction: Direction
    let phone: TestPhone
    let transcriptLines = Lock<[String]>([])
    private let current = Lock<(state: CallState, heard: CallerHears?, xml: String)>((CallState(), nil, ""))
    /// The flow the call started in, once known: a hand-off shows as ``CallState/handedTo``.
    private let startedIn = Lock<String?>(nil)
    /// The last push with the address it went to, and the address the last answer named.
    private let pushes = Lock<(last: (event: WebhookEvent, address: PushAddress, caller: String?)?, next: PushAddress)>(
        (nil, PushAddress()))

    init(phone: TestPhone, callId: CallID, from: String, to: String, direction: Direction) {
        self.phone = phone
        self.callId = callId
        self.from = from
        self.to = to
        self.direction = direction
    }

    /// The call's state after the last step.
    public var state: CallState { current.withLock { $0.state } }

    /// What the caller got after the last step.
    public var heard: CallerHears? { current.withLock { $0.heard } }

    /// The raw sipgate XML of the last answer (already checked against sipgate's grammar).
    public var lastXML: String { current.withLock { $0.xml } }

    // MARK: Steps

    /// The caller presses `keys` (one push with all of them, as sipgate sends it after `Gather`).
    @discardableResult
    public func press(
        _ keys: String, hears expected: CallerHears? = nil, changes: ((inout CallState) -> Void)? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async -> CallerHears? {
        await step(
            .dtmf(DTMFEvent(callId: callId, digits: keys)), caller: keys, hears: expected, changes: changes, sourceLocation: sourceLocation)
    }

    /// The caller presses nothing: the `Gather` timed out (an empty `dtmf`).
    @discardableResult
    public func silence(
        hears expected: CallerHears? = nil, changes: ((inout CallState) -> Void)? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async -> CallerHears? {
        await step(
            .dtmf(DTMFEvent(callId: callId, digits: "")), caller: "(silence)", hears: expected, changes: changes,
            sourceLocation: sourceLocation)
    }

    /// Someone answers the call (after a transfer, or voicemail with `user` empty).
    public func answer(
        by user: String? = nil, number: String? = nil, changes: ((inout CallState) -> Void)? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        let event = WebhookEvent.answer(
            AnswerEvent(callId: callId, user: user, from: from, to: to, direction: direction, answeringNumber: number))
        await step(
            event, caller: "(answered\(user.map { " by \($0)" } ?? ""))", hears: .nothing, changes: changes, sourceLocation: sourceLocation)
    }

    /// The call ends.
    public func hangUp(
        _ cause: HangupCause = .normalClearing, changes: ((inout CallState) -> Void)? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        let event = WebhookEvent.hangup(HangupEvent(callId: callId, cause: cause, from: from, to: to, direction: direction))
        await step(event, caller: "(hang up: \(cause.rawValue))", hears: .nothing, changes: changes, sourceLocation: sourceLocation)
    }

    /// sipgate delivers the last push again (a retry by sipgate, a proxy or a load balancer):
    /// the caller must hear what they heard the first time, and the call must not change.
    @discardableResult
    public func repeatLastPush(sourceLocation: SourceLocation = #_sourceLocation) async -> CallerHears? {
        guard let last = pushes.withLock({ $0.last }) else {
            phone.fail("no push to repeat yet", at: sourceLocation)
            return nil
        }
        let heardBefore = heard
        return await step(
            last.event, address: last.address, caller: last.caller,
            hears: heardBefore ?? .nothing, changes: nil, sourceLocation: sourceLocation)
    }

    @discardableResult
    func step(
        _ event: WebhookEvent, address: PushAddress? = nil, caller: String?, hears expected: CallerHears?,
        changes: ((inout CallState) -> Void)?, sourceLocation: SourceLocation
    ) async -> CallerHears? {
        let before = state
        // A new call goes to the account's URL; every later push to the last answer's callbacks.
        let isRepeat = address != nil
        let address = address ?? (event.name == .newCall ? PushAddress() : pushes.withLock { $0.next })
        let delivery = await phone.transport.deliver(event, address: address, lookups: phone.stubs)
        pushes.withLock { pushes in
            if !isRepeat { pushes.last = (event, address, caller) }
            if delivery.status == 200, case .dtmf = event { pushes.next = delivery.next }
            if delivery.status == 200, case .newCall = event { pushes.next = delivery.next }
        }
        await phone.hooks.drain()
        let record = delivery.record
        if let caller {
            let shown = record?.digits == EventRecord.maskedDigits ? EventRecord.maskedDigits : caller
            transcriptLines.withLock { $0.append("> " + shown + (isRepeat ? " (again)" : "")) }
        }
        for problem in delivery.problems { phone.fail(problem, at: sourceLocation) }
        guard delivery.status == 200 else {
            phone.fail("the push was refused with \(delivery.status): \(delivery.xml)", at: sourceLocation)
            return nil
        }
        let problems = phone.grammarProblems(delivery.xml)
        if !problems.isEmpty {
            phone.fail(
                "the answer is not valid sipgate XML:\n" + problems.joined(separator: "\n") + "\n" + delivery.xml, at: sourceLocation)
        }
        guard let response = delivery.response else {
            phone.fail("the answer could not be read:\n\(delivery.xml)", at: sourceLocation)
            return nil
        }
        let heard = CallerHears(response)
        // `answer` and `hangup` get empty answers: the transcript shows only the caller's side of them.
        switch event {
        case .newCall, .dtmf: transcriptLines.withLock { $0.append("< " + heard.description) }
        case .answer, .hangup: break
        }

        if let record { cover(record) }

        let exhaustive = phone.exhaustivity == .on
        if let expected {
            if !expected.matches(heard) {
                phone.fail(
                    """
                    the caller heard something else (- expected, + actual):
                    - \(expected)
                    + \(heard)
                    """, at: sourceLocation)
            }
        } else if exhaustive {
            phone.fail("the step does not state what the caller hears; they heard: \(heard)", at: sourceLocation)
        }

        let actual = snapshot(after: before)
        var expectedState = before
        changes?(&expectedState)
        check(actual, expected: expectedState, before: before, exhaustive: exhaustive, at: sourceLocation)
        current.withLock { $0 = (actual, heard, delivery.xml) }
        return heard
    }

    /// Counts the push's edges and states for coverage; a push that handed the call on
    /// covers those of each flow it passed.
    private func cover(_ record: EventRecord) {
        for each in record.handedFrom + [record] {
            guard let flowName = each.flow, let flow = phone.flow(named: flowName) else { continue }
            phone.coverage.record(flow: flowName, state: each.stateAfter.flatMap { flow.stateIndex(named: $0) }, edges: each.trace)
        }
    }

    /// Fails when the call's state is not `expected`: in every field when `exhaustive`, else
    /// in the fields the test's changes stated (those where `expected` differs from `before`,
    /// a field that shows only when set, like ``CallState/handedTo``, included).
    private func check(
        _ actual: CallState, expected: CallState, before: CallState, exhaustive: Bool, at sourceLocation: SourceLocation
    ) {
        if exhaustive {
            guard expected != actual else { return }
            phone.fail(
                "the call's state changed differently (- expected, + actual):\n"
                    + TextDiff.lines(expected: expected.lines, actual: actual.lines), at: sourceLocation)
            return
        }
        let field = { (line: String) in line.prefix { $0 != ":" } }
        let stated = expected.lines.filter { !before.lines.contains($0) }
        let wrong = stated.filter { !actual.lines.contains($0) }
        guard !wrong.isEmpty else { return }
        let diff = wrong.map { line in
            "- \(line)\n+ " + (actual.lines.first { field($0) == field(line) } ?? "(no \(field(line)))")
        }
        phone.fail("the call's state changed differently (- expected, + actual):\n" + diff.joined(separator: "\n"), at: sourceLocation)
    }

    private func snapshot(after before: CallState) -> CallState {
        guard let session = phone.engine.store.session(callId), let flow = phone.flow(named: session.flow) else {
            var gone = before
            gone.ended = true
            return gone
        }
        let first = startedIn.withLock { first in
            if first == nil { first = session.flow }
            return first
        }
        return CallState(session, flow: flow, startedIn: first)
    }

    // MARK: Transcripts

    /// The call so far as text: `<` what the caller hears, `>` what the caller does.
    public var transcript: String { transcriptLines.withLock { $0.joined(separator: "\n") } }

    /// Fails unless the transcript is `expected` (leading and trailing blank lines and
    /// trailing spaces ignored), with a line diff.
    public func expectTranscript(_ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let want = SimulatedCall.normalised(expected)
        let have = SimulatedCall.normalised(transcript)
        if want != have {
            phone.fail("the transcript differs (- expected, + actual):\n" + TextDiff.text(expected: want, actual: have), at: sourceLocation)
        }
    }

    /// Compares the transcript with a golden file; with `TOUCHTONE_RECORD=1` in the
    /// environment it writes the file instead.
    public func expectTranscript(goldenFile path: String, sourceLocation: SourceLocation = #_sourceLocation) {
        if ProcessEnvironment.value("TOUCHTONE_RECORD") == "1" {
            do {
                try Data((transcript + "\n").utf8).write(to: URL(fileURLWithPath: path))
            } catch {
                phone.fail("cannot write golden file \(path): \(error)", at: sourceLocation)
            }
            return
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            phone.fail("no golden file at \(path); run with TOUCHTONE_RECORD=1 to write it", at: sourceLocation)
            return
        }
        expectTranscript(String(decoding: data, as: UTF8.self), sourceLocation: sourceLocation)
    }

    static func normalised(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var l = Substring(line)
            while l.last == " " { l = l.dropLast() }
            return String(l)
        }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        // Indentation shared by all lines (from a multi-line literal) does not count.
        let indent = lines.filter { !$0.isEmpty }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
        return lines.map { String($0.dropFirst(min(indent, $0.count))) }.joined(separator: "\n")
    }
}

/// Environment variables without Foundation's ProcessInfo.
enum ProcessEnvironment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
