import Touchtone

/// `touchtone graph FLOW`: one flow of the routing table as a Mermaid or Graphviz diagram.
enum GraphCommand: TableCommand {
    static let name = "graph"
    static let summary = "print a flow as a diagram (Mermaid or Graphviz DOT)"
    static var table: OptionTable<GraphOptions> { GraphOptions.table }

    static func helpFooter(routes: RoutingTable) -> String? { flowsFooter(routes) }

    static func run(_ parsed: ParsedArguments<GraphOptions>, _ invocation: Invocation) throws(UsageError) -> Int32 {
        let definition = try invocation.routes.flow(namedIn: parsed.arguments)
        let (flow, problems) = definition.compile(in: CompileEnvironment(publicURL: placeholderURL))
        if !problems.isEmpty {
            invocation.streams.printError(
                "\(invocation.program) graph: \(definition.name) has \(problems.count) problem(s), drawn as it stands "
                    + "(\(invocation.program) check lists them)")
        }
        switch parsed.options.format {
        case .mermaid: invocation.streams.output(FlowDiagram.mermaid(flow))
        case .dot: invocation.streams.output(FlowDiagram.dot(flow))
        }
        return 0
    }
}
