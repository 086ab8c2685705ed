import Touchtone

/// Where calls ended, per state, as a self-contained SVG: per flow and version a section with
/// its name, its calls and endings as text, a legend, and one horizontal bar per state,
/// stacked by how the calls that ended there ended. No scripts, no links, no external
/// fonts or images: it opens anywhere, and every text in it is escaped.
///
/// ```swift
/// let svg = ReportSVG.svg(report.flows, summary: ReportDocument.summary(report.lines))
/// ```
enum ReportSVG {
    static let width = 960
    private static let labelRight = 210
    private static let barLeft = 220
    private static let barWidth = 600
    private static let rowHeight = 22
    /// The fill of each ending kind, in ``NameTable/Known/endings`` order, then unknown endings.
    static let colors = ["#2e7d32", "#1565c0", "#6a1b9a", "#757575", "#c62828", "#ef6c00", "#00838f", "#bdbdbd"]

    /// One SVG with a section per flow and version, `summary` (how the lines sorted out) at the foot.
    static func svg(_ flows: [FlowTraffic], summary: String) -> String {
        var body: [String] = []
        var y = 16
        if flows.isEmpty {
            body.append(text(x: 24, y: y + 20, "No calls of a flow in the input.", size: 16))
            y += 40
        }
        for flow in flows {
            let (lines, height) = section(flow, top: y)
            body += lines
            y += height
        }
        body.append(text(x: 24, y: y + 14, summary, size: 12, fill: "#555555"))
        let height = y + 30
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
            font-family="sans-serif" font-size="13">
            <title>Touchtone call report: where calls ended</title>
            <rect x="0" y="0" width="\(width)" height="\(height)" fill="#ffffff"/>
            \(body.joined(separator: "\n"))
            </svg>

            """
    }

    /// The lines of one flow's section starting at `top`, and its height.
    static func section(_ flow: FlowTraffic, top: Int) -> (lines: [String], height: Int) {
        var lines: [String] = []
        var y = top + 24
        lines.append(text(x: 24, y: y, flow.title, size: 18, bold: true))
        y += 22
        var counts = [ReportNumbers.calls(flow.calls)]
        for (i, name) in NameTable.Known.endings.enumerated() { counts.append("\(flow.endings[i]) \(name)") }
        if flow.endings.unknown > 0 { counts.append("\(flow.endings.unknown) other") }
        counts.append("\(flow.noEndingSeen) no ending seen")
        lines.append(text(x: 24, y: y, counts.joined(separator: " · "), size: 13, fill: "#333333"))
        y += 12
        lines += legend(top: y, withOther: flow.endings.unknown > 0)
        y += 48
        lines.append(text(x: 24, y: y, "Where calls ended, by state", size: 13, bold: true))
        y += 10
        let largest = max(1, flow.states.map(\.endings.total).max() ?? 1)
        for state in flow.states {
            lines += bar(state, top: y, largest: largest)
            y += rowHeight
        }
        return (lines, y + 20 - top)
    }

    /// Squares in each ending's colour, with its name.
    private static func legend(top: Int, withOther: Bool) -> [String] {
        var names = NameTable.Known.endings
        if withOther { names.append("other") }
        var lines: [String] = []
        var x = 24
        for (i, name) in names.enumerated() {
            lines.append("<rect x=\"\(x)\" y=\"\(top + 8)\" width=\"12\" height=\"12\" fill=\"\(colors[i])\"/>")
            lines.append(text(x: x + 17, y: top + 18, name, size: 12))
            x += 30 + name.count * 7
        }
        return lines
    }

    /// One state's row: its name, a bar stacked by ending kind, the total.
    private static func bar(_ state: StateTraffic, top: Int, largest: Int) -> [String] {
        var lines = [text(x: labelRight, y: top + 15, state.name, size: 13, anchor: "end")]
        var x = Double(barLeft)
        for i in 0...NameTable.Known.endings.count where state.endings[i] > 0 {
            let count = state.endings[i]
            let width = Double(barWidth) * Double(count) / Double(largest)
            let kind = i < NameTable.Known.endings.count ? NameTable.Known.endings[i] : "other"
            lines.append(
                "<rect x=\"\(decimal(x))\" y=\"\(top + 3)\" width=\"\(decimal(max(width, 1)))\" height=\"\(rowHeight - 6)\" "
                    + "fill=\"\(colors[i])\"><title>\(escaped("\(state.name): \(count) \(kind)"))</title></rect>")
            x += width
        }
        let hangups = state.callerHangups > 0 ? " (\(state.callerHangups) hung up)" : ""
        lines.append(text(x: Int(x.rounded(.up)) + 6, y: top + 15, "\(state.endings.total)\(hangups)", size: 12, fill: "#333333"))
        return lines
    }

    /// A `<text>` element, its content escaped.
    static func text(
        x: Int, y: Int, _ content: String, size: Int, bold: Bool = false, fill: String = "#000000", anchor: String = "start"
    ) -> String {
        "<text x=\"\(x)\" y=\"\(y)\" font-size=\"\(size)\"\(bold ? " font-weight=\"bold\"" : "") fill=\"\(fill)\""
            + "\(anchor == "start" ? "" : " text-anchor=\"\(anchor)\"")>\(escaped(content))</text>"
    }

    /// `value` with at most one decimal.
    private static func decimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
    }

    /// Text for XML content or an attribute: `& < > " '` as entities, and characters XML 1.0
    /// does not allow (control characters, U+FFFE, U+FFFF) as U+FFFD.
    static func escaped(_ text: String) -> String {
        text.replacingScalars { scalar in
            switch scalar {
            case "&": "&amp;"
            case "<": "&lt;"
            case ">": "&gt;"
            case "\"": "&quot;"
            case "'": "&apos;"
            case "\t", "\n", "\r": " "
            default:
                scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF || (0x7F..<0xA0).contains(scalar.value)
                    ? "\u{FFFD}" : nil
            }
        }
    }
}
