/// A compiled flow drawn as a diagram: Mermaid (`flowchart TD`) or Graphviz DOT.
///
/// States are nodes shaped by kind (menu: rectangle, collect: parallelogram, announce:
/// rounded, decide: diamond, lookup: cylinder, split: trapezoid); actions that end the flow's part in the call
/// (dial, voicemail, reject, hang up) are terminal nodes (Mermaid: stadium, DOT: double
/// octagon), each drawn once; `back` (to the menu the caller came from) is a hexagon. Edges carry what
/// takes them: keys, no input, wrong key, attempts exhausted, branches, look-up results,
/// deadlines and failures. Branches on the clock (opening hours, holidays) are dashed.
///
/// ```swift
/// let (flow, _) = hotline.compile(in: CompileEnvironment(publicURL: try AbsoluteURL("http://localhost")))
/// print(FlowDiagram.mermaid(flow))
/// ```
/// Every label is escaped for its format, so state names, branch labels and keys such as
/// `#` cannot break the diagram's syntax.
public enum FlowDiagram {
    /// The flow as a Mermaid `flowchart TD`.
    public static func mermaid(_ flow: CompiledFlow) -> String {
        mermaid(flow, traffic: Traffic())
    }

    /// The flow as a Mermaid `flowchart TD`, with `traffic`'s notes after edge and state
    /// labels and its marked states highlighted (a `classDef`). With an empty `traffic` it is
    /// ``mermaid(_:)``, byte for byte.
    ///
    /// ```swift
    /// // Edge 5 of the hotline is the main menu's key 1; state 2 is the main menu.
    /// let traffic = FlowDiagram.Traffic(edgeNotes: [5: "120 (34%)"], stateNotes: [2: "⚠ 23% hang up"], marked: [2])
    /// print(FlowDiagram.mermaid(hotline, traffic: traffic))
    /// // s2["mainMenu ⚠ 23% hang up"] ... s2 -->|"key 1 · 120 (34%)"| s4 ... class s2 marked
    /// ```
    public static func mermaid(_ flow: CompiledFlow, traffic: Traffic) -> String {
        let graph = Graph(flow)
        var lines = ["flowchart TD", "    start((\" \")) --> \(graph.startID)"]
        for node in graph.nodes {
            let (open, close) = node.shape.drawing.mermaid
            let note = node.state.flatMap { traffic.stateNotes[$0] }.map { " " + $0 } ?? ""
            lines.append("    \(node.id)\(open)\"\(mermaidEscaped(node.label + note))\"\(close)")
        }
        for (index, edge) in graph.edges.enumerated() {
            let note = traffic.edgeNotes[index].map { " · " + $0 } ?? ""
            lines.append("    \(edge.from) \(edge.dashed ? "-.->" : "-->")|\"\(mermaidEscaped(edge.label + note))\"| \(edge.to)")
        }
        let marked = graph.nodes.filter { node in node.state.map { traffic.marked.contains($0) } ?? false }
        if !marked.isEmpty {
            lines.append("    classDef marked fill:#fdecea,stroke:#c62828,stroke-width:2px,color:#000")
            lines.append("    class \(marked.map(\.id).joined(separator: ",")) marked")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What a diagram shows besides the flow: text after edge and state labels (calls per
    /// edge, say), and states to highlight.
    public struct Traffic: Sendable, Hashable {
        /// Text after the label of an edge, by its index in ``CompiledFlow/edges`` (the order
        /// the diagram draws them in): `key 1 · NOTE`.
        public var edgeNotes: [Int: String]
        /// Text after the name of a state, by state index: `mainMenu NOTE`.
        public var stateNotes: [UInt16: String]
        /// The states drawn highlighted, by state index.
        public var marked: Set<UInt16>

        /// Notes and marks; empty by default (the plain diagram).
        public init(edgeNotes: [Int: String] = [:], stateNotes: [UInt16: String] = [:], marked: Set<UInt16> = []) {
            self.edgeNotes = edgeNotes
            self.stateNotes = stateNotes
            self.marked = marked
        }
    }

    /// The flow as a Graphviz `digraph` (`dot -Tsvg`).
    public static func dot(_ flow: CompiledFlow) -> String {
        let graph = Graph(flow)
        var lines = ["digraph \(dotQuoted(flow.name)) {", "    rankdir=TB;", "    start [shape=point];"]
        for node in graph.nodes {
            lines.append("    \(node.id) [label=\(dotQuoted(node.label)), \(node.shape.drawing.dot)];")
        }
        lines.append("    start -> \(graph.startID);")
        for edge in graph.edges {
            lines.append("    \(edge.from) -> \(edge.to) [label=\(dotQuoted(edge.label))\(edge.dashed ? ", style=dashed" : "")];")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: The graph both formats draw

    enum Shape {
        case menu, collect, announce, decide, lookup, split, back, action

        /// How each format draws the shape: Mermaid's brackets around the quoted label, and
        /// DOT's attributes.
        var drawing: (mermaid: (open: String, close: String), dot: String) {
            switch self {
            case .menu: (("[", "]"), "shape=box")
            case .collect: (("[/", "/]"), "shape=parallelogram")
            case .announce: (("(", ")"), "shape=box, style=rounded")
            case .decide: (("{", "}"), "shape=diamond")
            case .lookup: (("[(", ")]"), "shape=cylinder")
            case .split: (("[/", "\\]"), "shape=trapezium")
            case .back: (("{{", "}}"), "shape=hexagon")
            case .action: (("([", "])"), "shape=doubleoctagon")
            }
        }
    }

    struct Node {
        let id: String
        let label: String
        let shape: Shape
        /// The state the node draws; `nil` for actions.
        var state: UInt16? = nil
    }

    struct Edge {
        let from: String
        let label: String
        let to: String
        let dashed: Bool
    }

    /// Nodes get generated ids (`s0`, `a0`): state names and labels are free text and never
    /// appear outside a quoted, escaped label.
    struct Graph {
        var nodes: [Node] = []
        var edges: [Edge] = []
        let startID: String

        init(_ flow: CompiledFlow) {
            startID = "s\(flow.start)"
            var actionIDs: [String: String] = [:]
            var actionNodes: [Node] = []
            for (index, node) in flow.nodes.enumerated() {
                let from = UInt16(index)
                let shape: Shape
                switch node {
                case .menu: shape = .menu
                case .collect: shape = .collect
                case .announce: shape = .announce
                case .decide: shape = .decide
                case .lookup: shape = .lookup
                case .split: shape = .split
                case .undefined: continue
                }
                nodes.append(Node(id: "s\(index)", label: flow.stateName(from), shape: shape, state: from))
                var timeBranches = Set<Int>()
                if case .decide(let decide) = node {
                    for (position, branch) in decide.branches.enumerated() where branch.condition.kind == .time {
                        timeBranches.insert(position)
                    }
                }
                for (position, (label, target)) in node.edges(from: from).enumerated() {
                    let to: String
                    if let state = target.stateIndex(in: flow) {
                        to = "s\(state)"
                    } else {
                        let text = target.description(in: flow)
                        if let id = actionIDs[text] {
                            to = id
                        } else {
                            to = "a\(actionIDs.count)"
                            actionIDs[text] = to
                            if case .back = target {
                                actionNodes.append(Node(id: to, label: text, shape: .back))
                            } else {
                                actionNodes.append(Node(id: to, label: text, shape: .action))
                            }
                        }
                    }
                    var text = label.description
                    if case .language(let code, _) = target { text += ", language " + code }
                    edges.append(Edge(from: "s\(index)", label: text, to: to, dashed: timeBranches.contains(position)))
                }
            }
            nodes += actionNodes
        }
    }

    // MARK: Escaping

    /// Text for a Mermaid label inside `"..."`: Mermaid's `#name;` entity codes for every
    /// character its parser or the rendered HTML would read as syntax (quotes, `|` ending an
    /// edge label, `<br>` and other tags, `\n`, backticks of Markdown strings, `#` itself).
    static func mermaidEscaped(_ text: String) -> String {
        text.replacingScalars { scalar in
            switch scalar {
            case "#": "#35;"
            case "\"": "#quot;"
            case "<": "#lt;"
            case ">": "#gt;"
            case "&": "#amp;"
            case "|": "#124;"
            case "`": "#96;"
            case "\\": "#92;"  // Mermaid reads a literal `\n` as a line break
            default: isControl(scalar) ? " " : nil
            }
        }
    }

    /// `text` as a DOT quoted string: `"` and `\` escaped (a backslash would start DOT's
    /// label escapes such as `\n`), control characters as spaces.
    static func dotQuoted(_ text: String) -> String {
        let escaped = text.replacingScalars { scalar in
            switch scalar {
            case "\"": "\\\""
            case "\\": "\\\\"
            default: isControl(scalar) ? " " : nil
            }
        }
        return "\"" + escaped + "\""
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }
}
