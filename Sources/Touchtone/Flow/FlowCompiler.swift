import FoundationEssentials

/// What the compiler needs besides the flow: where prompts are checked and served.
public struct CompileEnvironment: Sendable {
    /// The root URL sipgate reaches this server at.
    public var publicURL: AbsoluteURL
    /// The path under `publicURL` that serves `Audio/` (`audio` gives `/audio/NAME.wav`).
    public var audioPath: String
    /// Checks that prompts exist and play on sipgate; `nil` skips the check.
    public var prompts: (any PromptCatalog)?

    public init(publicURL: AbsoluteURL, audioPath: String = "audio", prompts: (any PromptCatalog)? = nil) {
        self.publicURL = publicURL
        self.audioPath = audioPath
        self.prompts = prompts
    }

    func promptURL(_ prompt: Prompt) throws(ResponseError) -> AbsoluteURL {
        try publicURL.appending(path: audioPath + "/" + prompt.name + ".wav")
    }

    /// The URL of several prompts joined into one (``ComposedPrompt``), when they can be.
    func composedURL(_ prompts: [Prompt]) -> AbsoluteURL? {
        guard let name = ComposedPrompt.fileName(for: prompts) else { return nil }
        return try? publicURL.appending(path: audioPath + "/" + ComposedPrompt.folder + "/" + name)
    }
}

/// A flow of any state type, as the routing table holds it.
public protocol FlowDefinition: Sendable {
    var name: String { get }
    /// Checks the flow and builds its state machine; lists every problem found.
    func compile(in environment: CompileEnvironment) -> (CompiledFlow, [FlowProblem])
}

extension Flow: FlowDefinition {
    public func compile(in environment: CompileEnvironment) -> (CompiledFlow, [FlowProblem]) {
        var compiler = FlowCompiler(flow: self, environment: environment)
        return compiler.run()
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}

struct FlowCompiler<S: FlowState> {
    let flow: Flow<S>
    let environment: CompileEnvironment
    var problems: [FlowProblem] = []
    let allStates: [S]
    let index: [S: UInt16]
    var checkedPrompts: Set<String> = []
    /// The state being compiled, for problem messages.
    var current: S?

    init(flow: Flow<S>, environment: CompileEnvironment) {
        self.flow = flow
        self.environment = environment
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
        checkGraph(compiled, defined: defined)
        return (compiled, problems)
    }

    func finished(nodes: [Node], start: UInt16, mainMenu: UInt16?) -> CompiledFlow {
        CompiledFlow(name: flow.name, version: flow.version, stateNames: allStates.map(\.rawValue), nodes: nodes,
                     start: start, mainMenu: mainMenu, maxSilencesInARow: flow.maxSilencesInARow, hooks: flow.hooks)
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
            return .decide(DecideNode(branches: decide.branches.map { ($0.condition, target($0.step)) }, otherwise: target(decide.otherwise)))
        case .lookup(let lookup):
            if lookup.deadline <= .zero { problem("look-up deadline must be positive") }
            if lookup.deadline > Lookup<S>.maxDeadline {
                problem("look-up deadline \(lookup.deadline) is too close to sipgate's 10 s limit (at most \(Lookup<S>.maxDeadline))")
            }
            let work = lookup.work
            return .lookup(LookupNode(
                deadline: lookup.deadline, fallback: target(lookup.fallback),
                outcomes: lookup.outcomes.sorted { $0.key < $1.key }.map { ($0.key, target($0.value)) },
                work: { context in ErasedLookupResult(try await work(context)) }))
        }
    }

