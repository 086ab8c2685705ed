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
    public let state: S
    public let branches: [When<S>]
    public let otherwise: Step<S>

    public init(_ state: S, @DecisionBuilder<S> _ body: () -> Decision<S>) {
        self.state = state
        let decision = body()
        self.branches = decision.branches
        self.otherwise = decision.otherwise
    }
}

/// One branch of a ``Decide``.
public struct When<S: FlowState>: Sendable {
    public let condition: Condition
    public let step: Step<S>
    public init(_ condition: Condition, _ step: Step<S>) {
        self.condition = condition
        self.step = step
    }
}

/// The branch of a ``Decide`` taken when no ``When`` holds.
public struct Otherwise<S: FlowState>: Sendable {
    public let step: Step<S>
    public init(_ step: Step<S>) { self.step = step }
}

/// The branches of a ``Decide`` so far, before its ``Otherwise``.
public struct OpenDecision<S: FlowState>: Sendable {
    public var branches: [When<S>]
}

/// The complete branches of a ``Decide``.
public struct Decision<S: FlowState>: Sendable {
    public var branches: [When<S>]
    public var otherwise: Step<S>
}

/// Builds a ``Decide``: any number of ``When``, then exactly one ``Otherwise``, last.
@resultBuilder
public enum DecisionBuilder<S: FlowState> {
    public static func buildExpression(_ branch: When<S>) -> When<S> { branch }
    public static func buildExpression(_ otherwise: Otherwise<S>) -> Otherwise<S> { otherwise }
    public static func buildPartialBlock(first: When<S>) -> OpenDecision<S> { OpenDecision(branches: [first]) }
    public static func buildPartialBlock(first: Otherwise<S>) -> Decision<S> { Decision(branches: [], otherwise: first.step) }
    public static func buildPartialBlock(accumulated: OpenDecision<S>, next: When<S>) -> OpenDecision<S> {
        OpenDecision(branches: accumulated.branches + [next])
    }
    public static func buildPartialBlock(accumulated: OpenDecision<S>, next: Otherwise<S>) -> Decision<S> {
        Decision(branches: accumulated.branches, otherwise: next.step)
    }

    @available(*, unavailable, message: "Otherwise must be the last branch of a Decide")
    public static func buildPartialBlock(accumulated: Decision<S>, next: When<S>) -> Decision<S> { accumulated }

    @available(*, unavailable, message: "A Decide has exactly one Otherwise")
    public static func buildPartialBlock(accumulated: Decision<S>, next: Otherwise<S>) -> Decision<S> { accumulated }

    public static func buildFinalResult(_ decision: Decision<S>) -> Decision<S> { decision }

    @available(*, unavailable, message: "A Decide must end with Otherwise(...)")
    public static func buildFinalResult(_ decision: OpenDecision<S>) -> Decision<S> {
        Decision(branches: decision.branches, otherwise: .hangup)
    }
}
