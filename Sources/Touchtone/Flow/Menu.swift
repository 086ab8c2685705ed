/// A menu: a prompt, keys that lead somewhere, and what happens on silence and wrong keys.
///
/// ```swift
/// Menu(.main, prompt: ["welcome", "main-menu"]) {
///     Key("1", .go(.sales))
///     Key("2", .go(.support))
///     Key("0", .transfer(to: "4921199999999"))
///     NoInput(play: "sorry-no-input")
///     WrongKey(play: "invalid-option")
/// }
/// .reprompts("main-menu-short")
/// .attempts(3, then: .go(.operator))
/// ```
///
/// Each silence and each wrong key uses one attempt and plays the handler's message, then
/// the re-prompt. After `attempts` turns the call goes where ``attempts(_:then:)`` says
/// (hang up unless told otherwise), so a menu never loops without end.
public struct Menu<S: FlowState>: Sendable, Modifiable, HandlesFailedTurns {
    public let state: S
    public var prompt: Prompts
    public var reprompts: [Prompts] = []
    public var keys: [Key<S>]
    public var noInput: NoInput<S>?
    public var wrongKey: WrongKey<S>?
    /// Keys collected per turn (`Gather maxDigits`); keys longer than this cannot be pressed.
    public var maxDigits: Int = 1
    /// Silence after the prompt before the turn counts as no input.
    public var timeout: Duration = .seconds(5)
    /// Turns in all (the first one included) before ``whenExhausted``.
    public var maxAttempts: Int = 3
    public var whenExhausted: Step<S> = .hangup

    public init(_ state: S, prompt: Prompts, @MenuBuilder<S> keys body: () -> [MenuItem<S>]) {
        self.state = state
        self.prompt = prompt
        self.keys = []
        for item in body() {
            switch item {
            case .key(let key): keys.append(key)
            case .handler(let handler): take(handler)
            }
        }
    }

    /// Shorter prompts for the second, third, ... turn; the last one repeats.
    public func reprompts(_ prompts: Prompts...) -> Self {
        with { $0.reprompts = prompts }
    }

    /// How many turns in all, and where the call goes after the last one.
    public func attempts(_ count: Int, then step: Step<S>) -> Self {
        with {
            $0.maxAttempts = count
            $0.whenExhausted = step
        }
    }

    /// How long to wait for a key after the prompt ended.
    public func timeout(_ duration: Duration) -> Self {
        with { $0.timeout = duration }
    }

    /// How many keys one turn collects (for multi-key options such as `"11"`).
    public func maxDigits(_ count: Int) -> Self {
        with { $0.maxDigits = count }
    }
}

/// One option of a ``Menu``: the keys to press and where they lead.
public struct Key<S: FlowState>: Sendable {
    public let keys: String
    public let step: Step<S>
    public init(_ keys: String, _ step: Step<S>) {
        self.keys = keys
        self.step = step
    }
}

/// An entry of a menu's body: a key, or what a failed turn does.
public enum MenuItem<S: FlowState>: Sendable {
    case key(Key<S>)
    case handler(FailedTurnHandler<S>)
}

/// Builds a menu's body from ``Key``, ``NoInput`` and ``WrongKey`` entries.
@resultBuilder
public enum MenuBuilder<S: FlowState>: ListBuilder {
    public typealias Item = MenuItem<S>
    public static func buildExpression(_ key: Key<S>) -> [Item] { [.key(key)] }
    public static func buildExpression(_ handler: NoInput<S>) -> [Item] { [.handler(.noInput(handler))] }
    public static func buildExpression(_ handler: WrongKey<S>) -> [Item] { [.handler(.wrongKey(handler))] }

    @available(*, unavailable, message: "A menu needs at least one Key")
    public static func buildBlock() -> [MenuItem<S>] { [] }
}
