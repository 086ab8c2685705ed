/// The settings of `touchtone graph`, each declared once in ``table``, its default here.
struct GraphOptions: Sendable {
    /// `--format`.
    var format = Format.mermaid
    /// `--traffic`: a JSON log whose calls the diagram shows.
    var traffic: String?

    /// The diagram's language.
    enum Format: String, Sendable, CaseIterable {
        /// Mermaid: GitHub renders it in Markdown.
        case mermaid
        /// Graphviz DOT.
        case dot
        /// An SVG of where the calls of `--traffic` ended, per state.
        case svg
    }

    /// The options of `touchtone graph`: parser, `--help` and defaults in one.
    static let table = OptionTable(
        command: "touchtone graph",
        about: """
            Prints the flow as a diagram: states shaped by kind (menu, collect, announce, decide,
            lookup), edges labelled with keys, no input, wrong key, attempts exhausted, branches
            (time branches dashed) and look-up results; transfers, voicemail, rejects and hang-ups
            as terminal nodes. With --traffic, the calls of a JSON log too: each Mermaid edge with
            the calls that took it, or (--format svg) where the calls ended, per state.
            """,
        defaults: GraphOptions(),
        arguments: [flowArgument],
        options: [
            .value(
                "format", .choice, at: \.format,
                help: "the diagram's language: mermaid (GitHub renders it in Markdown), dot (Graphviz), or svg (with --traffic)"),
            .value(
                "traffic", .path("LOG", naming: "a log file (- for standard input)"), at: \.traffic,
                help: "a JSON log of touchtone serve --log-format json: draw its calls of the flow"),
        ],
        rules: [
            { options in options.format == .svg && options.traffic == nil ? "--format svg needs --traffic LOG" : nil },
            { options in options.format == .dot && options.traffic != nil ? "--traffic draws mermaid or svg, not dot" : nil },
        ])
}
