import FoundationEssentials

/// One push's work on its call's session, for whichever store holds it: what to read,
/// what to do with what was read, and what to do once the store took the change.
///
/// The engine runs it on its own store in place (``Engine/handle(_:address:)``). A store
/// the engine cannot lock in the process (Redis) runs it in three steps: read the session
/// as ``access`` says, ``apply(to:)`` it (or ``applyWithoutSession()``), write the session
/// back if ``SessionWorkResult/changed`` and nobody changed it meanwhile (else read it again
/// and apply again), then ``finish(_:)``, which runs the hooks and counts, once.
///
/// ```swift
/// case .work(let work):
///     var session = try await redis.get(work.callId)            // .update
///     let result = session == nil ? work.applyWithoutSession() : work.apply(to: &session!)
///     if result.changed { try await redis.replace(work.callId, old, with: session!) }
///     reply(work.finish(result))
/// ```
public struct SessionWork: Sendable {
    /// How the session is read.
    public enum Access: Sendable {
        /// Store this new session unless the callId has one; apply to the existing one if it has.
        case create(Session)
        /// Read the session, apply, write it back if changed.
        case update
        /// Remove the session and apply to what was removed.
        case take
    }

    /// The call whose session the push works on: the key to read and write in the store.
    public let callId: CallID
    /// Whether to create, update or remove the call's session in the store.
    public let access: Access
    let operation: Operation
    let engine: Engine
    let now: Date

    /// What the push does.
    enum Operation: Sendable {
        /// A new call, with the answer when its session is created, not found.
        case newCall(NewCallPlan)
        case keys(DTMFEvent, PushAddress)
        case answered(AnswerEvent)
        case hangup(HangupEvent)
        case resume(PendingLookup, LookupEnding)
        /// The look-up is slow: answer its push with the hold.
        case hold(PendingLookup)
        /// The look-up of a held call ended: keep its ending with the session.
        case keep(PendingLookup, LookupEnding)
    }

    /// The answer of a new call whose session was created (``Access/create(_:)``).
    public var createdResult: SessionWorkResult {
        guard case .newCall(let plan) = operation else { return applyWithoutSession() }
        return SessionWorkResult(reply: plan.created, changed: true)
    }

    /// Applies the push to the call's session, changing it in place only when the result
    /// says ``SessionWorkResult/changed``.
    public func apply(to session: inout Session) -> SessionWorkResult {
        switch operation {
        case .newCall(let plan): engine.repeatedNewCall(plan.event, created: plan.created, session, now: now)
        case .keys(let event, let address): engine.keysResult(event, address, engine.keysOutcome(event, address, &session, now: now))
        case .answered(let event): engine.answeredResult(event, engine.answeredOutcome(event, &session, now: now))
        case .hangup(let event): engine.hungUp(event, session, now: now)
        case .resume(let pending, let ending): engine.resume(pending, ending, &session, now: now)
        case .hold(let pending): engine.hold(pending, &session, now: now)
        case .keep(let pending, let ending): engine.keep(pending, ending, &session, now: now)
        }
    }

    /// The push found no session: the call is unknown, expired or over.
    public func applyWithoutSession() -> SessionWorkResult {
        engine.withoutSession(operation, now: now)
    }

    /// Runs what must happen once per push after the store took the change (hooks, counts)
    /// and returns the reply.
    public func finish(_ result: SessionWorkResult) -> EngineReply {
        engine.finish(result)
    }
}

/// A new call's event and its answer when its session is created: boxed, so that the work
/// of every other push stays small.
final class NewCallPlan: Sendable {
    let event: NewCallEvent
    let created: EngineReply

    init(event: NewCallEvent, created: EngineReply) {
        self.event = event
        self.created = created
    }
}

/// What a push did to its call's session.
public struct SessionWorkResult: Sendable {
    /// The answer (or the look-up that will make it).
    public var reply: EngineReply
    /// The session changed and must be written back.
    public var changed: Bool
    /// What happens once the change is stored.
    var effects = SessionEffects()
    /// The answer's final verb, counted once the push is done; nil for a look-up.
    let verb: AnswerVerb?

    init(reply: EngineReply, changed: Bool, effects: SessionEffects = SessionEffects()) {
        self.verb = reply.answerVerb
        self.reply = reply
        self.changed = changed
        self.effects = effects
    }

