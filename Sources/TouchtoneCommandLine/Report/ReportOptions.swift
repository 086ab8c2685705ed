/// The settings of `touchtone report`, each declared once in ``table``, its default here.
struct ReportOptions: Sendable {
    /// `--format`.
    var format = Format.text
    /// `--flow`.
    var flow: String?
    /// `--since`, in milliseconds since 1970.
    var since: Int64?
    /// `--until`, in milliseconds since 1970.
    var until: Int64?

    /// How the report is written.
    enum Format: String, Sendable, CaseIterable {
        /// Aligned tables for a terminal.
        case text
        /// Markdown tables and each flow's Mermaid diagram with its traffic.
        case markdown
        /// One JSON document for programs.
        case json
        /// A self-contained SVG chart of where calls ended, per state.
        case svg
    }

    /// The lines the options keep.
    var filter: LogFilter { LogFilter(flow: flow, since: since, until: until) }

    /// The options of `touchtone report`: parser, `--help` and defaults in one.
    static let table = OptionTable(
        command: "touchtone report",
        about: """
            Reads the JSON log of touchtone serve --log-format json (files, or standard input)
            and prints per flow and version: how calls ended; per state the visits, where
            callers went next, hang-ups, silence and wrong-key rates and time spent; look-up
            outcomes and durations; A/B variants side by side. Lines of other kinds and text
            lines are counted and skipped; lines it cannot read are counted and the first named.
            """,
        defaults: ReportOptions(),
        arguments: [logArgument],
        options: [
            .value(
                "format", .choice, at: \.format,
                help: "text (tables), markdown (tables and each flow's Mermaid diagram with counts), json, or svg (where calls ended)"),
            .value("flow", .flowName, at: \.flow, help: "only this flow", defaultText: "every flow"),
            .value("since", .logTime, at: \.since, help: "only lines from this UTC time on", defaultText: "the beginning"),
            .value("until", .logTime, at: \.until, help: "only lines before this UTC time", defaultText: "the end"),
        ],
        rules: [
            { options in
                guard let since = options.since, let until = options.until, since >= until else { return nil }
                return "--since must be before --until"
            }
        ])

    /// The files a report reads.
    static let logArgument = CommandArgument(
        "[<log>...]", help: "JSON log files, read one after the other (several instances add up); - or none: standard input",
        repeatable: true)
}

extension OptionValue where Value == Int64 {
    /// A UTC time: `2026-12-06`, `2026-12-06T14:00`, `2026-12-06T14:00:00Z`.
    static var logTime: Self {
        Self(placeholder: "TIME", mustBe: "a UTC time such as 2026-12-06, 2026-12-06T14:00 or 2026-12-06T14:00:00Z") { text in
            LogTime.milliseconds(text)
        }
    }
}

extension OptionValue where Value == String {
    /// A flow's name, not empty.
    static let flowName = Self(placeholder: "NAME", mustBe: "a flow's name") { $0.isEmpty ? nil : $0 }
}
