/// A branch on call data, collected variables or time: the first ``When`` that holds wins,
/// ``Otherwise`` catches the rest.
///
/// ```swift
/// Decide(.entry) {
///     When(.from(blocked), .reject(.busy))
///     When(.closed(hours), .go(.afterHours))
///     Otherwise(.go(.mainMenu))
/// }
/// ```
/// A `Decide` without a final `Otherwise` does not compile.
public struct Decide<S: FlowState>: Sendable {
    /// The state this decision defines.
    public let state: S
    /// The ``When`` branches, tried in order.
    public let branches: [When<S>]
    /// Where the call goes when no branch holds.
    public let otherwise: Step<S>

    /// A decision in `state`: the first ``When`` of the body that holds leads the way, else its ``Otherwise``.
    public init(_ state: S, @DecisionBuilder<S> _ body: () -> Decision<S>) {
        self.state = state
        let decision = body()
        self.branches = decision.branches
        self.otherwise = decision.otherwise
    }
}

/// One branch of a ``Decide``.
public struct When<S: FlowState>: Sendable {
    /// What must hold for this branch to be taken.
    public let condition: Condition
    /// Where the call goes when the condition holds.
    public let step: Step<S>
    /// A branch to `step`, taken when `condition` holds.
    public init(_ condition: Condition, _ step: Step<S>) {
        self.condition = condition
        self.step = step
    }
}

/// The branch of a ``Decide`` taken when no ``When`` holds.
public struct Otherwise<S: FlowState>: Sendable {
    /// Where the call goes when no ``When`` holds.
    public let step: Step<S>
    /// The last branch of a ``Decide``, leading to `step`.
    public init(_ step: Step<S>) { self.step = step }
}

/// The branches of a ``Decide`` so far, before its ``Otherwise``.
public struct OpenDecision<S: FlowState>: Sendable {
    /// The ``When`` branches so far, in order.
    public var branches: [When<S>]
}

/// The complete branches of a ``Decide``.
public struct Decision<S: FlowState>: Sendable {
    /// The ``When`` branches, in order.
    public var branches: [When<S>]
    /// Where the call goes when no branch holds.
    public var otherwise: Step<S>
}

/// Builds a ``Decide``: any number of ``When``, then exactly one ``Otherwise``, last.
@resultBuilder
public enum DecisionBuilder<S: FlowState> {
    /// Takes a ``When`` as it is.
    public static func buildExpression(_ branch: When<S>) -> When<S> { branch }
    /// Takes an ``Otherwise`` as it is.
    public static func buildExpression(_ otherwise: Otherwise<S>) -> Otherwise<S> { otherwise }
    /// Starts the branches with a ``When``.
    public static func buildPartialBlock(first: When<S>) -> OpenDecision<S> { OpenDecision(branches: [first]) }
    /// A decision with only an ``Otherwise``: it always goes there.
    public static func buildPartialBlock(first: Otherwise<S>) -> Decision<S> { Decision(branches: [], otherwise: first.step) }
    /// Adds a ``When`` after the earlier ones.
    public static func buildPartialBlock(accumulated: OpenDecision<S>, next: When<S>) -> OpenDecision<S> {
        OpenDecision(branches: accumulated.branches + [next])
    }
    /// Closes the branches with the ``Otherwise``.
    public static func buildPartialBlock(accumulated: OpenDecision<S>, next: Otherwise<S>) -> Decision<S> {
        Decision(branches: accumulated.branches, otherwise: next.step)
    }

    /// Unavailable: a ``When`` after the ``Otherwise`` does not compile.
    @available(*, unavailable, message: "Otherwise must be the last branch of a Decide")
    public static func buildPartialBlock(accumulated: Decision<S>, next: When<S>) -> Decision<S> { accumulated }

    /// Unavailable: a second ``Otherwise`` does not compile.
    @available(*, unavailable, message: "A Decide has exactly one Otherwise")
    public static func buildPartialBlock(accumulated: Decision<S>, next: Otherwise<S>) -> Decision<S> { accumulated }

    /// The complete decision: the body ended with its ``Otherwise``.
    public static func buildFinalResult(_ decision: Decision<S>) -> Decision<S> { decision }

    /// Unavailable: a body without a final ``Otherwise`` does not compile.
    @available(*, unavailable, message: "A Decide must end with Otherwise(...)")
    public static func buildFinalResult(_ decision: OpenDecision<S>) -> Decision<S> {
        Decision(branches: decision.branches, otherwise: .hangup)
    }
}