    /// A result that answers nobody (a held look-up's ending): its record is logged, no
    /// answer is counted.
    init(logging reply: EngineReply, changed: Bool, effects: SessionEffects = SessionEffects()) {
        self.verb = nil
        self.reply = reply
        self.changed = changed
        self.effects = effects
    }
}

extension SessionWorkResult {
    /// The same result, its log line also saying `note` first (what adopting a session of
    /// another flow version did).
    public func noting(_ note: String?) -> SessionWorkResult {
        guard let note, case .answer(let answer, var record) = reply else { return self }
        record.note = record.note.map { note + "; " + $0 } ?? note
        var result = self
        result.reply = .answer(answer, record)
        return result
    }
}

/// What a push makes happen outside its session, run once whatever the store: the hooks
/// and the counts.
struct SessionEffects: Sendable {
    /// Hooks to run, rare enough to be boxed: results stay small on every push.
    var hooks: HookCall?
    var tallies: Tallies = []

    struct Tallies: OptionSet, Sendable {
        let rawValue: UInt8
        static let unknownCall = Tallies(rawValue: 1)
        static let repeatedPush = Tallies(rawValue: 2)
        static let lookupTimeout = Tallies(rawValue: 4)
        static let lookupFailure = Tallies(rawValue: 8)
        static let refusedFull = Tallies(rawValue: 16)
        static let lookupHold = Tallies(rawValue: 32)
    }
}

extension SessionWork {
    /// The reply when the call's session could not be read or written in time (a shared
    /// store unreachable or too slow), counted; `reason` goes to the log. Nothing here
    /// waits or fails:
    /// - a new call gets the empty answer and rings as if Touchtone were not there (as when
    ///   the memory store is full);
    /// - a call in progress gets its flow's ``Flow/whenSessionsUnreachable(_:)`` answer (the
    ///   flow named in the push's URL);
    /// - `answer` and `hangup`, whose answers sipgate throws away, get the empty answer;
    ///   their hooks do not run, since the call's data cannot be read.
    public func unreachable(_ reason: String) -> EngineReply {
        engine.metrics.storeUnreachable.add(operation.eventName)
        var record = EventRecord(callId: callId, event: operation.eventName)
        let answer: PushAnswer
        switch operation {
        case .newCall:
            answer = .empty
            record.note = "session store unreachable (\(reason)): call rings as without Touchtone"
        case .keys(_, let address):
            let machine = address.flow.flatMap(engine.machine(named:)) ?? (engine.routes.flows.count == 1 ? engine.machines.first : nil)
            record.compiledFlow = machine?.flow
            record.digits = EventRecord.maskedDigits
            answer = PushAnswer(machine?.flow.whenSessionsUnreachable.alone ?? Response(then: .dial(.voicemail)))
            record.note = "session store unreachable (\(reason)): the flow's answer for it"
        case .hold(let pending):
            record = pending.record
            answer = PushAnswer(pending.compiledFlow.whenSessionsUnreachable.alone)
            record.note = "session store unreachable (\(reason)) during the look-up: the flow's answer for it"
        case .keep(let pending, _):
            // Nobody waits for this answer: the look-up's line, its ending not kept.
            record = pending.endingRecord(now: now)
            record.note = "session store unreachable (\(reason)): the look-up's ending, after a hold, is not kept"
            return engine.finish(SessionWorkResult(logging: engine.answer(.empty, consume record), changed: false))
        case .resume(let pending, _):
            record = pending.record
            answer = PushAnswer(pending.compiledFlow.whenSessionsUnreachable.alone)
            record.note = "session store unreachable (\(reason)) after the look-up: the flow's answer for it"
        case .answered, .hangup:
            answer = .empty
            record.note = "session store unreachable (\(reason))"
        }
        return engine.finish(SessionWorkResult(reply: engine.answer(answer, consume record), changed: false))
    }
}

extension SessionWork.Operation {
    var eventName: EventName {
        switch self {
        case .newCall: .newCall
        case .keys, .resume, .hold, .keep: .dtmf
        case .answered: .answer
        case .hangup: .hangup
        }
    }
}

/// Hooks to run with the call's view, once the push's change is stored.
final class HookCall: Sendable {
    let hooks: [@Sendable (CallEventInfo) async throws -> Void]
    let info: CallEventInfo

    init(_ hooks: [@Sendable (CallEventInfo) async throws -> Void], _ info: CallEventInfo) {
        self.hooks = hooks
        self.info = info
    }
}
