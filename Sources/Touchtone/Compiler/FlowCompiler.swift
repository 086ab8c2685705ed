import FoundationEssentials

/// A flow of any state type, as the routing table holds it.
public protocol FlowDefinition: Sendable {
    /// The flow's name, as routes, sessions and callback URLs know it.
    var name: String { get }
    /// Checks the flow and builds its state machine; lists every problem found.
    func compile(in environment: CompileEnvironment) -> (CompiledFlow, [FlowProblem])
}

extension Flow: FlowDefinition {
    /// Checks the flow and builds its state machine; lists every problem found.
    public func compile(in environment: CompileEnvironment) -> (CompiledFlow, [FlowProblem]) {
        if !languages.isEmpty { return compileLanguages(in: environment) }
        var compiler = FlowCompiler(flow: self, environment: environment)
        return compiler.run()
    }
}

/// Checks one flow and turns it into a ``CompiledFlow``: every target resolved to a state
/// index, every prompt checked and its URL built, fixed answers prepared, and every
/// problem listed with the state where it is.
struct FlowCompiler<S: FlowState> {
    let flow: Flow<S>
    let environment: CompileEnvironment
    var problems: [FlowProblem] = []
    let allStates: [S]
    let index: [S: UInt16]
    var checkedPrompts: Set<String> = []
    /// The state being compiled, for problem messages.
    var current: S?
    /// Where sipgate posts this flow's `dtmf`, `answer` and `hangup`: the public URL naming
    /// the flow (`?f=name`); each answer adds its turn.
    let callbacks: AbsoluteURL
    /// The language compiled (its prompts in `environment`), and the flow in its other languages.
    var language: String?
    var translations: [(code: String, flow: CompiledFlow)] = []

    init(flow: Flow<S>, environment: CompileEnvironment) {
        self.flow = flow
        self.environment = environment
        self.callbacks = PushAddress.callbacks(base: environment.publicURL, flow: flow.name)
        allStates = Array(S.allCases)
        var index: [S: UInt16] = [:]
        for (i, s) in allStates.enumerated() { index[s] = UInt16(i) }
        self.index = index
    }

    mutating func problem(_ message: String, at state: S? = nil) {
        problems.append(FlowProblem(flow: flow.name, state: (state ?? current)?.rawValue, message: message))
    }

    mutating func run() -> (CompiledFlow, [FlowProblem]) {
        if flow.name.isEmpty { problem("a flow needs a name") }
        if environment.publicURL.text.utf8.contains(UInt8(ascii: "#")) {
            problem("the public URL \(environment.publicURL) has a fragment ('#'): callbacks add a query after it")
        }
        if allStates.count > Int(UInt16.max) { problem("more than \(UInt16.max) states") }
        if flow.maxSilencesInARow < 1 { problem("maxSilencesInARow must be at least 1") }
        var nodes = [Node](repeating: .undefined, count: allStates.count)
        var defined = Set<S>()
        for definition in flow.definitions {
            let state = definition.state
            current = state
            if !defined.insert(state).inserted {
                problem("is defined more than once")
                continue
            }
            guard let i = index[state] else { continue }
            nodes[Int(i)] = compile(definition)
        }
        current = nil
        guard let start = index[flow.start] else {
            problem("start state \(flow.start.rawValue) is not a state")
            return (finished(nodes: nodes, start: 0, mainMenu: nil), problems)
        }
        if !defined.contains(flow.start) { problem("start state \(flow.start.rawValue) is not defined") }
        var mainMenu: UInt16?
        if let main = flow.mainMenu {
            mainMenu = index[main]
            if !defined.contains(main) { problem("main menu \(main.rawValue) is not defined") }
        } else {
            mainMenu = flow.definitions.first { if case .menu = $0 { true } else { false } }.flatMap { index[$0.state] }
        }
        let compiled = finished(nodes: nodes, start: start, mainMenu: mainMenu)
        checkUnreachableStep()
        checkGraph(compiled, defined: defined)
        if compiled.edges.count > Int(UInt16.max) { problem("more than \(UInt16.max) edges: records number them in 16 bits") }
        if compiled.splits.count > CompiledFlow.maxSplits {
            problem("a flow has at most \(CompiledFlow.maxSplits) splits, not \(compiled.splits.count)")
        }
        return (compiled, problems)
    }

