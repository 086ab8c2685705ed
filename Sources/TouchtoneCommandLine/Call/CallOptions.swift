import FoundationEssentials
import Touchtone

/// The settings of `touchtone call`, each declared once in ``table``, its default here.
struct CallOptions: Sendable {
    /// `--from`: the caller, or `anonymous`; `nil`: a number of `--language`'s country, else a German mobile.
    var from: String?
    /// `--language`: the language the call should be in; it is called from a number of that
    /// language's country (`Language.exampleCaller(speaking:)`) unless `--from` says otherwise.
    var language: String?
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
            (the texts of Audio/prompts.txt or Audio/<language>/prompts.txt, or the prompt names) and what happens (waiting for
            keys, transferring, voicemail, rejected, hung up). Type the keys and press return;
            an empty line is silence (the gather's timeout), "hangup" or end of input hangs up.
            Look-ups run for real. Reads from a pipe as well as from a terminal.
            """,
        defaults: CallOptions(),
        arguments: [flowArgument],
        options: [
            .value(
                "from", .phoneNumber(orAnonymous: true), at: \.from, help: "the caller", note: "\"anonymous\" for a hidden number",
                defaultText: "4915112345678, or a number of --language's country"),
            .value(
                "language", .languageCode, at: \.language,
                help: "place the call from a number of this language's country (de, en) and show that language's texts"),
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
    /// A language code (`de`, `en`, `en-GB`) that a caller's number is known for.
    static var languageCode: Self {
        Self(placeholder: "CODE", mustBe: "a language code with a known caller number (de, en, en-GB, en-US, fr)") { text in
            Language.isValid(text) && Language.exampleCaller(speaking: text) != nil ? text : nil
        }
    }

    /// An E.164 number (digits, country code first), or with `orAnonymous` also `anonymous`.
    static func phoneNumber(orAnonymous: Bool) -> Self {
        Self(placeholder: "NUMBER", mustBe: orAnonymous ? "an E.164 number or anonymous" : "an E.164 number") { text in
            (orAnonymous && text == "anonymous") || E164Number.isValid(text) ? text : nil
        }
    }
}
