import Synchronization

/// Counters an engine keeps, for `/metrics`.
public struct EngineCounters: Sendable, Hashable {
    /// Pushes handled, by their `event` field; a push that did not decode is not counted.
    public var eventsByType: [EventName: Int] = [:]
    /// Answers given, by their final verb (`gather`, `dial`, `voicemail`, `reject`, `hangup`, `play`, `empty`).
    public var answersByVerb: [String: Int] = [:]
    /// `dtmf`, `answer` or `hangup` for a call with no session (unknown or expired).
    public var unknownCallEvents = 0
    /// New calls refused because the store was full.
    public var refusedFull = 0
    /// New calls no route matched.
    public var unrouted = 0
    /// Idle sessions removed by ``Engine/sweep(reporting:)``.
    public var expiredSessions = 0
    /// Call hooks that threw an error.
    public var hookFailures = 0
    /// Look-ups that passed their deadline; the call went on to the look-up's fallback.
    public var lookupTimeouts = 0
    /// Look-ups whose work threw an error; the call went on to the look-up's fallback.
    public var lookupFailures = 0
    /// Look-ups that held their caller: their push was answered with the hold prompt.
    public var lookupHolds = 0
    /// Pushes delivered again (or late) and answered from the kept answer without changing the call.
    public var repeatedPushes = 0
    /// Pushes answered without their session because the session store could not be reached
    /// in time, by event (see ``SessionWork/unreachable(_:)``).
    public var storeUnreachableByEvent: [EventName: Int] = [:]
}

/// Lock-free counters behind ``EngineCounters``.
final class EngineMetrics: Sendable {
    let events = CaseCounters<EventName>()
    let verbs = CaseCounters<AnswerVerb>()
    let storeUnreachable = CaseCounters<EventName>()
    let unknownCall = Counter(), refusedFull = Counter(), unrouted = Counter(), expired = Counter()
    let hookFailures = Counter(), lookupTimeouts = Counter(), lookupFailures = Counter(), repeatedPushes = Counter()
    let lookupHolds = Counter()

    var snapshot: EngineCounters {
        var c = EngineCounters()
        c.eventsByType = events.values
        c.answersByVerb = Dictionary(uniqueKeysWithValues: verbs.values.map { ($0.key.rawValue, $0.value) })
        c.unknownCallEvents = unknownCall.value
        c.refusedFull = refusedFull.value
        c.unrouted = unrouted.value
        c.expiredSessions = expired.value
        c.hookFailures = hookFailures.value
        c.lookupTimeouts = lookupTimeouts.value
        c.lookupFailures = lookupFailures.value
        c.lookupHolds = lookupHolds.value
        c.repeatedPushes = repeatedPushes.value
        c.storeUnreachableByEvent = storeUnreachable.values
        return c
    }
}

/// A relaxed atomic count: metrics need no ordering with anything else.
package final class Counter: Sendable {
    private let count = Atomic<Int>(0)

    package init() {}

    package func add(_ amount: Int = 1) { count.add(amount, ordering: .relaxed) }

    package var value: Int { count.load(ordering: .relaxed) }
}

/// One ``Counter`` per case of `Key`.
final class CaseCounters<Key: CaseIterable & Hashable & Sendable>: Sendable {
    private let keys: [Key]
    private let counters: [Counter]

    init() {
        keys = Array(Key.allCases)
        counters = keys.map { _ in Counter() }
    }

    func add(_ key: Key) {
        // A handful of cases: finding one is a few compares.
        guard let index = keys.firstIndex(of: key) else { return }
        counters[index].add()
    }

    var values: [Key: Int] { Dictionary(uniqueKeysWithValues: zip(keys, counters.map(\.value))) }
}