    mutating func compile(_ menu: Menu<S>) -> MenuNode {
        if menu.prompt.isEmpty { problem("menu has no prompt") }
        if menu.maxDigits < 1 { problem("maxDigits must be at least 1, not \(menu.maxDigits)") }
        if menu.maxAttempts < 1 { problem("attempts must be at least 1, not \(menu.maxAttempts)") }
        let timeout = menu.timeout.wholeMilliseconds
        if timeout < 1 { problem("timeout must be at least 1 ms") }
        var seen = Set<String>()
        for key in menu.keys {
            if key.keys.isEmpty { problem("a key is empty") }
            if !key.keys.utf8.allSatisfy(Keypad.isKey) { problem("key \"\(key.keys)\" has characters that are not on a keypad (0-9 * # A-D)") }
            if !seen.insert(key.keys).inserted { problem("key \(key.keys) is used more than once") }
            if key.keys.utf8.count > menu.maxDigits {
                problem("key \(key.keys) is longer than the \(menu.maxDigits) digit(s) the menu collects; set .maxDigits(\(key.keys.utf8.count))")
            }
        }
        if menu.maxDigits > 1 {
            // sipgate only pushes after maxDigits keys or the timeout: a shorter key needs the timeout.
            for short in menu.keys where short.keys.utf8.count < menu.maxDigits {
                if menu.keys.contains(where: { $0.keys != short.keys && $0.keys.hasPrefix(short.keys) }) {
                    problem("key \(short.keys) is the start of a longer key; the caller can never choose it before the timeout")
                }
            }
        }
        checkHandler(limit: menu.noInput?.limit, name: "NoInput")
        checkHandler(limit: menu.wrongKey?.limit, name: "WrongKey")
        if case .go(let s) = menu.whenExhausted, s == menu.state {
            problem("attempts exhausted leads back to \(s.rawValue) itself: a silent caller would loop for ever")
        }
        return MenuNode(
            keys: menu.keys.map { ($0.keys, target($0.step)) },
            turns: ([menu.prompt] + menu.reprompts).map { prompts($0) },
            noInput: handler(menu.noInput?.message, menu.noInput?.limit, menu.noInput?.then),
            wrongKey: handler(menu.wrongKey?.message, menu.wrongKey?.limit, menu.wrongKey?.then),
            maxDigits: menu.maxDigits, timeoutMilliseconds: max(timeout, 1), maxAttempts: max(menu.maxAttempts, 1),
            exhausted: target(menu.whenExhausted))
    }

    mutating func compile(_ collect: Collect<S>) -> CollectNode {
        if collect.prompt.isEmpty { problem("collection has no prompt") }
        if collect.variable.isEmpty { problem("collection needs a variable name") }
        if collect.digits.lowerBound < 1 { problem("digits must start at 1 or more") }
        if collect.gatherDigits > 32 { problem("collects at most 32 keys (with the finish key), not \(collect.gatherDigits)") }
        if collect.maxAttempts < 1 { problem("attempts must be at least 1, not \(collect.maxAttempts)") }
        let timeout = collect.timeout.wholeMilliseconds
        if timeout < 1 { problem("timeout must be at least 1 ms") }
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
        checkHandler(limit: collect.noInput?.limit, name: "NoInput")
        if case .go(let s) = collect.whenExhausted, s == collect.state {
            problem("attempts exhausted leads back to \(s.rawValue) itself: a silent caller would loop for ever")
        }
        return CollectNode(
            variable: collect.variable, digits: collect.digits, finishKey: finish, sensitive: collect.isSensitive,
            validator: collect.validator.map { ($0.label, $0.isValid) },
            readBack: collect.confirmation.map { prompts($0.readBack) }, ask: collect.confirmation.map { prompts($0.ask) },
            invalidMessage: collect.invalidMessage.map { prompts($0) },
            turns: ([collect.prompt] + collect.reprompts).map { prompts($0) },
            noInput: handler(collect.noInput?.message, collect.noInput?.limit, collect.noInput?.then),
            timeoutMilliseconds: max(timeout, 1), maxAttempts: max(collect.maxAttempts, 1),
            exhausted: target(collect.whenExhausted), next: target(collect.next))
    }

    mutating func checkHandler(limit: Int?, name: String) {
        if let limit, limit < 1 { problem("\(name) limit must be at least 1, not \(limit)") }
    }

