import FoundationEssentials

/// A flow checked and turned into a state machine over state indices; what the engine runs.
///
/// Built by ``RoutingTable`` compilation; you meet it in diagrams, coverage and tests.
public final class CompiledFlow: Sendable {
    public let name: String
    public let version: Int
    /// State names in the order of the state enum's `allCases`; a session's `state` indexes it.
    public let stateNames: [String]
    let nodes: [Node]
    public let start: UInt16
    public let mainMenu: UInt16?
    let maxSilencesInARow: Int
    let hooks: CallHooks

    init(name: String, version: Int, stateNames: [String], nodes: [Node], start: UInt16, mainMenu: UInt16?,
         maxSilencesInARow: Int, hooks: CallHooks) {
        self.name = name
        self.version = version
        self.stateNames = stateNames
        self.nodes = nodes
        self.start = start
        self.mainMenu = mainMenu
        self.maxSilencesInARow = maxSilencesInARow
        self.hooks = hooks
    }

    /// The index of the state named `name`.
    public func stateIndex(named name: String) -> UInt16? {
        stateNames.firstIndex(of: name).map { UInt16($0) }
    }

    /// The name of state `index` (or `#index` when out of range).
    public func stateName(_ index: UInt16) -> String {
        Int(index) < stateNames.count ? stateNames[Int(index)] : "#\(index)"
    }

    /// Every edge of the flow, for diagrams, coverage and exploration.
    public var edges: [FlowEdge] {
        var result: [FlowEdge] = []
        for (index, node) in nodes.enumerated() {
            let from = UInt16(index)
            for (label, target) in node.edges(from: from) {
                result.append(FlowEdge(from: from, label: label, target: target.description(in: self), targetState: target.stateIndex(in: self)))
            }
        }
        return result
    }

    /// What kind of state `index` is: `menu`, `collect`, `announce`, `decide`, `lookup` or `undefined`.
    public func kind(of index: UInt16) -> String {
        Int(index) < nodes.count ? nodes[Int(index)].kind : "undefined"
    }
}

/// One edge of a compiled flow: from a state, on an input or branch, to a state or an action.
public struct FlowEdge: Sendable, Hashable, CustomStringConvertible {
    public let from: UInt16
    /// `key 1`, `no input`, `wrong key`, `attempts exhausted`, `when closed`, `otherwise`, `timeout`, ...
    public let label: EdgeLabel
    /// A state name or an action (`dial 49...`, `voicemail`, `hang up`).
    public let target: String
    /// The state the edge enters, when it enters one.
    public let targetState: UInt16?
    public var description: String { "\(from) -[\(label)]-> \(target)" }
}

/// What makes a call take an edge.
public enum EdgeLabel: Sendable, Hashable, CustomStringConvertible {
    /// A menu key.
    case key(String)
    /// Silence: the turn is played again.
    case noInput
    /// Silence for the `NoInput` limit's time: off to its target.
    case noInputLimit
    /// A key that leads nowhere: the turn is played again.
    case wrongKey
    /// Wrong keys up to the `WrongKey` limit: off to its target.
    case wrongKeyLimit
    /// The state's attempts are used up.
    case attemptsExhausted
    /// Collected digits passed their checks.
    case valid
    /// Collected digits were too short, too long or failed validation: asked again.
    case invalid
    /// Valid digits, read back for confirmation.
    case readBack
    /// The caller confirmed the read-back with 1.
    case confirmed
    /// The caller did not confirm: asked again.
    case notConfirmed
    /// A `When` of a `Decide` held.
    case branch(String)
    /// No `When` held.
    case otherwise
    /// An announcement ended.
    case next
    /// A look-up finished with a result.
    case lookupResult(String)
    case lookupTimeout
    case lookupFailure

    public var description: String {
        switch self {
        case .key(let k): "key \(k)"
        case .noInput: "no input"
        case .noInputLimit: "no input (limit)"
        case .wrongKey: "wrong key"
        case .wrongKeyLimit: "wrong key (limit)"
        case .attemptsExhausted: "attempts exhausted"
        case .valid: "valid input"
        case .invalid: "invalid input"
        case .readBack: "read back"
        case .confirmed: "confirmed"
        case .notConfirmed: "not confirmed"
        case .branch(let label): "when \(label)"
        case .otherwise: "otherwise"
        case .next: "next"
        case .lookupResult(let name): "result \(name)"
        case .lookupTimeout: "deadline passed"
        case .lookupFailure: "look-up failed"
        }
    }
}

/// An edge a call took: from a state, on a label.
public struct TakenEdge: Sendable, Hashable {
    public let from: UInt16
    public let label: EdgeLabel
    public init(from: UInt16, label: EdgeLabel) {
        self.from = from
        self.label = label
    }
}

/// Where a compiled edge leads.
enum Target: Sendable {
    case go(UInt16)
    case dial(DialSpec)
    case voicemail
    case reject(RejectReason)
    case hangup
    case back
    case mainMenu

