/// Where a key, a branch or a handler leads: another state or an action that ends the menu.
///
/// ```swift
/// Key("1", .go(.sales))
/// Key("0", .transfer(to: "4921199999999"))
/// Key("9", .voicemail)
/// Key("*", .back)
/// ```
public enum Step<S: FlowState>: Sendable {
    /// Continue in another state of this flow.
    case go(S)
    /// `Dial`: ring 1 to 5 numbers at once.
    case transfer(Transfer)
    /// `Dial` to the account's voicemail.
    case voicemail
    /// `Reject`: refuse the call, or pretend to be busy.
    case reject(RejectReason)
    /// `Hangup`.
    case hangup
    /// Back to the menu the caller came from (the main menu when there is none).
    case back
    /// Back to the flow's main menu.
    case mainMenu
    /// The call hears the flow's prompts in language `code` from now on, then goes on with `then`.
    indirect case language(String, then: Step<S>)
    /// On to another flow of the routing table, keeping the call's data and variables (see ``HandOff``).
    case handOff(HandOff)

    /// On to the start of the flow named `flow` in the routing table: the call continues
    /// there, keeping its data and variables, without a transfer.
    ///
    /// ```swift
    /// Key("3", .handOff(to: "account-line"))                        // from its start
    /// Key("4", .handOff(to: "account-line", at: AccountLine.menu))  // or from one of its states
    /// ```
    ///
    /// The flow is named, not passed: two flows that hand calls to each other would otherwise
    /// each need the other to exist first. The engine refuses to start when no route serves
    /// the flow or it lacks the state.
    public static func handOff(to flow: String) -> Step {
        .handOff(HandOff(flow: flow))
    }

    /// On to `state` of the flow named `flow` (see ``handOff(to:)``); the state's type keeps
    /// its name from being misspelt.
    public static func handOff<T: FlowState>(to flow: String, at state: T) -> Step {
        .handOff(HandOff(flow: flow, state: state.rawValue))
    }

    /// Ring `numbers` (E.164, up to 5) at once.
    public static func transfer(to numbers: String..., callerId: String? = nil, anonymous: Bool? = nil) -> Step {
        .transfer(Transfer(numbers: numbers.map { .fixed($0) }, callerId: callerId.map { .fixed($0) }, anonymous: anonymous))
    }
}

/// A `Dial` to numbers: fixed ones, or ones taken from the call.
public struct Transfer: Sendable {
    /// Where a number comes from.
    public enum Number: Sendable, CustomStringConvertible {
        /// A number written in the flow; checked when the flow compiles.
        case fixed(String)
        /// The number the caller dialled (`to`): lets an outgoing call through.
        case dialled
        /// A variable the call collected or a look-up set.
        case variable(String)
        /// Chosen by the first user of the call (`user[]`), with a default.
        case perUser([String: String], default: String?)

        /// The number, or what it is taken from in angle brackets (`<dialled number>`, `<variable>`).
        public var description: String {
            switch self {
            case .fixed(let n): n
            case .dialled: "<dialled number>"
            case .variable(let v): "<\(v)>"
            case .perUser(_, let d): "<per user\(d.map { ", default \($0)" } ?? "")>"
            }
        }
    }

    /// The numbers rung at once (1 to 5); when one taken from the call is not E.164, the call is rejected.
    public var numbers: [Number]
    /// The number the called party sees; `nil` leaves it to sipgate.
    public var callerId: Number?
    /// `true` hides the caller's number, `false` shows it, `nil` (the default) leaves the account setting.
    public var anonymous: Bool?

    /// A transfer ringing `numbers` at once, with an optional caller id and anonymity.
    public init(numbers: [Number], callerId: Number? = nil, anonymous: Bool? = nil) {
        self.numbers = numbers
        self.callerId = callerId
        self.anonymous = anonymous
    }
}

extension Step: CustomStringConvertible {
    /// The step in words: the state's name, `dial 49...`, `voicemail`, `reject (busy)`, `hang up`, ...
    public var description: String {
        switch self {
        case .go(let s): s.rawValue
        case .transfer(let t):
            "dial " + t.numbers.map(\.description).joined(separator: ", ")
                + (t.callerId.map { " (caller id \($0))" } ?? "") + (t.anonymous == true ? " (anonymous)" : "")
        case .voicemail: "voicemail"
        case .reject(let reason): "reject (\(reason.rawValue))"
        case .hangup: "hang up"
        case .back: "back"
        case .mainMenu: "main menu"
        case .language(let code, let then): "language \(code), then \(then)"
        case .handOff(let handOff): handOff.description
        }
    }
}

/// A call handed to another flow of the routing table: the flow by name, and the state it
/// continues in (its start when nil). The engine checks at start-up that the flow is routed
/// and has the state.
public struct HandOff: Sendable, Hashable, CustomStringConvertible {
    /// The flow's name in the routing table.
    public var flow: String
    /// The state's name; nil for the flow's start.
    public var state: String?

    /// A hand-off to the flow named `flow`, at its state named `state` (its start when nil).
    public init(flow: String, state: String? = nil) {
        self.flow = flow
        self.state = state
    }

    /// `hand off to account-line` or `hand off to account-line (menu)`.
    public var description: String { "hand off to \(flow)" + (state.map { " (\($0))" } ?? "") }
}
