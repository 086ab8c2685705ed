/// One state of a compiled flow: what it does, with every target resolved to an index.
enum Node: Sendable {
    case menu(MenuNode)
    case collect(CollectNode)
    case announce(AnnounceNode)
    case decide(DecideNode)
    case lookup(LookupNode)
    case split(SplitNode)
    case undefined

    var kind: String {
        switch self {
        case .menu: "menu"
        case .collect: "collect"
        case .announce: "announce"
        case .decide: "decide"
        case .lookup: "lookup"
        case .split: "split"
        case .undefined: "undefined"
        }
    }

    /// True for states that wait for the caller (a `Gather` goes out).
    var waitsForCaller: Bool {
        switch self {
        case .menu, .collect: true
        default: false
        }
    }

    /// Every edge out of this state, which is state `me`; re-prompts are edges back to `me`.
    func edges(from me: UInt16) -> [(EdgeLabel, Target)] {
        switch self {
        case .menu(let m):
            let keys: [(EdgeLabel, Target)] = m.keys.map { (.key($0.keys), $0.target) }
            return keys + m.wait.noInputEdges(from: me) + m.wait.wrongKeyEdges(from: me, again: .wrongKey)
                + m.wait.exhaustedEdge(otherFailures: false)
        case .collect(let c):
            var list: [(EdgeLabel, Target)] = []
            if c.readBack == nil {
                list.append((.valid, c.next))
            } else {
                list.append((.readBack, .go(me)))
                list.append((.confirmed, c.next))
                list.append((.notConfirmed, .go(me)))
            }
            // A value that is not confirmed is a failure no handler limits.
            return list + c.wait.wrongKeyEdges(from: me, again: .invalid) + c.wait.noInputEdges(from: me)
                + c.wait.exhaustedEdge(otherFailures: c.confirmation != nil)
        case .announce(let a):
            return [(.next, a.next)]
        case .decide(let d):
            return d.branches.map { (.branch($0.condition.label), $0.target) } + [(.otherwise, d.otherwise)]
        case .lookup(let l):
            let held: [(EdgeLabel, Target)] =
                l.hold.map { hold in [(.held, .go(me))] + hold.keys.map { (.holdKey($0.keys), $0.target) } } ?? []
            return l.outcomes.map { (.lookupResult($0.name), $0.target) } + held + [
                (.lookupTimeout, l.fallback), (.lookupFailure, l.fallback),
            ]
        case .split(let s):
            return s.shares.map { (.share($0.name, percent: $0.percent), $0.target) }
        case .undefined:
            return []
        }
    }
}

/// What a failed turn does: a message before the re-prompt, and where the call goes after
/// `limit` such failures in the state.
struct Handler: Sendable {
    let message: CompiledPrompts?
    let limit: Int?
    let then: Target?
}

/// What a state that waits for keys (a menu, a collection) asks sipgate for in each turn,
/// and what happens when turns fail.
struct KeyWait: Sendable {
    /// One turn after another: the prompt, then the re-prompts; the last one repeats.
    let turns: [Turn]
    /// `Gather maxDigits`.
    let maxDigits: Int
    let timeoutMilliseconds: Int
    /// Turns in all, and where the call goes when they are used up.
    let attempts: (count: Int, then: Target)
    let noInput: Handler
    /// Keys that lead nowhere (a menu) or input that is not valid (a collection).
    let wrongKey: Handler

    /// One turn: its prompts, and its `Gather` prepared when the prompts are fixed.
    struct Turn: Sendable {
        let prompts: CompiledPrompts
        let prepared: PreparedVerb?
    }

    /// The turn for `attempt` (0 is the first).
    func turn(_ attempt: Int) -> Turn { turns[min(attempt, turns.count - 1)] }

    /// The edges of a silence: another turn, or off to the handler's target at its limit.
    func noInputEdges(from me: UInt16) -> [(EdgeLabel, Target)] {
        [(.noInput, .go(me))] + (noInput.limit == nil ? [] : [(.noInputLimit, noInput.then ?? attempts.then)])
    }

    /// The edges of keys that lead nowhere (the edge `again`): another turn, or off to the
    /// handler's target at its limit.
    func wrongKeyEdges(from me: UInt16, again: EdgeLabel) -> [(EdgeLabel, Target)] {
        [(again, .go(me))] + (wrongKey.limit == nil ? [] : [(.wrongKeyLimit, wrongKey.then ?? attempts.then)])
    }

    /// The edge taken when the attempts are used up, if failures can use them up before the
    /// handlers' own limits end the turn: always when `otherFailures` (failures no handler
    /// limits) are possible.
    func exhaustedEdge(otherFailures: Bool) -> [(EdgeLabel, Target)] {
        let silences = noInput.limit.map { $0 - 1 } ?? Int(Int32.max)
        let wrongKeys = wrongKey.limit.map { $0 - 1 } ?? Int(Int32.max)
        let reachable = otherFailures || silences + wrongKeys >= attempts.count
        return reachable ? [(.attemptsExhausted, attempts.then)] : []
    }
}

