import Touchtone

/// One table of the report, written as aligned columns for a terminal or as a Markdown
/// table. Cells hold names from the log, so each format makes them harmless: control
/// characters never reach a terminal, and Markdown's syntax characters are escaped.
///
/// ```swift
/// let table = ReportTable(title: "How calls ended", columns: [.left("ending"), .right("calls")], rows: [["transfer", "80"]])
/// print(table.text())  // How calls ended / ending    calls / transfer     80
/// ```
struct ReportTable {
    /// A line above the table (text) or its heading (Markdown).
    var title: String
    var columns: [Column]
    var rows: [[String]]

    /// A column: its heading and which side its cells keep to.
    struct Column {
        let heading: String
        let rightAligned: Bool

        /// A column of words.
        static func left(_ heading: String) -> Column { Column(heading: heading, rightAligned: false) }
        /// A column of numbers.
        static func right(_ heading: String) -> Column { Column(heading: heading, rightAligned: true) }
    }

    /// The table as aligned columns, indented by `indent` spaces, the title above.
    func text(indent: Int = 2) -> String {
        let cells = ([columns.map(\.heading)] + rows).map { $0.map(Self.terminalSafe) }
        var widths = [Int](repeating: 0, count: columns.count)
        for row in cells {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        var lines = [Self.terminalSafe(title)]
        for row in cells {
            var line = String(repeating: " ", count: indent)
            for (i, column) in columns.enumerated() {
                let cell = i < row.count ? row[i] : ""
                let padding = String(repeating: " ", count: widths[i] - cell.count)
                line += i == 0 ? "" : "  "
                line += column.rightAligned ? padding + cell : cell + padding
            }
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The table in Markdown, under a heading of `level` (`###`).
    func markdown(level: Int = 3) -> String {
        var lines = ["\(String(repeating: "#", count: level)) \(Self.markdownEscaped(title))", ""]
        lines.append("| " + columns.map { Self.markdownEscaped($0.heading) }.joined(separator: " | ") + " |")
        lines.append("|" + columns.map { $0.rightAligned ? " ---: |" : " --- |" }.joined())
        for row in rows {
            lines.append(
                "| " + columns.indices.map { i in Self.markdownEscaped(i < row.count ? row[i] : "") }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` with control and format characters (escape sequences, bidi overrides) as `\u{XX}`.
    static func terminalSafe(_ text: String) -> String {
        text.replacingScalars { scalar in
            let category = scalar.properties.generalCategory
            guard category == .control || category == .format || scalar == "\u{2028}" || scalar == "\u{2029}" else { return nil }
            return "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        }
    }

    /// `text` for a Markdown table cell or heading: the characters Markdown or HTML would read
    /// as syntax escaped, line breaks and other control characters as spaces.
    static func markdownEscaped(_ text: String) -> String {
        terminalSafe(text).replacingScalars { scalar in
            switch scalar {
            case "&": "&amp;"
            case "<": "&lt;"
            case ">": "&gt;"
            case "|", "\\", "`", "*", "_", "[", "]", "#", "~": "\\" + String(scalar)
            default: nil
            }
        }
    }
}
