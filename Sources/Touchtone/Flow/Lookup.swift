/// The ways a ``Lookup`` can end well: a `String` enum you write, one case per result.
///
/// ```swift
/// enum CustomerFound: String, LookupOutcome {
///     case known, stranger
/// }
/// ```
///
/// The look-up's work returns one of these cases, and the look-up says where each one
/// leads; a result that is not a declared outcome does not compile, and neither does an
/// outcome that leads nowhere.
public protocol LookupOutcome: CaseIterable, Hashable, Sendable, RawRepresentable where RawValue == String, AllCases: Sendable {}

/// An async step, e.g. finding the caller in a CRM, with a deadline and a fallback.
///
/// The call waits (silently) while the work runs. The work returns one of the look-up's
/// outcomes (and variables for later steps), and `then` says where each outcome leads; if
/// the work throws or passes its deadline, the call goes to `fallback`. sipgate gives up
/// after about 10 seconds, so the deadline must stay well under that (default 3 s, at most
/// 8 s), unless the look-up holds the caller (``holding(after:play:every:keys:)``): then it
/// may be up to ``HoldTiming/longestDeadline``. Other calls never wait for it.
///
/// ```swift
/// enum CustomerFound: String, LookupOutcome { case known, stranger }
///
/// Lookup(.identify, outcomes: CustomerFound.self, deadline: .milliseconds(1500), fallback: .go(.mainMenu)) { call in
///     guard let customer = try await crm.customer(phone: call.call.from) else { return .init(.stranger) }
///     return .init(.known, setting: ["customer": customer.id])
/// } then: { found in
///     switch found {
///     case .known: .go(.knownCustomer)
///     case .stranger: .go(.mainMenu)
///     }
/// }
/// ```
public struct Lookup<S: FlowState, Outcome: LookupOutcome>: Sendable {
    /// The look-up with its outcome type erased, as the flow holds it.
    public internal(set) var definition: LookupDefinition<S>

    /// A look-up in `state` whose `work` returns one of `outcomes`, each leading where `next` says.
    ///
    /// - Parameters:
    ///   - state: the state that runs the look-up.
    ///   - outcomes: the enum of the look-up's results.
    ///   - deadline: how long the work may take (default 3 s, at most 8 s).
    ///   - fallback: where the call goes when the work throws or is late.
    ///   - work: finds the result; runs off the answer path, cancelled at the deadline.
    ///   - next: where each outcome leads (a `switch` over all of them).
    public init(
        _ state: S, outcomes: Outcome.Type, deadline: Duration = LookupDeadline.standard, fallback: Step<S>,
        _ work: @escaping @Sendable (CallContext) async throws -> LookupResult<Outcome>,
        then next: (Outcome) -> Step<S>
    ) {
        definition = LookupDefinition(
            state: state, deadline: deadline, fallback: fallback,
            outcomes: Outcome.allCases.map { (name: $0.rawValue, step: next($0)) }, outcomeType: ObjectIdentifier(Outcome.self),
            work: { context in ErasedLookupResult(try await work(context)) })
    }
}

/// The deadlines a ``Lookup`` may have.
public enum LookupDeadline {
    /// The deadline when none is given.
    public static let standard: Duration = .seconds(3)
    /// The longest deadline accepted; sipgate waits about 10 s for an answer.
    public static let maximum: Duration = .seconds(8)
}

/// What a ``Lookup`` found: one of its outcomes, and variables for later steps.
public struct LookupResult<Outcome: LookupOutcome>: Sendable {
    /// Which of the look-up's outcomes it is; the look-up's `then` says where it leads.
    public let outcome: Outcome
    /// Variables to set for later steps (conditions, transfers to `.variable`, read-outs), by name.
    public let variables: [String: String]

    /// A result: `outcome`, setting `variables` for later steps.
    public init(_ outcome: Outcome, setting variables: [String: String] = [:]) {
        self.outcome = outcome
        self.variables = variables
    }
}

/// A ``Lookup`` as its flow holds it: the outcomes named by their raw values, so that the
/// compiler and the engine need no generics.
public struct LookupDefinition<S: FlowState>: Sendable {
    /// The state that runs the look-up.
    public let state: S
    /// How long the work may take before the call goes to ``fallback``.
    public let deadline: Duration
    /// Where the call goes when the work throws or passes its deadline.
    public let fallback: Step<S>
    /// Each outcome's name and where it leads, in the order of the outcome enum.
    public let outcomes: [(name: String, step: Step<S>)]
    /// The outcome enum itself, to tell a result of another look-up's enum by more than its name.
    let outcomeType: ObjectIdentifier
    let work: @Sendable (CallContext) async throws -> ErasedLookupResult
    /// How the look-up holds the caller when its work is slow; nil: it never holds.
    public internal(set) var hold: LookupHold<S>? = nil
}

/// A look-up's result with its outcome named by its raw value.
public struct ErasedLookupResult: Sendable {
    /// The outcome's name (its raw value).
    public let outcome: String
    /// Variables to set for later steps, by name.
    public let variables: [String: String]
    /// The outcome's enum; `nil` for a result made by name.
    let outcomeType: ObjectIdentifier?

    /// The result `result`, its outcome named by its raw value.
    public init<Outcome: LookupOutcome>(_ result: LookupResult<Outcome>) {
        outcome = result.outcome.rawValue
        variables = result.variables
        outcomeType = ObjectIdentifier(Outcome.self)
    }

    /// A result by the outcome's name (for tools that walk a flow without running its work).
    public init(outcome: String, setting variables: [String: String] = [:]) {
        self.outcome = outcome
        self.variables = variables
        outcomeType = nil
    }

    /// Whether this result is one of the outcomes a look-up declares.
    package func isOutcome(of lookup: PendingLookup) -> Bool { declaredOutcome(in: lookup.request.node) != nil }

    /// The outcome of `node` this result is: its name, in the node's outcome enum.
    func declaredOutcome(in node: LookupNode) -> (name: String, target: Target)? {
        guard outcomeType == nil || outcomeType == node.outcomeType else { return nil }
        return node.outcomes.first { $0.name == outcome }
    }
}