    func description(in flow: CompiledFlow) -> String {
        switch self {
        case .go(let s): flow.stateName(s)
        case .dial(let spec): "dial " + spec.numbers.map(\.description).joined(separator: ", ")
        case .voicemail: "voicemail"
        case .reject(let r): "reject (\(r.rawValue))"
        case .hangup: "hang up"
        case .back: "back"
        case .mainMenu: "main menu"
        }
    }

    func stateIndex(in flow: CompiledFlow) -> UInt16? {
        switch self {
        case .go(let s): s
        case .mainMenu: flow.mainMenu ?? flow.start
        default: nil
        }
    }

    /// True for actions that end the flow's part in the call.
    var isFinal: Bool {
        switch self {
        case .dial, .voicemail, .reject, .hangup: true
        case .go, .back, .mainMenu: false
        }
    }
}

/// A transfer, with its `Dial` built ahead when all numbers are fixed. A class, so that
/// copying a state's targets (on every key press) costs one reference, not the whole
/// specification.
final class DialSpec: Sendable {
    let numbers: [Transfer.Number]
    let callerId: Transfer.Number?
    let anonymous: Bool?
    /// The finished `Dial` when nothing depends on the call.
    let prebuilt: Dial?
    /// The whole answer for ``prebuilt``, rendered once, for a transfer with nothing played before it.
    let prepared: Response?

    init(numbers: [Transfer.Number], callerId: Transfer.Number?, anonymous: Bool?, prebuilt: Dial?, prepared: Response?) {
        self.numbers = numbers
        self.callerId = callerId
        self.anonymous = anonymous
        self.prebuilt = prebuilt
        self.prepared = prepared
    }
}

/// A turn's prompts, with `Play`s built ahead when nothing depends on the call.
struct CompiledPrompts: Sendable {
    let parts: [Part]
    /// The plays when every part is a file.
    let prebuilt: [Play]?
    /// All files joined into one (``ComposedPrompt``), when there are several and nothing depends on the call.
    let composed: Play?

    /// The one `Play` of a turn when nothing in it depends on the call (`.some(nil)`: the turn
    /// has no prompt); `nil` when it reads something out.
    var fixedPlay: Play?? {
        if let prebuilt, prebuilt.count <= 1 { return .some(prebuilt.first) }
        if let composed { return .some(composed) }
        return nil
    }

    enum Part: Sendable {
        case file(Prompt, Play)
        case digits(variable: String)
    }
}

struct Handler: Sendable {
    let message: CompiledPrompts?
    let limit: Int?
    let then: Target?
}

final class MenuNode: Sendable {
    let keys: [(keys: String, target: Target)]
    /// Turn 0 is the prompt, then the re-prompts; the last one repeats.
    let turns: [CompiledPrompts]
    let noInput: Handler
    let wrongKey: Handler
    let maxDigits: Int
    let timeoutMilliseconds: Int
    let maxAttempts: Int
    let exhausted: Target

    init(keys: [(keys: String, target: Target)], turns: [CompiledPrompts], noInput: Handler, wrongKey: Handler, maxDigits: Int, timeoutMilliseconds: Int, maxAttempts: Int, exhausted: Target) {
        self.keys = keys
        self.turns = turns
        self.noInput = noInput
        self.wrongKey = wrongKey
        self.maxDigits = maxDigits
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maxAttempts = maxAttempts
        self.exhausted = exhausted
    }
}

final class CollectNode: Sendable {
    let variable: String
    let digits: ClosedRange<Int>
    let finishKey: UInt8?
    let sensitive: Bool
    let validator: (label: String, isValid: @Sendable (String) -> Bool)?
    let readBack: CompiledPrompts?
    let ask: CompiledPrompts?
    let invalidMessage: CompiledPrompts?
    let turns: [CompiledPrompts]
    let noInput: Handler
    let timeoutMilliseconds: Int
    let maxAttempts: Int
    let exhausted: Target
    let next: Target
    var gatherDigits: Int { digits.upperBound + (finishKey == nil ? 0 : 1) }

    init(variable: String, digits: ClosedRange<Int>, finishKey: UInt8?, sensitive: Bool, validator: (label: String, isValid: @Sendable (String) -> Bool)?, readBack: CompiledPrompts?, ask: CompiledPrompts?, invalidMessage: CompiledPrompts?, turns: [CompiledPrompts], noInput: Handler, timeoutMilliseconds: Int, maxAttempts: Int, exhausted: Target, next: Target) {
        self.variable = variable
        self.digits = digits
        self.finishKey = finishKey
        self.sensitive = sensitive
        self.validator = validator
        self.readBack = readBack
        self.ask = ask
        self.invalidMessage = invalidMessage
        self.turns = turns
        self.noInput = noInput
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maxAttempts = maxAttempts
        self.exhausted = exhausted
        self.next = next
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
    let outcomes: [(name: String, target: Target)]
    let work: @Sendable (CallContext) async throws -> ErasedLookupResult

    init(deadline: Duration, fallback: Target, outcomes: [(name: String, target: Target)], work: @escaping @Sendable (CallContext) async throws -> ErasedLookupResult) {
        self.deadline = deadline
        self.fallback = fallback
        self.outcomes = outcomes
        self.work = work
    }
}

/// A look-up result with its step named by state name, so the engine needs no generics.
public struct ErasedLookupResult: Sendable {
    let step: ErasedStep
    let variables: [String: String]

