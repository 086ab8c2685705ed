import FoundationEssentials

/// A flow checked and turned into a state machine over state indices; what the engine runs.
///
/// Built by ``RoutingTable`` compilation; you meet it in diagrams, coverage and tests.
public final class CompiledFlow: Sendable {
    /// The flow's name.
    public let name: String
    /// The flow's version (``Flow/version``).
    public let version: Int
    /// State names in the order of the state enum's `allCases`; a session's `state` indexes it.
    public let stateNames: [String]
    let nodes: [Node]
    /// The index of the state a new call begins in.
    public let start: UInt16
    /// The index of the state ``Step/mainMenu`` leads to; `nil` when the flow has no menu, and the start state is used.
    public let mainMenu: UInt16?
    let maxSilencesInARow: Int
    let hooks: CallHooks
    /// Where sipgate posts `dtmf`, `answer` and `hangup` of this flow's calls.
    let callbacks: AbsoluteURL
    /// The endings that never depend on the call, prepared once.
    let endings: FixedEndings
    /// The answer for a call in progress whose session cannot be read or written in time.
    let whenSessionsUnreachable: PreparedVerb
    /// Every answer prepared in advance, numbered: a session kept outside the process names
    /// its last answer by number when it is one of these.
    let prepared: PreparedAnswers
    /// Every edge of the flow, state by state in state order, each state's in the order of
    /// `Node.edges(from:)`: diagrams, coverage, exploration, logs and metrics all number
    /// edges by their place here.
    public let edges: [FlowEdge]
    /// Where each state's edges begin in ``edges``; one more entry than states.
    private let firstEdge: [Int]
    /// The labels of ``edges``, apart: a step finds its edge by label without copying edges.
    private let edgeLabels: [EdgeLabel]
    /// Each label's kind, to pass over edges of other kinds without comparing their texts.
    private let edgeKinds: [UInt8]
    /// The flow's A/B splits: each one's state and the variable it keeps its share in.
    let splits: [(state: UInt16, variable: String)]
    /// The language this flow's prompts are in; `nil` for a flow with one set of prompts.
    public let language: String?
    /// The same flow in its other languages, each with its own prompts and prepared answers
    /// (whose numbers follow this flow's in ``prepared``).
    let translations: [(code: String, flow: CompiledFlow)]

    init(
        name: String, version: Int, stateNames: [String], nodes: [Node], start: UInt16, mainMenu: UInt16?,
        maxSilencesInARow: Int, hooks: CallHooks, callbacks: AbsoluteURL, whenSessionsUnreachable: FinalVerb = .dial(.voicemail),
        language: String? = nil, translations: [(code: String, flow: CompiledFlow)] = []
    ) {
        self.name = name
        self.version = version
        self.stateNames = stateNames
        self.nodes = nodes
        self.start = start
        self.mainMenu = mainMenu
        self.maxSilencesInARow = maxSilencesInARow
        self.hooks = hooks
        self.callbacks = callbacks
        self.endings = FixedEndings(callbacks: callbacks)
        self.whenSessionsUnreachable = PreparedVerb(whenSessionsUnreachable, callbacks: callbacks)
        self.language = language
        self.translations = translations
        self.prepared = PreparedAnswers(
            nodes: nodes + translations.flatMap(\.flow.nodes), endings: [endings] + translations.map(\.flow.endings))
        (self.edges, self.firstEdge) = Self.edges(of: nodes, stateNames: stateNames, entered: mainMenu ?? start)
        self.edgeLabels = edges.map(\.label)
        self.edgeKinds = edges.map(\.label.kind)
        self.splits = nodes.enumerated().compactMap { index, node in
            if case .split(let split) = node { (UInt16(index), split.variable) } else { nil }
        }
    }

    /// The index in ``edges`` of the edge from `state` on `label`; nil when the state has no such edge.
    func edgeIndex(from state: UInt16, _ label: EdgeLabel) -> UInt16? {
        guard Int(state) + 1 < firstEdge.count else { return nil }
        let kind = label.kind
        for index in firstEdge[Int(state)]..<firstEdge[Int(state) + 1] where edgeKinds[index] == kind {
            if label.hasText && edgeLabels[index] != label { continue }
            return UInt16(truncatingIfNeeded: index)
        }
        return nil
    }

    /// The index in ``edges`` of `state`'s edge at `position` (in `Node.edges(from:)` order).
    func edgeIndex(from state: UInt16, position: Int) -> UInt16? {
        guard Int(state) + 1 < firstEdge.count, position >= 0 else { return nil }
        let index = firstEdge[Int(state)] + position
        return index < firstEdge[Int(state) + 1] ? UInt16(truncatingIfNeeded: index) : nil
    }

    /// The edges of `trail` as taken edges: from a state, on a label.
    public func taken(_ trail: EdgeTrail) -> [TakenEdge] {
        trail.compactMap { Int($0) < edges.count ? TakenEdge(from: edges[Int($0)].from, label: edges[Int($0)].label) : nil }
    }

