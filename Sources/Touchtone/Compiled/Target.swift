/// Where a compiled edge leads.
enum Target: Sendable {
    case go(UInt16)
    case dial(DialSpec)
    case voicemail
    case reject(RejectReason)
    case hangup
    case back
    case mainMenu
    /// The call's language becomes the code, then the call goes on to the target.
    indirect case language(String, then: Target)
    /// On to another flow (ends this flow's part in the call).
    case handOff(HandOff)

    func description(in flow: CompiledFlow) -> String { description(naming: flow.stateName) }

    /// Where the target leads once its language steps are taken: itself for any other target.
    var landing: Target {
        var target = self
        while case .language(_, let then) = target { target = then }
        return target
    }

    /// The target in words, states named by `name`.
    func description(naming name: (UInt16) -> String) -> String {
        switch self {
        case .go(let s): name(s)
        case .dial(let spec): "dial " + spec.numbers.map(\.description).joined(separator: ", ")
        case .voicemail: "voicemail"
        case .reject(let r): "reject (\(r.rawValue))"
        case .hangup: "hang up"
        case .back: "back"
        case .mainMenu: "main menu"
        case .language(let code, let then): "language \(code), then " + then.description(naming: name)
        case .handOff(let handOff): handOff.description
        }
    }

    /// What an action target is in logs and metrics: `transfer`, `voicemail`, `reject`,
    /// `hangup`, `back` (never a number: a transfer's numbers stay out of metric labels).
    var destination: String {
        switch self {
        case .dial: "transfer"
        case .voicemail: "voicemail"
        case .reject: "reject"
        case .hangup: "hangup"
        case .back: "back"
        case .handOff: "handoff"
        case .go, .mainMenu: "state"
        case .language(_, let then): then.destination
        }
    }

    func stateIndex(in flow: CompiledFlow) -> UInt16? {
        switch self {
        case .go(let s): s
        case .mainMenu: flow.mainMenu ?? flow.start
        case .language(_, let then): then.stateIndex(in: flow)
        default: nil
        }
    }

    /// True for actions that end the flow's part in the call.
    var isFinal: Bool {
        switch self {
        case .dial, .voicemail, .reject, .hangup, .handOff: true
        case .go, .back, .mainMenu: false
        case .language(_, let then): then.isFinal
        }
    }
}

/// A transfer, with its answer prepared when all its numbers are fixed. A class, so that
/// copying a state's targets (on every key press) costs one reference, not the whole
/// specification.
final class DialSpec: Sendable {
    let numbers: [Transfer.Number]
    let callerId: Transfer.Number?
    let anonymous: Bool?
    /// The finished `Dial` and its answer when nothing depends on the call.
    let prepared: PreparedVerb?

    init(numbers: [Transfer.Number], callerId: Transfer.Number?, anonymous: Bool?, prepared: PreparedVerb?) {
        self.numbers = numbers
        self.callerId = callerId
        self.anonymous = anonymous
        self.prepared = prepared
    }
}

/// A final verb that depends on nothing in the call, with the whole answer it makes when
/// nothing is played before it, rendered once when the flow compiles (a menu's fixed turn,
/// a transfer to fixed numbers, voicemail, reject, hang-up): the common step sends shared
/// bytes instead of rendering. A class: a step passes it on as one reference.
final class PreparedVerb: Sendable {
    let verb: FinalVerb
    /// `verb` alone in an answer whose callbacks point back at the server, rendered.
    let alone: Response

    init(_ verb: FinalVerb, callbacks: AbsoluteURL) {
        self.verb = verb
        alone = Response(onAnswer: callbacks, onHangup: callbacks, then: verb).prerendered()
    }
}

extension Gather {
    /// For values the flow compiler checked already.
    init(checkedOnData onData: AbsoluteURL, maxDigits: Int, timeoutMilliseconds: Int, play: Play?) {
        self.onData = onData
        self.maxDigits = max(maxDigits, 1)
        self.timeoutMilliseconds = max(timeoutMilliseconds, 1)
        self.play = play
    }
}
