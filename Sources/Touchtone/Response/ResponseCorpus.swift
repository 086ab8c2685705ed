/// A catalogue of answers that together use every verb and attribute sipgate.io knows.
///
/// It exists so that the renderer can be checked against an outside grammar: the test
/// suite writes each answer to a file and CI validates them with `xmllint` against
/// `response.xsd`. It also serves as a gallery of what a ``Response`` can express.
///
/// ```swift
/// let base = try AbsoluteURL("https://ivr.example.com/")
/// for (name, response) in ResponseCorpus.catalogue(base: base) {
///     print(name, response.xml)
/// }
/// ```
public enum ResponseCorpus {
    /// Every answer of the catalogue, each under a unique name usable as a file name
    /// (lower-case letters, digits and `-`). Callback and sound URLs are built below `base`.
    ///
    /// When `base` is so long that a derived URL would exceed ``AbsoluteURL/maxLength``,
    /// `base` itself stands in for that URL, so the catalogue never loses an entry.
    public static func catalogue(base: AbsoluteURL) -> [(name: String, response: Response)] {
        let catalogue = Catalogue(base: base)
        catalogue.playsAndGathers()
        catalogue.dials()
        catalogue.endingsAndCallbacks()
        catalogue.playsBeforeEveryVerb()
        catalogue.escapedText()
        return catalogue.entries
    }
}

/// The catalogue's entries, added section by section.
private final class Catalogue {
    let base: AbsoluteURL
    var entries: [(name: String, response: Response)] = []

    var onData: AbsoluteURL { url("dtmf") }
    var onAnswer: AbsoluteURL { url("answer") }
    var onHangup: AbsoluteURL { url("hangup") }
    var prelude: [Play] { [play("welcome.wav"), play("recorded.wav")] }

    init(base: AbsoluteURL) { self.base = base }

    /// Adds one entry; an entry whose parts cannot be built is left out, which the tests
    /// notice because they check the complete list of names.
    func add(_ name: String, _ build: () throws -> Response) {
        if let response = try? build() { entries.append((name, response)) }
    }

    func url(_ path: String) -> AbsoluteURL { (try? base.appending(path: path)) ?? base }

    func play(_ file: String) -> Play { Play(url("audio/" + file)) }

    /// The bare minimum, `Play` on its own, and `Gather` over its range.
    func playsAndGathers() {
        // The bare minimum and Play on its own (the call then rings as usual).
        add("empty") { Response.empty }
        add("play-one") { Response(plays: [play("example.wav")]) }
        add("play-several") { Response(plays: [play("one.wav"), play("two.wav"), play("three.wav")]) }

        // Gather: defaults, a nested prompt, and the range of maxDigits and timeout.
        add("gather-defaults") { .init(then: .gather(try Gather(onData: onData))) }
        add("gather-with-play") {
            .init(then: .gather(try Gather(onData: onData, maxDigits: 3, timeoutMilliseconds: 10000, play: play("menu.wav"))))
        }
        add("gather-max-digits-1-timeout-1") {
            .init(then: .gather(try Gather(onData: onData, maxDigits: 1, timeoutMilliseconds: 1)))
        }
        add("gather-max-digits-20-timeout-600000") {
            .init(then: .gather(try Gather(onData: onData, maxDigits: 20, timeoutMilliseconds: 600_000, play: play("pin.wav"))))
        }
        add("gather-max-digits-large") {
            .init(then: .gather(try Gather(onData: onData, maxDigits: Int(Int32.max), timeoutMilliseconds: Int(Int32.max))))
        }
    }

    /// `Dial`: one to five numbers, `+` numbers, caller id, anonymity, voicemail.
    func dials() {
        // Dial: one to five numbers, '+' numbers, caller id, anonymity, voicemail.
        add("dial-one-number") { .init(then: .dial(try Dial(.numbers([E164Number("4915799912345")])))) }
        add("dial-five-numbers") {
            let numbers = try ["4915799912345", "492111234567", "4930123456", "12025550123", "441632960961"].map(E164Number.init)
            return .init(then: .dial(try Dial(.numbers(numbers))))
        }
        add("dial-plus-numbers") {
            .init(then: .dial(try Dial(.numbers([E164Number("+4915799912345"), E164Number("+12")]))))
        }
        add("dial-shortest-and-longest-number") {
            .init(then: .dial(try Dial(.numbers([E164Number("12"), E164Number("123456789012345"), E164Number("+123456789012345")]))))
        }
        add("dial-caller-id") {
            .init(then: .dial(try Dial(.numbers([E164Number("4915799912345")]), callerId: E164Number("492111234567"))))
        }
        add("dial-caller-id-plus") {
            .init(then: .dial(try Dial(.numbers([E164Number("4915799912345")]), callerId: E164Number("+492111234567"))))
        }
        add("dial-anonymous-true") { .init(then: .dial(try Dial(.numbers([E164Number("4915799912345")]), anonymous: true))) }
        add("dial-anonymous-false") { .init(then: .dial(try Dial(.numbers([E164Number("4915799912345")]), anonymous: false))) }
        add("dial-caller-id-anonymous-five-numbers") {
            let numbers = try ["+4915799912345", "492111234567", "+4930123456", "12025550123", "+441632960961"].map(E164Number.init)
            return .init(then: .dial(try Dial(.numbers(numbers), callerId: E164Number("492111234567"), anonymous: false)))
        }
        add("dial-voicemail") { .init(then: .dial(Dial.voicemail)) }
        add("dial-voicemail-caller-id-anonymous") {
            .init(then: .dial(try Dial(.voicemail, callerId: E164Number("492111234567"), anonymous: true)))
        }
    }

