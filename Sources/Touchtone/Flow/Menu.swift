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
    /// The state this menu defines.
    public let state: S
    /// What the caller hears on the first turn.
    public var prompt: Prompts
    /// What later turns play instead of ``prompt`` (set with ``reprompts(_:)``); the last one repeats.
    public var reprompts: [Prompts] = []
    /// The options, in the order written.
    public var keys: [Key<S>]
    /// What a silence does (the body's ``NoInput``); `nil` plays no message before the next turn.
    public var noInput: NoInput<S>?
    /// What a key that leads nowhere does (the body's ``WrongKey``); `nil` plays no message before the next turn.
    public var wrongKey: WrongKey<S>?
    /// Keys collected per turn (`Gather maxDigits`); keys longer than this cannot be pressed.
    public var maxDigits: Int = 1
    /// Silence after the prompt before the turn counts as no input.
    public var timeout: Duration = .seconds(5)
    /// Turns in all (the first one included) before ``whenExhausted``.
    public var maxAttempts: Int = 3
    /// Where the call goes after the last failed turn (hang up unless ``attempts(_:then:)`` says otherwise).
    public var whenExhausted: Step<S> = .hangup

    /// A menu in `state` that plays `prompt` and offers the ``Key``s of its body, with its ``NoInput`` and ``WrongKey``.
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
    /// The keys to press: one (`"1"`) or several (`"11"`, with ``Menu/maxDigits(_:)``), from 0-9, `*`, `#` and A-D.
    public let keys: String
    /// Where the option leads.
    public let step: Step<S>
    /// An option: pressing `keys` leads to `step`.
    public init(_ keys: String, _ step: Step<S>) {
        self.keys = keys
        self.step = step
    }
}

/// An entry of a menu's body: a key, or what a failed turn does.
public enum MenuItem<S: FlowState>: Sendable {
    /// An option.
    case key(Key<S>)
    /// What a silence or a wrong key does.
    case handler(FailedTurnHandler<S>)
}

/// Builds a menu's body from ``Key``, ``NoInput`` and ``WrongKey`` entries.
@resultBuilder
public enum MenuBuilder<S: FlowState>: ListBuilder {
    /// The entries of the menu's body.
    public typealias Item = MenuItem<S>
    /// Adds an option.
    public static func buildExpression(_ key: Key<S>) -> [Item] { [.key(key)] }
    /// Adds what a silence does.
    public static func buildExpression(_ handler: NoInput<S>) -> [Item] { [.handler(.noInput(handler))] }
    /// Adds what a key that leads nowhere does.
    public static func buildExpression(_ handler: WrongKey<S>) -> [Item] { [.handler(.wrongKey(handler))] }

    /// Unavailable: a menu with an empty body does not compile.
    @available(*, unavailable, message: "A menu needs at least one Key")
    public static func buildBlock() -> [MenuItem<S>] { [] }
}
