/// The report as text for a terminal and as Markdown: a line about the input, then per flow
/// and version its tables (``ReportTables``); Markdown adds each flow's diagram with its
/// traffic.
enum ReportDocument {
    /// Aligned tables for a terminal.
    static func text(_ report: TrafficReport) -> String {
        var parts = [ReportTable.terminalSafe(summary(report.lines)) + "\n"]
        if report.flows.isEmpty { parts.append("No calls of a flow in the input.\n") }
        for flow in report.flows {
            parts.append(ReportTable.terminalSafe("== \(flow.title): \(ReportNumbers.calls(flow.calls)) ==") + "\n")
            parts += ReportTables.tables(of: flow).map { $0.text() }
        }
        return parts.joined(separator: "\n")
    }

    /// Markdown: a heading per flow and version, its tables, and its Mermaid diagram with
    /// each edge's calls and the states where many callers hang up marked.
    static func markdown(_ report: TrafficReport) -> String {
        var parts = ["# Call report\n", ReportTable.markdownEscaped(summary(report.lines)) + "\n"]
        if report.flows.isEmpty { parts.append("No calls of a flow in the input.\n") }
        for flow in report.flows {
            parts.append("## " + ReportTable.markdownEscaped(flow.title) + "\n")
            parts += ReportTables.tables(of: flow).map { $0.markdown() }
            var diagram = "### Diagram\n\n"
            if let note = flow.diagramNote {
                diagram += ReportTable.markdownEscaped(note.prefix(1).uppercased() + note.dropFirst()) + ".\n\n"
            }
            if let mermaid = flow.mermaidWithTraffic {
                diagram +=
                    "Edges: calls that took them and their share of the state's exits. ⚠: at least "
                    + "\(Int(StateTraffic.markedShare * 100))% of the state's visits (and \(StateTraffic.markedCount) or more) "
                    + "ended in a caller hang-up.\n\n```mermaid\n\(mermaid)```\n"
            }
            parts.append(diagram)
        }
        return parts.joined(separator: "\n")
    }

    /// `1000 lines read: 990 counted, 5 other, 5 not understood (first: app.log:17)`.
    static func summary(_ lines: LineCounts) -> String {
        var parts = ["\(lines.counted) counted", "\(lines.other) other"]
        if lines.notUnderstood > 0 || lines.firstNotUnderstood != nil {
            parts.append("\(lines.notUnderstood) not understood" + (lines.firstNotUnderstood.map { " (first: \($0))" } ?? ""))
        } else {
            parts.append("0 not understood")
        }
        if lines.outsideWindow > 0 { parts.append("\(lines.outsideWindow) outside the time window") }
        if lines.otherFlows > 0 { parts.append("\(lines.otherFlows) of other flows") }
        return "\(lines.read) lines read: " + parts.joined(separator: ", ")
    }
}
