/// An A/B split: callers are shared out between steps by fixed percentages, the same
/// caller always to the same share.
///
/// ```swift
/// Split(.entry, by: .caller) {
///     Share(50, .go(.mainMenu))
///     Share(50, .go(.shortMenu))
/// }
/// ```
///
/// The percentages must add up to 100 (the flow does not compile otherwise). The chosen
/// share is kept in the call's variable ``variable(for:)`` (`split.entry` = `mainMenu`), which
/// the log line of every later push of the call names (`variant`), so `touchtone report`
/// and `/metrics` can compare the shares. When that variable is already set to one of the
/// shares' names (by a look-up, or a test forcing a share), the split keeps it.
public struct Split<S: FlowState>: Sendable {
    /// The state this split defines.
    public let state: S
    /// What keeps a caller in one share.
    public let key: SplitKey
    /// The shares, in order.
    public let shares: [Share<S>]

    /// A split in `state`, sharing calls out by `key` between the `shares` of the body.
    public init(_ state: S, by key: SplitKey = .caller, @ShareBuilder<S> _ body: () -> [Share<S>]) {
        self.state = state
        self.key = key
        self.shares = body()
    }

    /// The variable a split in `state` keeps its chosen share in: `split.` and the state's name.
    public static func variable(for state: S) -> String { SplitNode.variablePrefix + state.rawValue }
}

/// What decides which share of a ``Split`` a call gets.
public enum SplitKey: String, Sendable, Hashable {
    /// The calling number: a caller who calls again gets the same share. Anonymous callers
    /// are shared out by call.
    case caller
    /// The call: each call is shared out on its own.
    case call
}

/// One share of a ``Split``: a percentage of the calls, and where they go.
public struct Share<S: FlowState>: Sendable {
    /// The share of calls, 1 to 100 percent.
    public let percent: Int
    /// Where the share's calls go.
    public let step: Step<S>
    /// The share's name in variables, logs, reports and metrics: the target's name unless given.
    public let name: String

    /// `percent` of the calls go to `step`; the share is called `name`, or after its step
    /// (`mainMenu`, `voicemail`).
    public init(_ percent: Int, _ step: Step<S>, named name: String? = nil) {
        self.percent = percent
        self.step = step
        self.name = name ?? step.description
    }
}

/// Builds a ``Split``'s shares.
@resultBuilder
public enum ShareBuilder<S: FlowState>: ListBuilder {
    /// The shares.
    public typealias Item = Share<S>
    /// Adds a share.
    public static func buildExpression(_ share: Share<S>) -> [Item] { [share] }

    /// Unavailable: a split with an empty body does not compile.
    @available(*, unavailable, message: "A Split needs at least one Share")
    public static func buildBlock() -> [Share<S>] { [] }
}