    public init<S: FlowState>(_ result: LookupResult<S>) {
        step = ErasedStep(result.step)
        variables = result.variables
    }
}

/// A ``Step`` with the state named by its raw value.
enum ErasedStep: Sendable {
    case go(String)
    case transfer(Transfer)
    case voicemail
    case reject(RejectReason)
    case hangup
    case back
    case mainMenu

    init<S: FlowState>(_ step: Step<S>) {
        switch step {
        case .go(let s): self = .go(s.rawValue)
        case .transfer(let t): self = .transfer(t)
        case .voicemail: self = .voicemail
        case .reject(let r): self = .reject(r)
        case .hangup: self = .hangup
        case .back: self = .back
        case .mainMenu: self = .mainMenu
        }
    }
}

enum Node: Sendable {
    case menu(MenuNode)
    case collect(CollectNode)
    case announce(AnnounceNode)
    case decide(DecideNode)
    case lookup(LookupNode)
    case undefined

    var kind: String {
        switch self {
        case .menu: "menu"
        case .collect: "collect"
        case .announce: "announce"
        case .decide: "decide"
        case .lookup: "lookup"
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
            var list: [(EdgeLabel, Target)] = m.keys.map { (.key($0.keys), $0.target) }
            list.append((.noInput, .go(me)))
            if m.noInput.limit != nil { list.append((.noInputLimit, m.noInput.then ?? m.exhausted)) }
            list.append((.wrongKey, .go(me)))
            if m.wrongKey.limit != nil { list.append((.wrongKeyLimit, m.wrongKey.then ?? m.exhausted)) }
            // Reachable only if the handlers' own limits leave room for `maxAttempts` failures.
            let silences = m.noInput.limit.map { $0 - 1 } ?? Int(Int32.max)
            let wrongKeys = m.wrongKey.limit.map { $0 - 1 } ?? Int(Int32.max)
            if silences + wrongKeys >= m.maxAttempts { list.append((.attemptsExhausted, m.exhausted)) }
            return list
        case .collect(let c):
            var list: [(EdgeLabel, Target)] = []
            if c.readBack == nil {
                list.append((.valid, c.next))
            } else {
                list.append((.readBack, .go(me)))
                list.append((.confirmed, c.next))
                list.append((.notConfirmed, .go(me)))
            }
            list.append((.invalid, .go(me)))
            list.append((.noInput, .go(me)))
            if c.noInput.limit != nil { list.append((.noInputLimit, c.noInput.then ?? c.exhausted)) }
            list.append((.attemptsExhausted, c.exhausted))
            return list
        case .announce(let a):
            return [(.next, a.next)]
        case .decide(let d):
            return d.branches.map { (.branch($0.condition.label), $0.target) } + [(.otherwise, d.otherwise)]
        case .lookup(let l):
            return l.outcomes.map { (.lookupResult($0.name), $0.target) } + [(.lookupTimeout, l.fallback), (.lookupFailure, l.fallback)]
        case .undefined:
            return []
        }
    }
}

extension CompiledFlow {
    /// Representative inputs for a call waiting in `state`: every key of a menu, a wrong
    /// key and silence; for a collection, silence, too short, the shortest and longest valid
    /// lengths (with the finish key) and, while confirming, `1`, `2` and silence.
    /// Exploration and tools use them to walk a flow.
    public func sampleInputs(for state: UInt16, confirming: Bool = false) -> [String] {
        guard Int(state) < nodes.count else { return [] }
        switch nodes[Int(state)] {
        case .menu(let menu):
            let keys = menu.keys.map(\.keys)
            let wrong = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"].first { k in !keys.contains { $0.hasPrefix(k) } }
            return keys + (wrong.map { [$0] } ?? []) + [""]
        case .collect(let collect):
            if confirming { return ["1", "2", ""] }
            let finish = collect.finishKey.map { String(UnicodeScalar($0)) } ?? ""
            var inputs = [""]
            if collect.digits.lowerBound > 1 { inputs.append(String(repeating: "1", count: collect.digits.lowerBound - 1) + finish) }
            inputs.append(String(repeating: "1", count: collect.digits.lowerBound) + finish)
            if collect.digits.upperBound != collect.digits.lowerBound {
                inputs.append(String(repeating: "2", count: collect.digits.upperBound) + finish)
            }
            return inputs
        default:
            return []
        }
    }
}