    func finished(nodes: [Node], start: UInt16, mainMenu: UInt16?) -> CompiledFlow {
        CompiledFlow(
            name: flow.name, version: flow.version, stateNames: allStates.map(\.rawValue), nodes: nodes,
            start: start, mainMenu: mainMenu, maxSilencesInARow: flow.maxSilencesInARow, hooks: flow.hooks,
            callbacks: callbacks, whenSessionsUnreachable: unreachableVerb, language: language, translations: translations)
    }

    /// The answer for calls whose session cannot be read: it can depend on nothing in the call.
    var unreachableVerb: FinalVerb {
        switch flow.whenSessionsUnreachable {
        case .transfer(let transfer): Self.fixedDial(transfer).map(FinalVerb.dial) ?? .dial(.voicemail)
        case .reject(let reason): .reject(reason)
        case .hangup: .hangup
        case .voicemail, .go, .back, .mainMenu, .language, .handOff: .dial(.voicemail)
        }
    }

    mutating func checkUnreachableStep() {
        switch flow.whenSessionsUnreachable {
        case .transfer(let transfer):
            if Self.fixedDial(transfer) == nil {
                problem("whenSessionsUnreachable transfers to numbers that depend on the call: its session cannot be read then")
            }
        case .voicemail, .reject, .hangup:
            break
        case .go, .back, .mainMenu, .language, .handOff:
            problem(
                "whenSessionsUnreachable must end the flow's part (transfer, voicemail, reject or hang up): the call's state is unknown then"
            )
        }
    }

    // MARK: States

    mutating func compile(_ definition: StateDefinition<S>) -> Node {
        switch definition {
        case .menu(let menu): return .menu(compile(menu))
        case .collect(let collect): return .collect(compile(collect))
        case .announce(let announce):
            if announce.prompt.isEmpty { problem("announcement has no prompt") }
            return .announce(AnnounceNode(prompt: prompts(announce.prompt), next: target(announce.next)))
        case .decide(let decide):
            return .decide(
                DecideNode(branches: decide.branches.map { ($0.condition, target($0.step)) }, otherwise: target(decide.otherwise)))
        case .lookup(let lookup):
            return .lookup(compile(lookup))
        case .split(let split):
            return .split(compile(split))
        }
    }

    /// A split's shares: each 1 to 100 percent, named apart, adding up to 100.
    mutating func compile(_ split: Split<S>) -> SplitNode {
        var names = Set<String>()
        for share in split.shares {
            if !(1...100).contains(share.percent) { problem("share \(share.name) is \(share.percent)%: a share is 1 to 100 percent") }
            if share.name.isEmpty { problem("a share needs a name") }
            if !names.insert(share.name).inserted { problem("two shares are named \(share.name): name them apart with `named:`") }
        }
        if split.shares.count > CompiledFlow.maxShares {
            problem("a split has at most \(CompiledFlow.maxShares) shares, not \(split.shares.count)")
        }
        let total = split.shares.reduce(0) { $0 + $1.percent }
        if total != 100 { problem("the shares add up to \(total)%, not 100%") }
        let shares = split.shares.map { SplitNode.CompiledShare(name: $0.name, percent: $0.percent, target: target($0.step)) }
        return SplitNode(key: split.key, shares: shares, flow: flow.name, state: split.state.rawValue)
    }

    mutating func compile(_ menu: Menu<S>) -> MenuNode {
        if menu.prompt.isEmpty { problem("menu has no prompt") }
        if menu.maxDigits < 1 { problem("maxDigits must be at least 1, not \(menu.maxDigits)") }
        checkKeys(menu.keys.map(\.keys), collecting: menu.maxDigits, kind: "key")
        for key in menu.keys where key.keys.utf8.count > menu.maxDigits {
            problem(
                "key \(key.keys) is longer than the \(menu.maxDigits) digit(s) the menu collects; set .maxDigits(\(key.keys.utf8.count))")
        }
        let wait = keyWait(
            menu.state, turns: [menu.prompt] + menu.reprompts, maxDigits: menu.maxDigits, timeout: menu.timeout,
            attempts: menu.maxAttempts, exhausted: menu.whenExhausted, noInput: menu.noInput, wrongKey: menu.wrongKey)
        return MenuNode(keys: menu.keys.map { ($0.keys, target($0.step)) }, wait: wait)
    }

    /// A turn that plays `prompts` in a `Gather`, prepared once when its audio is the same
    /// for every call (read-outs depend on the call).
    func gatherTurn(_ prompts: CompiledPrompts, maxDigits: Int, timeoutMilliseconds: Int) -> KeyWait.Turn {
        switch prompts.audio {
        case .silence, .fixed:
            let play: Play? = if case .fixed(let play) = prompts.audio { play } else { nil }
            let gather = Gather(checkedOnData: callbacks, maxDigits: maxDigits, timeoutMilliseconds: timeoutMilliseconds, play: play)
            return KeyWait.Turn(prompts: prompts, prepared: PreparedVerb(.gather(gather), callbacks: callbacks))
        case .perCall:
            return KeyWait.Turn(prompts: prompts, prepared: nil)
        }
    }

