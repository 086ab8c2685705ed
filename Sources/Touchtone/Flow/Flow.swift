/// A phone menu: named states and how a call moves between them.
///
/// ```swift
/// enum Demo: String, FlowState { case menu, bye }
///
/// let demo = Flow("demo", states: Demo.self, start: .menu) {
///     Menu(.menu, prompt: "main-menu") {
///         Key("1", .transfer(to: "4915799912345"))
///         Key("2", .voicemail)
///     }
///     .attempts(3, then: .go(.bye))
///     Announce(.bye, play: "goodbye", then: .hangup)
/// }
/// ```
///
/// A flow is a value; ``RoutingTable`` decides which calls it answers, and the engine
/// compiles it at start-up, refusing it with every problem listed if it cannot work.
public struct Flow<S: FlowState>: Sendable, Modifiable {
    /// The flow's name, as sessions, callback URLs (`?f=name`) and logs know it; with ``version``, it tells flows apart.
    public let name: String
    /// Bump it when states change meaning. A call that began on another version continues
    /// in the state of the same name, or starts the flow again (see ``RoutingTable/keeping(_:)``).
    public let version: Int
    /// The state a new call begins in.
    public let start: S
    /// The states the body defines, in the order written.
    public let definitions: [StateDefinition<S>]
    /// Where ``Step/mainMenu`` leads; the first ``Menu`` when not set.
    public var mainMenu: S?
    /// Silences in a row, across states, after which the call is ended (a safety net
    /// against menus that send each other silent callers for ever).
    public var maxSilencesInARow: Int = 8
    /// Code run when a call of this flow is answered or ends; add to it with ``onAnswer(_:)`` and ``onHangup(_:)``.
    public var hooks = CallHooks()
    /// What a call in progress gets when its session cannot be read or written in time (the
    /// shared session store is unreachable): a transfer to fixed numbers, voicemail
    /// (the default), a rejection or a hang-up.
    public var whenSessionsUnreachable: Step<S> = .voicemail
    /// The languages the flow speaks, each with its prompts in `Audio/<code>/`; empty (the
    /// default) for a flow with one set of prompts in `Audio/` itself.
    public var languages: [String] = []
    /// The language of a call that has not chosen one; the first of ``languages`` when not set.
    public var defaultLanguage: String?

    /// Creates a flow named `name` over the states of `states`, beginning in `start`, with the states its body defines.
    public init(_ name: String, version: Int = 1, states: S.Type, start: S, @FlowBuilder<S> _ body: () -> [StateDefinition<S>]) {
        self.name = name
        self.version = version
        self.start = start
        self.definitions = body()
    }

    /// Sets the state ``Step/mainMenu`` leads to.
    public func mainMenu(_ state: S) -> Self {
        with { $0.mainMenu = state }
    }

    /// Runs `hook` when a call of this flow is answered (after a transfer, by voicemail).
    /// A hook that throws is counted and logged; it never breaks the call.
    public func onAnswer(_ hook: @escaping @Sendable (CallEventInfo) async throws -> Void) -> Self {
        with { $0.hooks.onAnswer.append(hook) }
    }

    /// Runs `hook` when a call of this flow ends. A hook that throws never breaks the call.
    public func onHangup(_ hook: @escaping @Sendable (CallEventInfo) async throws -> Void) -> Self {
        with { $0.hooks.onHangup.append(hook) }
    }

    /// Where calls in progress go when the session store cannot be reached in time: their
    /// state is unknown, so it must end the flow's part (a transfer to fixed numbers,
    /// voicemail, reject or hang up). Voicemail by default: the caller can still leave word.
    ///
    /// ```swift
    /// Flow("hotline", states: Hotline.self, start: .welcome) { ... }
    ///     .whenSessionsUnreachable(.transfer(to: "4921199999999"))
    /// ```
    public func whenSessionsUnreachable(_ step: Step<S>) -> Self {
        with { $0.whenSessionsUnreachable = step }
    }

    /// Speaks `languages`, each with its prompts in `Audio/<code>/`; a call hears
    /// `defaultLanguage` until a ``Step/language(_:then:)`` step chooses another.
    ///
    /// ```swift
    /// Flow("hotline", version: 3, states: Hotline.self, start: .greeting) { ... }
    ///     .languages(["de", "en"], default: "de")
    /// ```
    public func languages(_ languages: [String], default defaultLanguage: String) -> Self {
        with {
            $0.languages = languages
            $0.defaultLanguage = defaultLanguage
        }
    }

    /// Ends calls after this many silences in a row (default 8).
    public func maxSilencesInARow(_ count: Int) -> Self {
        with { $0.maxSilencesInARow = count }
    }
}

/// One state of a flow, as written in its body.
public enum StateDefinition<S: FlowState>: Sendable {
    /// A ``Menu``.
    case menu(Menu<S>)
    /// A ``Collect``.
    case collect(Collect<S>)
    /// An ``Announce``.
    case announce(Announce<S>)
    /// A ``Decide``.
    case decide(Decide<S>)
    /// A ``Lookup``, with its outcome type erased.
    case lookup(LookupDefinition<S>)
    /// A ``Split``.
    case split(Split<S>)

    /// The state this definition defines.
    public var state: S {
        switch self {
        case .menu(let d): d.state
        case .collect(let d): d.state
        case .announce(let d): d.state
        case .decide(let d): d.state
        case .lookup(let d): d.state
        case .split(let d): d.state
        }
    }
}

/// Builds a flow's body from ``Menu``, ``Collect``, ``Announce``, ``Decide``, ``Lookup`` and ``Split``.
@resultBuilder
public enum FlowBuilder<S: FlowState>: ListBuilder {
    /// The states of the flow.
    public typealias Item = StateDefinition<S>
    /// Adds a menu state.
    public static func buildExpression(_ d: Menu<S>) -> [Item] { [.menu(d)] }
    /// Adds a digit-collection state.
    public static func buildExpression(_ d: Collect<S>) -> [Item] { [.collect(d)] }
    /// Adds an announcement state.
    public static func buildExpression(_ d: Announce<S>) -> [Item] { [.announce(d)] }
    /// Adds a branching state.
    public static func buildExpression(_ d: Decide<S>) -> [Item] { [.decide(d)] }
    /// Adds a look-up state.
    public static func buildExpression<Outcome>(_ d: Lookup<S, Outcome>) -> [Item] { [.lookup(d.definition)] }
    /// Adds an A/B split.
    public static func buildExpression(_ d: Split<S>) -> [Item] { [.split(d)] }
    /// Adds the states a function made: a piece of flow used by several flows.
    ///
    /// ```swift
    /// @FlowBuilder<S>
    /// func pinEntry<S: FlowState>(_ state: S, then next: Step<S>, failed: Step<S>) -> [StateDefinition<S>] {
    ///     Collect(state, into: "pin", digits: 4...4, prompt: "enter-pin", next: next).sensitive().attempts(3, then: failed)
    /// }
    /// ```
    public static func buildExpression(_ d: [StateDefinition<S>]) -> [Item] { d }

    /// Unavailable: a flow with an empty body does not compile.
    @available(*, unavailable, message: "A flow needs at least one state")
    public static func buildBlock() -> [StateDefinition<S>] { [] }
}
