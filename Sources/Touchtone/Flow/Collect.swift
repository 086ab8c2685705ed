/// Digit collection: a PIN, a customer number, an amount.
///
/// ```swift
/// Collect(.pin, into: "pin", digits: 4...4, prompt: "enter-pin", next: .go(.account)) {
///     NoInput(play: "no-input")
///     WrongKey(play: "pin-invalid")        // too short, too long, or not valid
/// }
/// .finishKey("#")
/// .sensitive()
/// .validate("not an obvious PIN") { $0 != "0000" }
/// .attempts(3, then: .hangup)
/// ```
///
/// Its body, which may be left out, says what a silence (``NoInput``) and input that is not
/// valid (``WrongKey``) do, as in a ``Menu``.
///
/// sipgate's `Gather` has no finish key: Touchtone asks for one key more than `digits`
/// allows and strips the finish key, so `1234#` and (after the timeout) `12#` both arrive.
public struct Collect<S: FlowState>: Sendable, Modifiable, HandlesFailedTurns {
    /// The state this collection defines.
    public let state: S
    /// The variable that holds the digits once they are valid.
    public let variable: String
    /// How many digits a valid input has (`4...4` for a 4-digit PIN), the finish key not counted.
    public let digits: ClosedRange<Int>
    /// What the caller hears on the first turn.
    public var prompt: Prompts
    /// What later turns play instead of ``prompt`` (set with ``reprompts(_:)``); the last one repeats.
    public var reprompts: [Prompts] = []
    /// Where the call goes once valid digits are collected (and confirmed, with ``confirm(readBack:ask:)``).
    public let next: Step<S>
    /// The key that ends input early, stripped from the value; `nil` (the default) for none.
    public var finishKey: Character?
    /// Whether the digits are kept out of logs, transcripts and the state file (set with ``sensitive(_:)``).
    public var isSensitive = false
    /// The extra check valid digits must pass (set with ``validate(_:_:)``); `nil` for none.
    public var validator: Validator?
    /// The read-back the caller confirms with 1 (set with ``confirm(readBack:ask:)``); `nil` for none.
    public var confirmation: Confirmation?
    /// What a silence does (the body's ``NoInput``); `nil` plays no message before the next turn.
    public var noInput: NoInput<S>?
    /// What input that is too short, too long or not valid does.
    public var wrongKey: WrongKey<S>?
    /// How long to wait for the first key after the prompt (default 8 seconds).
    public var timeout: Duration = .seconds(8)
    /// Turns in all (the first one included) before ``whenExhausted`` (default 3).
    public var maxAttempts: Int = 3
    /// Where the call goes after the last failed turn (hang up unless ``attempts(_:then:)`` says otherwise).
    public var whenExhausted: Step<S> = .hangup

    /// A named check of the collected digits.
    public struct Validator: Sendable {
        /// A short description of the check, such as `not an obvious PIN`.
        public let label: String
        /// Whether the digits are acceptable; it sees only digits of a valid length, finish key stripped.
        public let isValid: @Sendable (String) -> Bool
    }

    /// A read-back: "you entered 4 1 7, press 1 if correct".
    public struct Confirmation: Sendable {
        /// Played before the digits.
        public let readBack: Prompts
        /// Played after the digits: asks for 1 (correct) or another key (enter again).
        public let ask: Prompts
    }

    /// A collection in `state` that stores the digits in `variable`, then goes to `next`; its body
    /// may give ``NoInput`` and ``WrongKey``.
    public init(
        _ state: S, into variable: String, digits: ClosedRange<Int>, prompt: Prompts, next: Step<S>,
        @CollectBuilder<S> onFailure handlers: () -> [FailedTurnHandler<S>] = { [] }
    ) {
        self.state = state
        self.variable = variable
        self.digits = digits
        self.prompt = prompt
        self.next = next
        for handler in handlers() { take(handler) }
    }

    /// A key that ends the input early (usually `#`); it is stripped from the value.
    public func finishKey(_ key: Character) -> Self { with { $0.finishKey = key } }

    /// Keeps the digits out of logs, transcripts and the state file.
    public func sensitive(_ flag: Bool = true) -> Self { with { $0.isSensitive = flag } }

    /// Accepts only input for which `isValid` returns true.
    public func validate(_ label: String, _ isValid: @escaping @Sendable (String) -> Bool) -> Self {
        with { $0.validator = Validator(label: label, isValid: isValid) }
    }

    /// Reads the digits back and asks the caller to confirm them with 1.
    public func confirm(readBack: Prompts, ask: Prompts) -> Self {
        with { $0.confirmation = Confirmation(readBack: readBack, ask: ask) }
    }

    /// Unavailable: write ``WrongKey`` in the collection's body instead.
    @available(
        *, unavailable, message: "write WrongKey(play: ...) in the collection's body: Collect(...) { WrongKey(play: \"pin-invalid\") }"
    )
    public func onInvalid(play message: Prompts) -> Self { self }

    /// Unavailable: write ``NoInput`` in the collection's body instead.
    @available(*, unavailable, message: "write NoInput(...) in the collection's body: Collect(...) { NoInput(play: \"no-input\") }")
    public func onNoInput(_ handler: NoInput<S>) -> Self { self }

    /// Shorter prompts for later turns; the last one repeats.
    public func reprompts(_ prompts: Prompts...) -> Self { with { $0.reprompts = prompts } }

    /// How long to wait after the prompt for the first key (sipgate has no inter-key timeout).
    public func timeout(_ duration: Duration) -> Self { with { $0.timeout = duration } }

    /// How many turns in all, and where the call goes after the last failed one.
    public func attempts(_ count: Int, then step: Step<S>) -> Self {
        with {
            $0.maxAttempts = count
            $0.whenExhausted = step
        }
    }

    /// The `Gather maxDigits` this collection asks sipgate for.
    public var gatherDigits: Int { digits.upperBound + (finishKey == nil ? 0 : 1) }
}

/// Builds a collection's body from ``NoInput`` and ``WrongKey`` (both optional).
@resultBuilder
public enum CollectBuilder<S: FlowState>: ListBuilder {
    /// The failed-turn handlers of the collection.
    public typealias Item = FailedTurnHandler<S>
    /// Adds what a silence does.
    public static func buildExpression(_ handler: NoInput<S>) -> [Item] { [.noInput(handler)] }
    /// Adds what input that is not valid does.
    public static func buildExpression(_ handler: WrongKey<S>) -> [Item] { [.wrongKey(handler)] }
    /// An empty body: no handlers.
    public static func buildBlock() -> [Item] { [] }
}
