import FoundationEssentials

/// A look-up that holds its caller (``LookupHold``), as its session keeps it: until when it
/// may run, and how it ended once it did, so that the next push answers with it on any
/// instance (see `docs/HOLDING.md`).
public struct HeldLookup: Sendable, Hashable, Codable {
    /// When the look-up's deadline passes: the first push after it takes the fallback
    /// (this alone covers a look-up whose instance died).
    public var deadline: Date
    /// The outcome the look-up found, once it ended well.
    public var outcome: String?
    /// The variables its result sets, once it ended well.
    public var variables: Variables
    /// Why it failed, once its work threw (at most 120 characters).
    public var failure: String?
    /// How many hold answers the caller has had.
    public var rounds: UInt8
    /// The turn of the push that reached the look-up: its ending is kept only for this
    /// look-up (a repeat of that push may run it too), never for a later one of the state.
    public var turn: UInt32

    /// A look-up started at `turn`, held until `deadline`, still running, after its first
    /// hold answer.
    public init(deadline: Date, turn: UInt32) {
        self.deadline = deadline
        self.turn = turn
        outcome = nil
        variables = Variables()
        failure = nil
        rounds = 1
    }

    /// How the look-up ended, once the session has it; nil while it runs (or after it
    /// passed its deadline, which ``deadline`` tells).
    var ending: LookupEnding? {
        if let outcome {
            var values: [String: String] = [:]
            for entry in variables.entries { values[entry.name] = entry.value }
            return .finished(ErasedLookupResult(outcome: outcome, setting: values))
        }
        return failure.map { .failed($0) }
    }

    /// Keeps how the look-up ended; false when an ending is kept already or this one
    /// (a time-out) is not kept.
    mutating func keep(_ ending: LookupEnding) -> Bool {
        guard outcome == nil, failure == nil else { return false }
        switch ending {
        case .finished(let result):
            outcome = result.outcome
            for (name, value) in result.variables.sorted(by: { $0.key < $1.key }) { variables.set(name, to: value) }
        case .failed(let reason): failure = String(reason.prefix(120))
        case .timedOut: return false
        }
        return true
    }
}

extension HeldLookup: FieldDescribed, CustomReflectable {
    static let blank = HeldLookup(deadline: Date(timeIntervalSince1970: 0), turn: 0)

    static func describeFields<Visitor: FieldVisitor<HeldLookup>>(to visitor: inout Visitor) throws(Visitor.Failure) {
        try visitor.field("deadline", \.deadline)
        try visitor.optionalField("failure", \.failure)
        try visitor.optionalField("outcome", \.outcome)
        try visitor.field("rounds", \.rounds)
        try visitor.field("turn", \.turn)
        try visitor.field("variables", \.variables)
    }

    /// Decodes the fields `describeFields(to:)` lists.
    public init(from decoder: any Decoder) throws { try self.init(fieldsFrom: decoder) }

    /// Encodes the fields `describeFields(to:)` lists.
    public func encode(to encoder: any Encoder) throws { try encodeFields(to: encoder) }

    /// Printed and dumped with its fields as saved.
    public var customMirror: Mirror { fieldMirror }
}

extension HeldLookup: FieldValue {}

/// A session's ``HeldLookup``, boxed: most calls are never held, and their sessions stay
/// one reference wider, not a look-up wider.
indirect enum HeldBox: Sendable, Hashable {
    case held(HeldLookup)

    var value: HeldLookup {
        switch self {
        case .held(let value): value
        }
    }
}
