/// An async step, e.g. finding the caller in a CRM, with a deadline and a fallback.
///
/// The call waits (silently) while the work runs; if it throws or passes its deadline the
/// call goes to `fallback`. sipgate gives up after about 10 seconds, so the deadline must
/// stay well under that (default 3 s, at most 8 s). Other calls never wait for it.
///
/// ```swift
/// Lookup(.identify, deadline: .milliseconds(1500), fallback: .go(.mainMenu)) { call in
///     guard let customer = try await crm.customer(phone: call.call.from) else {
///         return .init(.go(.mainMenu))
///     }
///     return .init(.go(.knownCustomer), setting: ["customer": customer.id])
/// }
/// ```
public struct Lookup<S: FlowState>: Sendable {
    public let state: S
    public let deadline: Duration
    public let fallback: Step<S>
    /// The possible results, named for diagrams (e.g. `["found": .go(.known), "new": .go(.new)]`).
    public let outcomes: [String: Step<S>]
    public let work: @Sendable (CallContext) async throws -> LookupResult<S>

    /// The longest deadline accepted; sipgate waits about 10 s for an answer.
    public static var maxDeadline: Duration { .seconds(8) }

    public init(
        _ state: S, deadline: Duration = .seconds(3), fallback: Step<S>, outcomes: [String: Step<S>] = [:],
        _ work: @escaping @Sendable (CallContext) async throws -> LookupResult<S>
    ) {
        self.state = state
        self.deadline = deadline
        self.fallback = fallback
        self.outcomes = outcomes
        self.work = work
    }
}

/// What a ``Lookup`` found: where the call goes, and variables for later steps.
public struct LookupResult<S: FlowState>: Sendable {
    public let step: Step<S>
    public let variables: [String: String]
    public init(_ step: Step<S>, setting variables: [String: String] = [:]) {
        self.step = step
        self.variables = variables
    }
}
