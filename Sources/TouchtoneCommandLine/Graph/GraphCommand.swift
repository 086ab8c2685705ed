import Touchtone

/// `touchtone graph FLOW`: one flow of the routing table as a Mermaid or Graphviz diagram;
/// with `--traffic LOG`, with the calls of a JSON log (Mermaid edge counts, or an SVG).
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
        if let log = parsed.options.traffic {
            return drawTraffic(of: log, on: flow, format: parsed.options.format, invocation)
        }
        switch parsed.options.format {
        case .mermaid, .svg: invocation.streams.output(FlowDiagram.mermaid(flow))
        case .dot: invocation.streams.output(FlowDiagram.dot(flow))
        }
        return 0
    }

    /// The flow with the calls `log` has of it: an SVG of where they ended, or the Mermaid
    /// diagram with each edge's calls (of the log's lines of the flow's own version, or else
    /// of the version with the most calls, said on standard error).
    static func drawTraffic(of log: String, on flow: CompiledFlow, format: GraphOptions.Format, _ invocation: Invocation) -> Int32 {
        guard let report = ReportCommand.read([log], filter: LogFilter(flow: flow.name), command: name, invocation) else { return 1 }
        if format == .svg {
            invocation.streams.output(ReportSVG.svg(report.flows, summary: ReportDocument.summary(report.lines)))
            return 0
        }
        let chosen = report.flows.first { $0.version == flow.version } ?? report.flows.max { $0.calls < $1.calls }
        if let chosen, chosen.version != flow.version {
            invocation.streams.printError(
                "\(invocation.program) graph: the log has no calls of \(flow.name) version \(flow.version); "
                    + "edges show those of \(chosen.title), matched by state and label")
        } else if chosen == nil {
            invocation.streams.printError("\(invocation.program) graph: the log has no calls of \(flow.name)")
        }
        invocation.streams.output(FlowDiagram.mermaid(flow, traffic: chosen?.diagramTraffic(for: flow) ?? FlowDiagram.Traffic()))
        return 0
    }
}
