/// What a state does when a turn fails: a message before the re-prompt and, with `limit`,
/// where the call goes after that many such failures in the state (each kind of failure
/// keeps its own counter). Written as ``NoInput`` or ``WrongKey`` in the body of a ``Menu``
/// or a ``Collect``:
///
/// ```swift
/// Menu(.main, prompt: "main-menu") {
///     Key("1", .go(.sales))
///     NoInput(play: "no-input", limit: 2, then: .voicemail)
///     WrongKey(play: "invalid-option")
/// }
/// Collect(.pin, into: "pin", digits: 4...4, prompt: "enter-pin", next: .go(.account)) {
///     NoInput(play: "no-input")
///     WrongKey(play: "pin-invalid")
/// }
/// ```
public struct RetryHandler<S: FlowState, Failure: RetryFailure>: Sendable {
    /// Played after the failed turn, before the next turn's prompt; `nil` plays nothing.
    public let message: Prompts?
    /// How many failures of this kind in the state send the call to ``then``; `nil`: only the state's attempts count.
    public let limit: Int?
    /// Where the call goes at ``limit``; `nil`: where the state's attempts lead when used up.
    public let then: Step<S>?
    /// A handler that plays `message` and, after `limit` such failures in the state, goes to `then`.
    public init(play message: Prompts? = nil, limit: Int? = nil, then: Step<S>? = nil) {
        self.message = message
        self.limit = limit
        self.then = then
    }
}

/// The kinds of failed turn a ``RetryHandler`` handles.
public protocol RetryFailure: Sendable {}

/// The caller pressed nothing before the timeout.
public enum Silence: RetryFailure {}

/// The caller pressed keys that lead nowhere (in a ``Collect``: digits that are too few,
/// too many, or fail its validation).
public enum UnknownKeys: RetryFailure {}

/// What a ``Menu`` or ``Collect`` does when the caller presses nothing:
/// `NoInput(play: "sorry-no-input", limit: 2, then: .voicemail)`.
public typealias NoInput<S: FlowState> = RetryHandler<S, Silence>

/// What a ``Menu`` does when the caller presses a key that leads nowhere, and what a
/// ``Collect`` does with input that is not valid: `WrongKey(play: "invalid-option")`.
public typealias WrongKey<S: FlowState> = RetryHandler<S, UnknownKeys>

/// A ``NoInput`` or a ``WrongKey``, as the body of a ``Menu`` or a ``Collect`` gives it.
public enum FailedTurnHandler<S: FlowState>: Sendable {
    /// What a silence does.
    case noInput(NoInput<S>)
    /// What a wrong key (or, in a ``Collect``, input that is not valid) does.
    case wrongKey(WrongKey<S>)
}

/// A state whose body says what failed turns do: a menu, a collection.
protocol HandlesFailedTurns {
    associatedtype State: FlowState
    var noInput: NoInput<State>? { get set }
    var wrongKey: WrongKey<State>? { get set }
}

extension HandlesFailedTurns {
    /// Takes a handler from the body; a later one of the same kind replaces an earlier one.
    mutating func take(_ handler: FailedTurnHandler<State>) {
        switch handler {
        case .noInput(let noInput): self.noInput = noInput
        case .wrongKey(let wrongKey): self.wrongKey = wrongKey
        }
    }
}