    /// The keys a caller may press into one `Gather` of `maxDigits` digits (a menu's, a
    /// hold's): each on the keypad and given once; and since sipgate pushes only after
    /// `maxDigits` keys or the timeout, a shorter key that starts a longer one cannot be
    /// chosen before the timeout. `kind` names them in problems.
    mutating func checkKeys(_ keys: [String], collecting maxDigits: Int, kind: String) {
        var seen = Set<String>()
        var fitting: [String] = []
        for key in keys {
            if key.isEmpty { problem("a \(kind) is empty") }
            if !key.utf8.allSatisfy(Keypad.isKey) { problem("\(kind) \"\(key)\" has characters that are not on a keypad (0-9 * # A-D)") }
            if !seen.insert(key).inserted {
                problem("\(kind) \(key) is used more than once")
            } else if key.utf8.count <= maxDigits {
                fitting.append(key)
            }
        }
        for short in fitting where short.utf8.count < maxDigits && fitting.contains(where: { $0 != short && $0.hasPrefix(short) }) {
            problem("\(kind) \(short) is the start of a longer key; the caller can never choose it before the timeout")
        }
    }

    mutating func compile(_ collect: Collect<S>) -> CollectNode {
        if collect.prompt.isEmpty { problem("collection has no prompt") }
        if collect.variable.isEmpty { problem("collection needs a variable name") }
        if collect.digits.lowerBound < 1 { problem("digits must start at 1 or more") }
        if collect.gatherDigits > 32 { problem("collects at most 32 keys (with the finish key), not \(collect.gatherDigits)") }
        var finish: UInt8?
        if let key = collect.finishKey {
            let bytes = Array(String(key).utf8)
            if bytes.count != 1 || !Keypad.isKey(bytes[0]) {
                problem("finish key \"\(key)\" is not a keypad key")
            } else if ASCII.isDigit(bytes[0]) {
                problem("finish key \(key) is also a digit the caller enters; use # or *")
            } else {
                finish = bytes[0]
            }
        }
        if collect.confirmation != nil, finish == UInt8(ascii: "1") { problem("finish key 1 is also the confirmation key") }
        if collect.confirmation != nil, collect.isSensitive {
            problem("a sensitive collection cannot be read back: its digits would appear in the audio URLs sipgate fetches")
        }
        let wait = keyWait(
            collect.state, turns: [collect.prompt] + collect.reprompts, maxDigits: collect.gatherDigits,
            timeout: collect.timeout, attempts: collect.maxAttempts, exhausted: collect.whenExhausted,
            noInput: collect.noInput, wrongKey: collect.wrongKey)
        return CollectNode(
            variable: collect.variable, digits: collect.digits, finishKey: finish, sensitive: collect.isSensitive,
            validator: collect.validator.map { ($0.label, $0.isValid) },
            confirmation: collect.confirmation.map { (prompts($0.readBack), prompts($0.ask)) },
            next: target(collect.next), wait: wait)
    }

    mutating func compile(_ lookup: LookupDefinition<S>) -> LookupNode {
        checkDeadline(lookup)
        return LookupNode(
            lookup, fallback: target(lookup.fallback), outcomes: lookup.outcomes.map { ($0.name, target($0.step)) },
            hold: compileHold(lookup))
    }

    /// The turns of a menu or a collection and what its failures do; checks the numbers.
    mutating func keyWait(
        _ state: S, turns: [Prompts], maxDigits: Int, timeout: Duration, attempts: Int, exhausted: Step<S>,
        noInput: NoInput<S>?, wrongKey: WrongKey<S>?
    ) -> KeyWait {
        if attempts < 1 { problem("attempts must be at least 1, not \(attempts)") }
        let milliseconds = timeout.wholeMilliseconds
        if milliseconds < 1 { problem("timeout must be at least 1 ms") }
        if case .go(let s) = exhausted, s == state {
            problem("attempts exhausted leads back to \(s.rawValue) itself: a silent caller would loop for ever")
        }
        let compiledTurns = turns.map { gatherTurn(prompts($0), maxDigits: maxDigits, timeoutMilliseconds: milliseconds) }
        return KeyWait(
            turns: compiledTurns, maxDigits: max(maxDigits, 1), timeoutMilliseconds: max(milliseconds, 1),
            attempts: (max(attempts, 1), target(exhausted)),
            noInput: handler(noInput, name: "NoInput"), wrongKey: handler(wrongKey, name: "WrongKey"))
    }

