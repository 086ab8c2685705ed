import FoundationEssentials
import Touchtone

/// The settings of `touchtone call`, each declared once in ``table``, its default here.
struct CallOptions: Sendable {
    /// `--from`: the caller, or `anonymous`.
    var from = "4915112345678"
    /// `--to`; `nil`: the first number routed to the flow.
    var to: String?
    /// `--direction`.
    var direction = Direction.incoming
    /// `--at`; `nil`: now.
    var at: Date?
    /// `--xml`: print each answer's XML too.
    var xml = false
    /// `--audio`: the folder with `prompts.txt`.
    var audioDirectory = "Audio"

    /// The options of `touchtone call`: parser, `--help` and defaults in one.
    static let table = OptionTable(
        command: "touchtone call",
        about: """
            Places a call to the flow in memory, as sipgate would: prints what the caller hears
            (the texts of Audio/prompts.txt, or the prompt names) and what happens (waiting for
            keys, transferring, voicemail, rejected, hung up). Type the keys and press return;
            an empty line is silence (the gather's timeout), "hangup" or end of input hangs up.
            Look-ups run for real. Reads from a pipe as well as from a terminal.
            """,
        defaults: CallOptions(),
        arguments: [flowArgument],
        options: [
            .value("from", .phoneNumber(orAnonymous: true), at: \.from, help: "the caller", note: "\"anonymous\" for a hidden number"),
            .value(
                "to", .phoneNumber(orAnonymous: false), at: \.to, help: "the number called",
                defaultText: "the first number routed to the flow"),
            .value("direction", .choice, at: \.direction, help: "in: a call to the account; out: a call a user places"),
            .value(
                "at", .berlinTime, at: \.at,
                help: "the time of the call in Europe/Berlin, e.g. \"2026-12-01 10:00\"; opening hours and holidays see it",
                defaultText: "now"),
            .flag("xml", at: \.xml, help: "also print the sipgate XML of each answer"),
            .value("audio", .folder, at: \.audioDirectory, help: "folder with prompts.txt"),
        ])
}

extension OptionValue where Value == String {
    /// An E.164 number (digits, country code first), or with `orAnonymous` also `anonymous`.
    static func phoneNumber(orAnonymous: Bool) -> Self {
        Self(placeholder: "NUMBER", mustBe: orAnonymous ? "an E.164 number or anonymous" : "an E.164 number") { text in
            (orAnonymous && text == "anonymous") || E164Number.isValid(text) ? text : nil
        }
    }
}