final class MenuNode: Sendable {
    let keys: [(keys: String, target: Target)]
    let wait: KeyWait

    init(keys: [(keys: String, target: Target)], wait: KeyWait) {
        self.keys = keys
        self.wait = wait
    }
}

final class CollectNode: Sendable {
    let variable: String
    let digits: ClosedRange<Int>
    let finishKey: UInt8?
    let sensitive: Bool
    let validator: (label: String, isValid: @Sendable (String) -> Bool)?
    /// The read-back before the digits and the question after them, when the value is confirmed.
    let confirmation: (readBack: CompiledPrompts, ask: CompiledPrompts)?
    let next: Target
    let wait: KeyWait

    var readBack: CompiledPrompts? { confirmation?.readBack }

    init(
        variable: String, digits: ClosedRange<Int>, finishKey: UInt8?, sensitive: Bool,
        validator: (label: String, isValid: @Sendable (String) -> Bool)?,
        confirmation: (readBack: CompiledPrompts, ask: CompiledPrompts)?, next: Target, wait: KeyWait
    ) {
        self.variable = variable
        self.digits = digits
        self.finishKey = finishKey
        self.sensitive = sensitive
        self.validator = validator
        self.confirmation = confirmation
        self.next = next
        self.wait = wait
    }
}

final class AnnounceNode: Sendable {
    let prompt: CompiledPrompts
    let next: Target

    init(prompt: CompiledPrompts, next: Target) {
        self.prompt = prompt
        self.next = next
    }
}

final class DecideNode: Sendable {
    let branches: [(condition: Condition, target: Target)]
    let otherwise: Target

    init(branches: [(condition: Condition, target: Target)], otherwise: Target) {
        self.branches = branches
        self.otherwise = otherwise
    }
}

final class LookupNode: Sendable {
    let deadline: Duration
    let fallback: Target
    /// The declared outcomes, in the order of the outcome enum.
    let outcomes: [(name: String, target: Target)]
    let outcomeType: ObjectIdentifier
    let work: @Sendable (CallContext) async throws -> ErasedLookupResult
    /// How the look-up holds the caller; nil when it never does.
    let hold: HoldNode?

    init(
        _ definition: LookupDefinition<some FlowState>, fallback: Target, outcomes: [(name: String, target: Target)],
        hold: HoldNode? = nil
    ) {
        self.hold = hold
        self.deadline = definition.deadline
        self.fallback = fallback
        self.outcomes = outcomes
        self.outcomeType = definition.outcomeType
        self.work = definition.work
    }
}

/// A compiled ``Split``: its shares with their cumulative bounds out of 100, and what
/// keeps a caller in one share.
final class SplitNode: Sendable {
    struct CompiledShare: Sendable {
        let name: String
        let percent: Int
        let target: Target
    }

    /// The variable a split keeps its share in is this prefix and the state's name.
    static let variablePrefix = "split."

    let key: SplitKey
    let shares: [CompiledShare]
    /// `split.` and the state's name.
    let variable: String
    /// FNV-1a over the flow's and the state's names: two splits share callers out
    /// independently of each other.
    private let salt: UInt64

    init(key: SplitKey, shares: [CompiledShare], flow: String, state: String) {
        self.key = key
        self.shares = shares
        self.variable = SplitNode.variablePrefix + state
        var hash = FNV1a()
        hash.add(flow.utf8)
        hash.add(0)
        hash.add(state.utf8)
        hash.add(0)
        self.salt = hash.value
    }

    /// The share a call gets: the one its variable names already, else the one its caller's
    /// number (or its call id) falls into. Stable across processes and builds: the hash is
    /// FNV-1a, not Swift's seeded `Hasher`.
    func share(for context: CallContext) -> Int {
        if let kept = context.variables[variable], let index = shares.firstIndex(where: { $0.name == kept }) { return index }
        let from = context.call.from
        return share(forKey: key == .caller && SplitNode.isNumber(from) ? from : context.callId.rawValue)
    }

    /// Whether a calling number can key a split: anonymous callers all look alike.
    static func isNumber(_ from: String) -> Bool { !from.isEmpty && from != "anonymous" }

    /// The share of a call whose key (calling number or call id) is `key`.
    func share(forKey key: String) -> Int {
        var hash = FNV1a(salt)
        hash.add(key.utf8)
        var bucket = Int(hash.value % 100)
        for (index, share) in shares.enumerated() {
            if bucket < share.percent { return index }
            bucket -= share.percent
        }
        return shares.count - 1
    }
}