    mutating func handler(_ message: Prompts?, _ limit: Int?, _ then: Step<S>?) -> Handler {
        Handler(message: message.map { prompts($0) }, limit: limit, then: then.map { target($0) })
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
        }
    }

    mutating func dialSpec(_ transfer: Transfer) -> DialSpec {
        if transfer.numbers.isEmpty { problem("a transfer needs at least one number") }
        if transfer.numbers.count > Dial.maxNumbers {
            problem("a transfer rings at most \(Dial.maxNumbers) numbers at once, not \(transfer.numbers.count)")
        }
        var fixed: [E164Number] = []
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
        for number in transfer.numbers {
            if case .fixed(let text) = number, let n = try? E164Number(text) { fixed.append(n) }
        }
        var prebuilt: Dial?
        if fixed.count == transfer.numbers.count, !fixed.isEmpty {
            var callerId: E164Number?
            var ok = true
            switch transfer.callerId {
            case nil: break
            case .fixed(let text)?: callerId = try? E164Number(text); ok = callerId != nil
            default: ok = false
            }
            if ok { prebuilt = try? Dial(.numbers(fixed), callerId: callerId, anonymous: transfer.anonymous) }
        }
        let callbacks = environment.publicURL
        let prepared = prebuilt.map { Response(onAnswer: callbacks, onHangup: callbacks, then: .dial($0)).prerendered() }
        return DialSpec(numbers: transfer.numbers, callerId: transfer.callerId, anonymous: transfer.anonymous,
                        prebuilt: prebuilt, prepared: prepared)
    }

    mutating func prompts(_ prompts: Prompts) -> CompiledPrompts {
        var parts: [CompiledPrompts.Part] = []
        var allFiles = true
        for part in prompts.parts {
            switch part {
            case .file(let prompt):
                check(prompt)
                if let url = try? environment.promptURL(prompt) { parts.append(.file(prompt, Play(url))) }
            case .digits(let variable):
                allFiles = false
                for prompt in DigitReadout.allKeyPrompts { check(prompt) }
                parts.append(.digits(variable: variable))
            }
        }
        let prebuilt: [Play]? = allFiles ? parts.compactMap { if case .file(_, let p) = $0 { p } else { nil } } : nil
        var composed: Play?
        if allFiles, parts.count > 1 {
            composed = environment.composedURL(parts.compactMap { if case .file(let prompt, _) = $0 { prompt } else { nil } }).map(Play.init)
        }
        return CompiledPrompts(parts: parts, prebuilt: prebuilt, composed: composed)
    }

    mutating func check(_ prompt: Prompt) {
        guard AudioFolder.isValidName(prompt.name) else {
            problem("prompt name \"\(prompt.name)\" may only use letters, digits, '.', '_' and '-'")
            return
        }
        guard let catalog = environment.prompts, checkedPrompts.insert(prompt.name).inserted else { return }
        if let message = catalog.problem(with: prompt) { problem(message) }
    }

    // MARK: Whole-graph checks

    mutating func checkGraph(_ compiled: CompiledFlow, defined: Set<S>) {
        let count = compiled.nodes.count
        func successors(_ i: Int) -> [Int] {
            compiled.nodes[i].edges(from: UInt16(i)).compactMap { _, target -> Int? in
                switch target {
                case .go(let s): Int(s)
                case .mainMenu: Int(compiled.mainMenu ?? compiled.start)
                case .back: Int(compiled.mainMenu ?? compiled.start)
                default: nil
                }
            }
        }
        func hasBack(_ i: Int) -> Bool {
            compiled.nodes[i].edges(from: UInt16(i)).contains { if case .back = $0.1 { true } else { false } }
        }
        // Reachable from the start. "back" may return to any menu the caller came through, all of which are reachable.
        var reachable = [Bool](repeating: false, count: count)
        var queue = [Int(compiled.start)]
        reachable[Int(compiled.start)] = true
        while let i = queue.popLast() {
            for j in successors(i) where !reachable[j] {
                reachable[j] = true
                queue.append(j)
            }
        }
        for (i, state) in allStates.enumerated() where defined.contains(state) && !reachable[i] {
            problem("is unreachable from the start state \(flow.start.rawValue)", at: state)
        }
        // A way out: some path from each reachable state ends the call (dial, voicemail, reject, hang up).
        var canEnd = [Bool](repeating: false, count: count)
        for i in 0..<count where compiled.nodes[i].edges(from: UInt16(i)).contains(where: { $0.1.isFinal }) || hasBack(i) {
            canEnd[i] = true
        }
        var changed = true
        while changed {
            changed = false
            for i in 0..<count where !canEnd[i] && successors(i).contains(where: { canEnd[$0] }) {
                canEnd[i] = true
                changed = true
            }
        }
        for (i, state) in allStates.enumerated() where defined.contains(state) && reachable[i] && !canEnd[i] {
            problem("has no way out: no path from here transfers, rejects or ends the call", at: state)
        }
        // Loops that never wait for the caller: announcements and branches leading back to themselves.
        var colour = [UInt8](repeating: 0, count: count)  // 0 new, 1 on path, 2 done
        var reported = Set<Int>()
        func visit(_ i: Int, _ path: inout [Int]) -> [Int]? {
            if case .undefined = compiled.nodes[i] { colour[i] = 2; return nil }
            if compiled.nodes[i].waitsForCaller { colour[i] = 2; return nil }
            colour[i] = 1
            path.append(i)
            defer {
                path.removeLast()
                colour[i] = 2
            }
            for j in successors(i) {
                if colour[j] == 1 { return Array(path[(path.firstIndex(of: j) ?? 0)...]) + [j] }
                if colour[j] == 0, let cycle = visit(j, &path) { return cycle }
            }
            return nil
        }
        for i in 0..<count where colour[i] == 0 && !compiled.nodes[i].waitsForCaller {
            var path: [Int] = []
            if let cycle = visit(i, &path), reported.insert(cycle.min() ?? 0).inserted {
                problem("loops without waiting for the caller: " + cycle.map { allStates[$0].rawValue }.joined(separator: " -> "),
                        at: allStates[cycle[0]])
            }
        }
    }
}