    mutating func handler<Failure>(_ handler: RetryHandler<S, Failure>?, name: String) -> Handler {
        if let limit = handler?.limit, limit < 1 { problem("\(name) limit must be at least 1, not \(limit)") }
        return Handler(message: handler?.message.map { prompts($0) }, limit: handler?.limit, then: handler?.then.map { target($0) })
    }

    // MARK: Targets and prompts

    mutating func target(_ step: Step<S>) -> Target {
        switch step {
        case .go(let s):
            if !flow.definitions.contains(where: { $0.state == s }) { problem("leads to \(s.rawValue), which is not defined") }
            return .go(index[s] ?? 0)
        case .transfer(let transfer): return .dial(dialSpec(transfer))
        case .voicemail: return .voicemail
        case .reject(let reason): return .reject(reason)
        case .hangup: return .hangup
        case .back: return .back
        case .mainMenu: return .mainMenu
        case .language(let code, let then):
            if !flow.languages.contains(code) {
                problem("switches to language \"\(code)\", which the flow does not speak (.languages(...) lists \(flow.languages))")
            }
            if case .language = then { problem("a language step leads straight to another language step") }
            return .language(code, then: target(then))
        case .handOff(let handOff):
            if handOff.flow == flow.name { problem("hands off to its own flow \(flow.name): use .go instead") }
            return .handOff(handOff)
        }
    }

    mutating func dialSpec(_ transfer: Transfer) -> DialSpec {
        if transfer.numbers.isEmpty { problem("a transfer needs at least one number") }
        if transfer.numbers.count > Dial.maxNumbers {
            problem("a transfer rings at most \(Dial.maxNumbers) numbers at once, not \(transfer.numbers.count)")
        }
        for number in transfer.numbers + (transfer.callerId.map { [$0] } ?? []) {
            switch number {
            case .fixed(let text):
                if !E164Number.isValid(text) { problem("\"\(text)\" is not an E.164 number (digits, country code first, no leading 0)") }
            case .perUser(let table, let fallback):
                for text in table.values.sorted() + (fallback.map { [$0] } ?? []) where !E164Number.isValid(text) {
                    problem("\"\(text)\" is not an E.164 number (digits, country code first, no leading 0)")
                }
            case .dialled, .variable: break
            }
        }
        return DialSpec(
            numbers: transfer.numbers, callerId: transfer.callerId, anonymous: transfer.anonymous,
            prepared: Self.fixedDial(transfer).map { PreparedVerb(.dial($0), callbacks: callbacks) })
    }

    /// The `Dial` of a transfer whose numbers (and caller id) are all written in the flow.
    static func fixedDial(_ transfer: Transfer) -> Dial? {
        var numbers: [E164Number] = []
        for number in transfer.numbers {
            guard case .fixed(let text) = number, let parsed = try? E164Number(text) else { return nil }
            numbers.append(parsed)
        }
        var callerId: E164Number?
        switch transfer.callerId {
        case nil: break
        case .fixed(let text)?:
            guard let parsed = try? E164Number(text) else { return nil }
            callerId = parsed
        default: return nil
        }
        return numbers.isEmpty ? nil : try? Dial(.numbers(numbers), callerId: callerId, anonymous: transfer.anonymous)
    }

    mutating func prompts(_ prompts: Prompts) -> CompiledPrompts {
        var parts: [CompiledPrompts.Part] = []
        for part in prompts.parts {
            switch part {
            case .file(let prompt):
                check(prompt)
                if let url = try? environment.promptURL(prompt) { parts.append(.file(prompt, Play(url))) }
            case .digits(let variable):
                for prompt in DigitReadout.allKeyPrompts { check(prompt) }
                parts.append(.digits(variable: variable))
            }
        }
        return CompiledPrompts(parts: parts, composedURL: environment.composedURL)
    }

    mutating func check(_ prompt: Prompt) {
        guard AudioFolder.isValidName(prompt.name) else {
            problem("prompt name \"\(prompt.name)\" may only use letters, digits, '.', '_' and '-'")
            return
        }
        guard let catalog = environment.prompts, checkedPrompts.insert(prompt.name).inserted else { return }
        if let message = catalog.problem(with: prompt) { problem(message) }
    }
}
