/// The settings of `touchtone check`, each declared once in ``table``, its default here.
struct CheckOptions: Sendable {
    /// `--audio`: the folder of prompts.
    var audioDirectory = "Audio"

    /// The options of `touchtone check`: parser, `--help` and defaults in one.
    static let table = OptionTable(
        command: "touchtone check",
        about: """
            Checks what `serve` needs: every flow of the routing table compiles (states, keys,
            transfers, ways out, loops), every prompt a flow plays is in the audio folder as WAV
            8 kHz mono 16-bit PCM with some audio, every other WAV file there plays on sipgate too,
            and every route's numbers are E.164 and reachable. Prints each problem with its flow
            and state, then a summary. Exits 0 when all is well, 1 on problems, 2 on bad usage.
            """,
        defaults: CheckOptions(),
        options: [.value("audio", .folder, at: \.audioDirectory, help: "folder of the WAV prompts")])
}
