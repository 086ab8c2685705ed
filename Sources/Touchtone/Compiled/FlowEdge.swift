/// One edge of a compiled flow: from a state, on an input or branch, to a state or an action.
public struct FlowEdge: Sendable, Hashable, CustomStringConvertible {
    /// The index of the state the edge leaves (see ``CompiledFlow/stateName(_:)``).
    public let from: UInt16
    /// `key 1`, `no input`, `wrong key`, `attempts exhausted`, `when closed`, `otherwise`, `timeout`, ...
    public let label: EdgeLabel
    /// A state name or an action (`dial 49...`, `voicemail`, `hang up`).
    public let target: String
    /// The state the edge enters, when it enters one.
    public let targetState: UInt16?
    /// Where the edge goes as logs and metrics name it: the state's name, or `transfer`,
    /// `voicemail`, `reject`, `hangup` or `back`.
    public let destination: String
    /// `from -[label]-> target`, with `from` as a state index.
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
    /// A look-up passed its deadline: off to its fallback.
    case lookupTimeout
    /// A look-up's work threw: off to its fallback.
    case lookupFailure
    /// A ``Split`` gave the call this share (its name and percentage).
    case share(String, percent: Int)
    /// A slow look-up held the caller (``LookupHold``): the hold prompt played.
    case held
    /// A key with a meaning while the caller was held (``LookupHold/keys``).
    case holdKey(String)

    /// The label as diagrams and reports show it: `key 1`, `no input`, `when closed`, ...
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
        case .share(let name, let percent): "share \(name) (\(percent)%)"
        case .held: "held"
        case .holdKey(let k): "key \(k) (holding)"
        }
    }
}

extension EdgeLabel {
    /// Which case the label is, as a number: one compare tells most labels apart.
    var kind: UInt8 {
        switch self {
        case .key: 0
        case .noInput: 1
        case .noInputLimit: 2
        case .wrongKey: 3
        case .wrongKeyLimit: 4
        case .attemptsExhausted: 5
        case .valid: 6
        case .invalid: 7
        case .readBack: 8
        case .confirmed: 9
        case .notConfirmed: 10
        case .branch: 11
        case .otherwise: 12
        case .next: 13
        case .lookupResult: 14
        case .lookupTimeout: 15
        case .lookupFailure: 16
        case .share: 17
        case .held: 18
        case .holdKey: 19
        }
    }

    /// Whether labels of this kind differ by a text (a key, a branch, a result, a share).
    var hasText: Bool {
        switch self {
        case .key, .branch, .lookupResult, .share, .holdKey: true
        default: false
        }
    }
}

/// An edge a call took: from a state, on a label.
public struct TakenEdge: Sendable, Hashable {
    /// The index of the state the call left or stayed in.
    public let from: UInt16
    /// What made the call take the edge.
    public let label: EdgeLabel
    /// The edge taken from state `from` on `label`.
    public init(from: UInt16, label: EdgeLabel) {
        self.from = from
        self.label = label
    }
}
