import Synchronization

/// Counters an engine keeps, for `/metrics`.
public struct EngineCounters: Sendable, Hashable {
    public var eventsByType: [EventName: Int] = [:]
    public var answersByVerb: [String: Int] = [:]
    /// `dtmf`, `answer` or `hangup` for a call with no session (unknown or expired).
    public var unknownCallEvents = 0
    /// New calls refused because the store was full.
    public var refusedFull = 0
    /// New calls no route matched.
    public var unrouted = 0
    public var expiredSessions = 0
    public var hookFailures = 0
    public var lookupTimeouts = 0
    public var lookupFailures = 0
}

/// Lock-free counters behind ``EngineCounters``.
final class EngineMetrics: Sendable {
    let newCall = Atomic<Int>(0), answer = Atomic<Int>(0), hangup = Atomic<Int>(0), dtmf = Atomic<Int>(0)
    let gather = Atomic<Int>(0), dial = Atomic<Int>(0), voicemail = Atomic<Int>(0), reject = Atomic<Int>(0)
    let hangupVerb = Atomic<Int>(0), play = Atomic<Int>(0), empty = Atomic<Int>(0)
    let unknownCall = Atomic<Int>(0), refusedFull = Atomic<Int>(0), unrouted = Atomic<Int>(0), expired = Atomic<Int>(0)
    let hookFailures = Atomic<Int>(0), lookupTimeouts = Atomic<Int>(0), lookupFailures = Atomic<Int>(0)

    func count(_ event: EventName) {
        switch event {
        case .newCall: newCall.add(1, ordering: .relaxed)
        case .answer: answer.add(1, ordering: .relaxed)
        case .hangup: hangup.add(1, ordering: .relaxed)
        case .dtmf: dtmf.add(1, ordering: .relaxed)
        }
    }

    func count(_ verb: AnswerVerb) {
        switch verb {
        case .gather: gather.add(1, ordering: .relaxed)
        case .dial: dial.add(1, ordering: .relaxed)
        case .voicemail: voicemail.add(1, ordering: .relaxed)
        case .reject: reject.add(1, ordering: .relaxed)
        case .hangup: hangupVerb.add(1, ordering: .relaxed)
        case .play: play.add(1, ordering: .relaxed)
        case .empty: empty.add(1, ordering: .relaxed)
        }
    }

    var snapshot: EngineCounters {
        var c = EngineCounters()
        c.eventsByType = [.newCall: newCall.load(ordering: .relaxed), .answer: answer.load(ordering: .relaxed),
                          .hangup: hangup.load(ordering: .relaxed), .dtmf: dtmf.load(ordering: .relaxed)]
        c.answersByVerb = ["gather": gather.load(ordering: .relaxed), "dial": dial.load(ordering: .relaxed),
                           "voicemail": voicemail.load(ordering: .relaxed), "reject": reject.load(ordering: .relaxed),
                           "hangup": hangupVerb.load(ordering: .relaxed), "play": play.load(ordering: .relaxed),
                           "empty": empty.load(ordering: .relaxed)]
        c.unknownCallEvents = unknownCall.load(ordering: .relaxed)
        c.refusedFull = refusedFull.load(ordering: .relaxed)
        c.unrouted = unrouted.load(ordering: .relaxed)
        c.expiredSessions = expired.load(ordering: .relaxed)
        c.hookFailures = hookFailures.load(ordering: .relaxed)
        c.lookupTimeouts = lookupTimeouts.load(ordering: .relaxed)
        c.lookupFailures = lookupFailures.load(ordering: .relaxed)
        return c
    }
}
