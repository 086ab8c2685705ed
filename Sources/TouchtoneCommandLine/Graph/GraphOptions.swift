/// The settings of `touchtone graph`, each declared once in ``table``, its default here.
struct GraphOptions: Sendable {
    /// `--format`.
    var format = Format.mermaid

    /// The diagram's language.
    enum Format: String, Sendable, CaseIterable {
        /// Mermaid: GitHub renders it in Markdown.
        case mermaid
        /// Graphviz DOT.
        case dot
    }

    /// The options of `touchtone graph`: parser, `--help` and defaults in one.
    static let table = OptionTable(
        command: "touchtone graph",
        about: """
            Prints the flow as a diagram: states shaped by kind (menu, collect, announce, decide,
            lookup), edges labelled with keys, no input, wrong key, attempts exhausted, branches
            (time branches dashed) and look-up results; transfers, voicemail, rejects and hang-ups
            as terminal nodes.
            """,
        defaults: GraphOptions(),
        arguments: [flowArgument],
        options: [
            .value(
                "format", .choice, at: \.format, help: "the diagram's language: mermaid (GitHub renders it in Markdown) or dot (Graphviz)")
        ])
}
