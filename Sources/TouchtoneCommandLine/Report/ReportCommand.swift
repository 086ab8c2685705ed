import Touchtone

/// `touchtone report [LOG...]`: where callers go and where they drop off, from the JSON log
/// of `touchtone serve --log-format json`.
enum ReportCommand: TableCommand {
    static let name = "report"
    static let summary = "summarize the JSON log per flow: endings, states, drop-offs, look-ups, A/B variants"
    static var table: OptionTable<ReportOptions> { ReportOptions.table }

    static func helpFooter(routes: RoutingTable) -> String? { flowsFooter(routes) }

    static func run(_ parsed: ParsedArguments<ReportOptions>, _ invocation: Invocation) throws(UsageError) -> Int32 {
        let options = parsed.options
        guard let report = read(parsed.arguments, filter: options.filter, invocation) else { return 1 }
        switch options.format {
        case .text: invocation.streams.output(ReportDocument.text(report))
        case .markdown: invocation.streams.output(ReportDocument.markdown(report))
        case .json: invocation.streams.output(ReportJSON.json(report))
        case .svg: invocation.streams.output(ReportSVG.svg(report.flows, summary: ReportDocument.summary(report.lines)))
        }
        if let flow = options.flow, report.flows.isEmpty {
            invocation.streams.printError(
                "\(invocation.program) report: no lines of flow \(UsageError.quoted(flow)) (flows: \(invocation.routes.flowNames))")
        }
        return 0
    }

    /// The report of the logs at `paths` (standard input for none or `-`); `nil` after saying
    /// on standard error which one could not be read. Lines not understood are mentioned there
    /// too, as messages of `command`.
    static func read(_ paths: [String], filter: LogFilter, command: String = name, _ invocation: Invocation) -> TrafficReport? {
        var logs = LogTally(filter: filter)
        do throws(LogTallyError) {
            for path in paths.isEmpty ? ["-"] : paths { try logs.read(path: path, input: invocation.streams.input) }
        } catch {
            invocation.streams.printError("\(invocation.program) \(command): \(error)")
            return nil
        }
        let lines = logs.tally.lines
        if lines.notUnderstood > 0 {
            invocation.streams.printError(
                "\(invocation.program) \(command): \(lines.notUnderstood) line(s) not understood, skipped (first: \(lines.firstNotUnderstood ?? "?"))"
            )
        }
        return TrafficReport(tally: logs.tally, names: logs.parser.names, routes: invocation.routes)
    }
}
