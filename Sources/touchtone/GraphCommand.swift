import Flows
import Touchtone
import TouchtoneServer

/// `touchtone graph FLOW`: one flow of `Flows.routes` as a Mermaid or Graphviz diagram.
enum GraphCommand {
    static let subcommand = Subcommand(name: "graph", summary: "print a flow as a diagram (Mermaid or Graphviz DOT)", run: run)

    static let help = """
        USAGE: touchtone graph <flow> [--format mermaid|dot]

        Prints the flow as a diagram: states shaped by kind (menu, collect, announce, decide,
        lookup), edges labelled with keys, no input, wrong key, attempts exhausted, branches
        (time branches dashed) and look-up results; transfers, voicemail, rejects and hang-ups
        as terminal nodes.

        ARGUMENTS:
          <flow>           the flow's name (touchtone graph --help lists them)

        OPTIONS:
          --format FORMAT  mermaid (default; GitHub renders it in Markdown) or dot (Graphviz)
          -h, --help       show this help

        FLOWS: \(flowNames(Flows.routes))

        """

    static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        let parsed: CommandLineScanner.Parsed
        do {
            parsed = try CommandLineScanner(options: [.init("format"), .init("help", takesValue: false)]).scan(arguments)
        } catch {
            CommandLineTool.printError("touchtone graph: \(error.message) (see touchtone graph --help)")
            return 2
        }
        if parsed.flags.contains("help") {
            print(help, terminator: "")
            return 0
        }
        guard parsed.positional.count == 1, let name = parsed.positional.first else {
            CommandLineTool.printError(parsed.positional.isEmpty
                ? "touchtone graph: which flow? (flows: \(flowNames(Flows.routes)))"
                : "touchtone graph: one flow at a time, not \(parsed.positional.count)")
            return 2
        }
        let format = parsed.value("format") ?? "mermaid"
        guard format == "mermaid" || format == "dot" else {
            CommandLineTool.printError("touchtone graph: --format must be mermaid or dot, not \(CommandLineScanner.shown(format))")
            return 2
        }
        guard let definition = flowDefinition(named: name, in: Flows.routes) else {
            CommandLineTool.printError("touchtone graph: no flow named \(CommandLineScanner.shown(name)) (flows: \(flowNames(Flows.routes)))")
            return 2
        }
        let (flow, problems) = definition.compile(in: CompileEnvironment(publicURL: placeholderURL))
        if !problems.isEmpty {
            CommandLineTool.printError("touchtone graph: \(name) has \(problems.count) problem(s), drawn as it stands (touchtone check lists them)")
        }
        print(format == "dot" ? FlowDiagram.dot(flow) : FlowDiagram.mermaid(flow), terminator: "")
        return 0
    }
}

/// The flow of `routes` named `name`.
func flowDefinition(named name: String, in routes: RoutingTable) -> (any FlowDefinition)? {
    routes.flows.first { $0.name == name }
}

/// The names of the flows of `routes`, for messages.
func flowNames(_ routes: RoutingTable) -> String {
    let names = routes.flows.map(\.name)
    return names.isEmpty ? "none" : names.joined(separator: ", ")
}

/// The address compiled into answers when no server runs (commands that only look at flows).
let placeholderURL: AbsoluteURL = {
    do { return try AbsoluteURL("http://127.0.0.1:3000") } catch { fatalError("a constant URL is valid: \(error)") }
}()