    private static func edges(of nodes: [Node], stateNames: [String], entered mainMenu: UInt16) -> ([FlowEdge], [Int]) {
        var edges: [FlowEdge] = []
        var first: [Int] = []
        func name(_ state: UInt16) -> String { Int(state) < stateNames.count ? stateNames[Int(state)] : "#\(state)" }
        for (index, node) in nodes.enumerated() {
            first.append(edges.count)
            let from = UInt16(index)
            for (label, target) in node.edges(from: from) {
                var landing = target
                while case .language(_, let then) = landing { landing = then }
                let state: UInt16? =
                    switch landing {
                    case .go(let s): s
                    case .mainMenu: mainMenu
                    default: nil
                    }
                edges.append(
                    FlowEdge(
                        from: from, label: label, target: target.description(naming: name), targetState: state,
                        destination: state.map(name) ?? target.destination))
            }
        }
        first.append(edges.count)
        return (edges, first)
    }

    /// The languages the flow speaks, its default first; empty for one set of prompts.
    public var languages: [String] { language.map { [$0] + translations.map(\.code) } ?? [] }

    /// The index of the state named `name`.
    public func stateIndex(named name: String) -> UInt16? {
        stateNames.firstIndex(of: name).map { UInt16($0) }
    }

    /// The name of state `index` (or `#index` when out of range).
    public func stateName(_ index: UInt16) -> String {
        Int(index) < stateNames.count ? stateNames[Int(index)] : "#\(index)"
    }

    /// What kind of state `index` is: `menu`, `collect`, `announce`, `decide`, `lookup` or `undefined`.
    public func kind(of index: UInt16) -> String {
        Int(index) < nodes.count ? nodes[Int(index)].kind : "undefined"
    }
}

/// The answers of a flow prepared in advance, in a fixed order (the order the compiler
/// made them in, which only a new flow version changes), each found by its number or by
/// the identity of its shared answer.
struct PreparedAnswers: Sendable {
    let answers: [Response]
    private let numbers: [ObjectIdentifier: Int]

    init(nodes: [Node], endings: [FixedEndings]) {
        var answers: [Response] = []
        var numbers: [ObjectIdentifier: Int] = [:]
        func add(_ prepared: PreparedVerb?) {
            guard let answer = prepared?.alone, numbers[answer.identity] == nil else { return }
            numbers[answer.identity] = answers.count
            answers.append(answer)
        }
        for set in endings {
            for ending in [set.hangup, set.voicemail, set.busy, set.rejected] { add(ending) }
        }
        for (index, node) in nodes.enumerated() {
            switch node {
            case .menu(let menu): for turn in menu.wait.turns { add(turn.prepared) }
            case .collect(let collect): for turn in collect.wait.turns { add(turn.prepared) }
            default: break
            }
            for (_, target) in node.edges(from: UInt16(index)) {
                if case .dial(let spec) = target { add(spec.prepared) }
            }
        }
        self.answers = answers
        self.numbers = numbers
    }

    /// The number of `answer` when it is one of these (the same shared answer, not an equal one).
    func number(of answer: Response) -> Int? { numbers[answer.identity] }

    func answer(number: Int) -> Response? { answers.indices.contains(number) ? answers[number] : nil }
}

/// The final verbs that never depend on the call, each with its answer prepared.
struct FixedEndings: Sendable {
    let hangup, voicemail, busy, rejected: PreparedVerb

    init(callbacks: AbsoluteURL) {
        hangup = PreparedVerb(.hangup, callbacks: callbacks)
        voicemail = PreparedVerb(.dial(.voicemail), callbacks: callbacks)
        busy = PreparedVerb(.reject(.busy), callbacks: callbacks)
        rejected = PreparedVerb(.reject(.rejected), callbacks: callbacks)
    }

    func reject(_ reason: RejectReason) -> PreparedVerb {
        switch reason {
        case .busy: busy
        case .rejected: rejected
        }
    }
}

extension CompiledFlow {
    /// Representative inputs for a call waiting in `state`: every key of a menu, a wrong
    /// key and silence; for a collection, silence, too short, the shortest and longest valid
    /// lengths (with the finish key) and, while confirming, `1`, `2` and silence; for a
    /// look-up that holds its caller, the hold keys, a key without meaning and silence.
    /// Exploration and tools use them to walk a flow.
    public func sampleInputs(for state: UInt16, confirming: Bool = false) -> [String] {
        guard Int(state) < nodes.count else { return [] }
        switch nodes[Int(state)] {
        case .menu(let menu):
            let keys = menu.keys.map(\.keys)
            let wrong = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"].first { k in !keys.contains { $0.hasPrefix(k) } }
            return keys + (wrong.map { [$0] } ?? []) + [""]
        case .collect(let collect):
            if confirming { return ["1", "2", ""] }
            let finish = collect.finishKey.map { String(UnicodeScalar($0)) } ?? ""
            var inputs = [""]
            if collect.digits.lowerBound > 1 { inputs.append(String(repeating: "1", count: collect.digits.lowerBound - 1) + finish) }
            inputs.append(String(repeating: "1", count: collect.digits.lowerBound) + finish)
            if collect.digits.upperBound != collect.digits.lowerBound {
                inputs.append(String(repeating: "2", count: collect.digits.upperBound) + finish)
            }
            return inputs
        case .lookup(let lookup):
            // Pushes to a held call: its hold keys, a key without meaning, the hold's timeout.
            guard let hold = lookup.hold else { return [] }
            let keys = hold.keys.map(\.keys)
            let other = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#"].first { !keys.contains($0) }
            return keys + (other.map { [$0] } ?? []) + [""]
        default:
            return []
        }
    }
}