    /// `Reject`, `Hangup`, and the callbacks on the `Response` element.
    func endingsAndCallbacks() {
        // Reject and Hangup.
        add("reject-rejected") { .init(then: .reject(.rejected)) }
        add("reject-busy") { .init(then: .reject(.busy)) }
        add("hangup") { .init(then: .hangup) }

        // The callbacks on the Response element.
        add("on-answer") { .init(onAnswer: onAnswer) }
        add("on-hangup") { .init(onHangup: onHangup) }
        add("on-answer-and-on-hangup") { .init(onAnswer: onAnswer, onHangup: onHangup) }
        add("on-answer-and-on-hangup-with-dial") {
            .init(onAnswer: onAnswer, onHangup: onHangup, then: .dial(try Dial(.numbers([E164Number("4915799912345")]))))
        }
    }

    /// `Play` siblings before every kind of final verb.
    func playsBeforeEveryVerb() {
        // Play siblings before every kind of final verb.
        add("plays-then-gather") {
            .init(
                plays: prelude, then: .gather(try Gather(onData: onData, maxDigits: 2, timeoutMilliseconds: 5000, play: play("menu.wav"))))
        }
        add("plays-then-dial") { .init(plays: prelude, then: .dial(try Dial(.numbers([E164Number("4915799912345")])))) }
        add("plays-then-voicemail") { .init(plays: prelude, then: .dial(Dial.voicemail)) }
        add("plays-then-reject-rejected") { .init(plays: prelude, then: .reject(.rejected)) }
        add("plays-then-reject-busy") { .init(plays: prelude, then: .reject(.busy)) }
        add("plays-then-hangup") { .init(plays: prelude, then: .hangup) }
    }

    /// Text that must be escaped, in attributes and in element text, and UTF-8.
    func escapedText() {
        // Text that must be escaped, in attributes and in element text, and UTF-8.
        add("escaping-in-attributes") {
            .init(
                onAnswer: try AbsoluteURL("https://ivr.example.com/answer?a=1&b=<2>&c=\"3\"&d='4'"),
                onHangup: try AbsoluteURL("https://ivr.example.com/hangup?x=&amp;&y=>>&z=&#60;"),
                then: .gather(try Gather(onData: AbsoluteURL("https://ivr.example.com/dtmf?menu=main&step=<1>&q=\"'\""))))
        }
        add("escaping-in-text") {
            .init(
                plays: [
                    Play(try AbsoluteURL("https://ivr.example.com/audio?file=a.wav&voice=<en>&tag=\"x\"&n='1'")),
                    Play(try AbsoluteURL("http://ivr.example.com/audio/>&lt;not-an-entity.wav")),
                ], then: .hangup)
        }
        add("utf8") {
            .init(
                onHangup: try AbsoluteURL("https://ivr.example.com/auflegen?name=Jürgen&stadt=Düsseldorf"),
                plays: [
                    Play(try AbsoluteURL("https://ivr.example.com/音声/ようこそ.wav")),
                    Play(try AbsoluteURL("https://ivr.example.com/🎵/menü.wav")),
                ],
                then: .gather(
                    try Gather(
                        onData: AbsoluteURL("https://ivr.example.com/wählen?ä=ö&ü=ß"),
                        play: Play(try AbsoluteURL("https://ivr.example.com/ελληνικά.wav")))))
        }
        add("everything") {
            .init(
                onAnswer: onAnswer, onHangup: onHangup,
                plays: prelude + [Play(try AbsoluteURL("https://ivr.example.com/a?x=1&y='2'"))],
                then: .gather(try Gather(onData: onData, maxDigits: 4, timeoutMilliseconds: 8000, play: play("pin.wav"))))
        }
    }
}
