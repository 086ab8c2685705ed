import Testing

@testable import Touchtone

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Everything about answers: `swift test --filter ResponseTests`.
@Suite enum ResponseTests {}

// MARK: - Building invalid parts

extension ResponseTests {
    @Suite struct PartValidation {
        let onData: AbsoluteURL

        init() throws { onData = try AbsoluteURL("https://ivr.example.com/dtmf") }

        @Test func gatherRejectsMaxDigitsBelowOne() {
            #expect(throws: ResponseError.invalid("Gather maxDigits must be at least 1, not 0")) {
                try Gather(onData: onData, maxDigits: 0)
            }
            #expect(throws: ResponseError.invalid("Gather maxDigits must be at least 1, not -3")) {
                try Gather(onData: onData, maxDigits: -3)
            }
        }

        @Test func gatherRejectsTimeoutBelowOneMillisecond() {
            #expect(throws: ResponseError.invalid("Gather timeout must be at least 1 ms, not 0")) {
                try Gather(onData: onData, timeoutMilliseconds: 0)
            }
            #expect(throws: ResponseError.invalid("Gather timeout must be at least 1 ms, not -1")) {
                try Gather(onData: onData, timeoutMilliseconds: -1)
            }
        }

        @Test func gatherAcceptsTheSmallestValuesAndDefaultsLikeSipgate() throws {
            let smallest = try Gather(onData: onData, maxDigits: 1, timeoutMilliseconds: 1)
            #expect(smallest.maxDigits == 1 && smallest.timeoutMilliseconds == 1)
            let defaults = try Gather(onData: onData)
            #expect(defaults.maxDigits == 1 && defaults.timeoutMilliseconds == 2000 && defaults.play == nil)
        }

        @Test func dialRejectsAnEmptyNumberList() {
            #expect(throws: ResponseError.invalid("Dial needs at least one number")) {
                try Dial(.numbers([]))
            }
        }

        @Test func dialRejectsMoreThanFiveNumbers() throws {
            let six = try (1...6).map { try E164Number("4930123456\($0)") }
            #expect(throws: ResponseError.invalid("Dial rings at most 5 numbers at once, not 6")) {
                try Dial(.numbers(six))
            }
            let five = try Dial(.numbers(Array(six.prefix(5))))
            #expect(five.target == .numbers(Array(six.prefix(5))))
        }

        @Test(arguments: [
            "0049301234567",  // trunk prefix instead of a country code
            "0",
            "49 123",  // inner space
            " 49123",  // leading space
            "49123\n",  // trailing newline
            "",
            "+",
            "+0491234",
            "1",  // one digit is too short
            "1234567890123456",  // 16 digits
            "+1234567890123456",  // 16 digits after '+'
            "49abc123",
            "abc",
            "++49123",
            "49+123",
            "49-30-123",
            "４９３０１２３",  // full-width digits are not ASCII digits
            "49١٢٣",  // Arabic-Indic digits
        ])
        func e164RejectsMalformedNumbers(text: String) {
            let expected = ResponseError.invalid(
                "\"\(text)\" is not an E.164 number (2 to 15 digits, the first not 0, optionally after a '+')")
            #expect(throws: expected) { try E164Number(text) }
            #expect(!E164Number.isValid(text))
        }

        @Test(arguments: ["12", "4915799912345", "+4915799912345", "123456789012345", "+123456789012345", "+12"])
        func e164AcceptsWellFormedNumbersAndKeepsTheirText(text: String) throws {
            #expect(try E164Number(text).digits == text)
        }

        @Test func e164ErrorMessageIsBoundedForHugeInput() {
            let huge = String(repeating: "9", count: 100_000)
            do {
                _ = try E164Number(huge)
                Issue.record("a 100000-digit number was accepted")
            } catch {
                #expect(error.description.utf8.count < 200)
                #expect(error.description.hasSuffix("is not an E.164 number (2 to 15 digits, the first not 0, optionally after a '+')"))
            }
        }

        static let scheme = "it must start with http:// or https://"
        static let space = "white space or a control character"
        static let noHost = "the host is missing"
        static let brackets = "'[' or ']' outside an IPv6 host"
        static let percent = "a '%' not followed by two hex digits"

        static let invalidURLs: [(text: String, reason: String)] = [
            ("ftp://example.com/a.wav", scheme),
            ("file:///etc/passwd", scheme),
            ("/audio/a.wav", scheme),  // relative
            ("audio/a.wav", scheme),
            ("example.com/a.wav", scheme),  // no scheme
            ("HTTPS://example.com/a.wav", scheme),  // the grammar's scheme is lower case
            ("https:/example.com/a.wav", scheme),
            (" https://example.com/a.wav", scheme),
            ("", scheme),
            ("https://example.com/a b.wav", space + " (U+20)"),
            ("https://example.com/a\nb.wav", space + " (U+A)"),
            ("https://example.com/a\tb.wav", space + " (U+9)"),
            ("https://example.com/a\rb.wav", space + " (U+D)"),
            ("https://example.com/a.wav ", space + " (U+20)"),
            ("https://example.com/\u{7F}", space + " (U+7F)"),
            ("https://example.com/\u{0}", space + " (U+0)"),
            ("https://example.com/\u{85}", space + " (U+85)"),  // C1 control NEL
            ("https://example.com/a\u{A0}b", space + " (U+A0)"),  // no-break space
            ("https://example.com/a\u{2028}b", space + " (U+2028)"),
            ("https://example.com/\u{FFFE}", space + " (U+FFFE)"),  // not a character XML allows
            ("http://", noHost),  // empty host
            ("https://", noHost),
            ("http:///audio/a.wav", noHost),
            ("https://?q=1", noHost),
            ("https://#top", noHost),
            ("https://user@/a.wav", noHost),
            ("https://:8080/a.wav", noHost),
            ("https://example.com:http/a.wav", "the port is not a number"),
            ("https://example.com:80:80/a.wav", "the port is not a number"),
            ("https://example.com:/a.wav", "the port is not a number"),
            ("https://[::1]:/a.wav", "the port is not a number"),
            ("https://example.com/a[1].wav", brackets),
            ("https://exa]mple.com/a.wav", brackets),
            ("https://[::1/a.wav", "an IPv6 host without ']'"),
            ("https://[example.com]/a.wav", "a malformed IPv6 host"),
            ("https://[::1]x/a.wav", "text after the IPv6 host"),
            ("https://example.com/a%zz.wav", percent),
            ("https://example.com/a%2", percent),
            ("https://example.com/a%", percent),
            ("https://example.com/a#b#c", "more than one '#'"),
        ]

        @Test(arguments: invalidURLs)
        func absoluteURLRejectsWhatSipgateCannotFetch(text: String, reason: String) {
            #expect(throws: ResponseError.invalid("\"\(text)\" is not an absolute http(s) URL: \(reason)")) {
                try AbsoluteURL(text)
            }
            #expect(!AbsoluteURL.isValid(text))
        }

        @Test func absoluteURLRejectsTooLongURLsWithABoundedMessage() throws {
            let prefix = "https://ivr.example.com/"
            let longest = prefix + String(repeating: "a", count: AbsoluteURL.maxLength - prefix.utf8.count)
            #expect(try AbsoluteURL(longest).text.utf8.count == AbsoluteURL.maxLength)
            let tooLong = longest + "a"
            do {
                _ = try AbsoluteURL(tooLong)
                Issue.record("a URL of \(tooLong.utf8.count) bytes was accepted")
            } catch {
                #expect(error.description == "\"\(tooLong.prefix(80))\" is not an absolute http(s) URL: longer than 2048 bytes")
            }
            // The limit counts bytes: 1024 two-byte characters exceed it.
            #expect(!AbsoluteURL.isValid(prefix + String(repeating: "ü", count: 1024)))
        }

        @Test(arguments: [
            "http://a",
            "https://ivr.example.com/audio/menu.wav",
            "https://user:secret@ivr.example.com:8443/dtmf?step=1&x=<y>",
            "https://ivr.example.com/menü/ようこそ.wav",
            "https://ivr.example.com/\u{301}",  // a combining mark right after the host separator
            "https://[::1]:8080/a.wav",
            "https://[2001:db8::7]/a.wav",
            "https://ivr.example.com/a%20b%C3%BC.wav?q=%7e#frag",
            "https://ivr.example.com/?a=1?b=2",
            "https://bücher.example/",
        ])
        func absoluteURLAcceptsHTTPAndHTTPSWithAHost(text: String) throws {
            #expect(try AbsoluteURL(text).text == text)
        }

        @Test func appendingJoinsWithExactlyOneSlashAndRevalidates() throws {
            for base in ["https://ivr.example.com", "https://ivr.example.com/"] {
                let url = try AbsoluteURL(base)
                #expect(try url.appending(path: "audio/menu.wav").text == "https://ivr.example.com/audio/menu.wav")
                #expect(try url.appending(path: "/audio/menu.wav").text == "https://ivr.example.com/audio/menu.wav")
            }
            #expect(throws: ResponseError.self) { try AbsoluteURL("https://ivr.example.com").appending(path: "a b.wav") }
        }
    }
}

// MARK: - Exact XML

extension ResponseTests {
    @Suite struct Rendering {
        static let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let base = "https://ivr.example.com"

        func url(_ path: String) throws -> AbsoluteURL { try AbsoluteURL(base + path) }

        @Test func answerRenderedInAdvanceIsByteForByteTheFreshOneUntilItChanges() throws {
            let answers = [
                Response(
                    onAnswer: try url("/"), onHangup: try url("/"),
                    then: .gather(try Gather(onData: url("/"), maxDigits: 2, timeoutMilliseconds: 4000, play: Play(url("/a.wav"))))),
                Response(plays: [Play(try url("/a.wav?x=1&y=<2>"))], then: .dial(try Dial(.numbers([E164Number("4915799912345")])))),
                Response(then: .hangup),
                Response(),
            ]
            for answer in answers {
                let prepared = answer.prerendered()
                #expect(prepared.rendered != nil)
                #expect(prepared.xmlBytes == answer.xmlBytes)
                #expect(prepared == answer)
                #expect(prepared.hashValue == answer.hashValue)
                // Any change to a prepared answer is rendered afresh, never from the old bytes.
                var played = prepared
                played.plays.append(Play(try url("/late.wav")))
                #expect(played.rendered == nil)
                #expect(played.xml.contains("<Url>https://ivr.example.com/late.wav</Url>"))
                var hungUp = prepared
                hungUp.final = .hangup
                #expect(hungUp.xml.hasSuffix("<Hangup/></Response>"))
                var called = prepared
                called.onAnswer = try url("/other")
                #expect(called.xml.contains("onAnswer=\"https://ivr.example.com/other\""))
                var ended = prepared
                ended.onHangup = try url("/ended")
                #expect(ended.xml.contains("onHangup=\"https://ivr.example.com/ended\""))
            }
        }

        @Test func emptyResponseIsOneSelfClosingElement() {
            #expect(Response.empty.xml == Self.declaration + "<Response/>")
            #expect(Response().xmlBytes == Array((Self.declaration + "<Response/>").utf8))
        }

        @Test func playOnItsOwn() throws {
            let response = Response(plays: [Play(try url("/audio/a.wav")), Play(try url("/audio/b.wav"))])
            #expect(
                response.xml == Self.declaration
                    + "<Response><Play><Url>https://ivr.example.com/audio/a.wav</Url></Play>"
                    + "<Play><Url>https://ivr.example.com/audio/b.wav</Url></Play></Response>")
        }

        @Test func gatherWithPromptAndCallbacks() throws {
            let response = Response(
                onAnswer: try url("/answer"), onHangup: try url("/hangup"),
                then: .gather(try Gather(onData: url("/dtmf"), maxDigits: 3, timeoutMilliseconds: 10000, play: Play(url("/menu.wav")))))
            #expect(
                response.xml == Self.declaration
                    + "<Response onAnswer=\"https://ivr.example.com/answer\" onHangup=\"https://ivr.example.com/hangup\">"
                    + "<Gather onData=\"https://ivr.example.com/dtmf\" maxDigits=\"3\" timeout=\"10000\" type=\"dtmf\">"
                    + "<Play><Url>https://ivr.example.com/menu.wav</Url></Play></Gather></Response>")
        }

        @Test func gatherWithoutPromptIsSelfClosing() throws {
            let response = Response(then: .gather(try Gather(onData: url("/dtmf"))))
            #expect(
                response.xml == Self.declaration
                    + "<Response><Gather onData=\"https://ivr.example.com/dtmf\" maxDigits=\"1\" timeout=\"2000\" type=\"dtmf\"/></Response>"
            )
        }

        @Test func dialWithAllAttributesAndSeveralNumbers() throws {
            let dial = try Dial(
                .numbers([E164Number("4915799912345"), E164Number("+492111234567")]),
                callerId: E164Number("492111234567"), anonymous: false)
            #expect(
                Response(then: .dial(dial)).xml == Self.declaration
                    + "<Response><Dial callerId=\"492111234567\" anonymous=\"false\">"
                    + "<Number>4915799912345</Number><Number>+492111234567</Number></Dial></Response>")
            let hidden = try Dial(.numbers([E164Number("4915799912345")]), anonymous: true)
            #expect(
                Response(then: .dial(hidden)).xml == Self.declaration
                    + "<Response><Dial anonymous=\"true\"><Number>4915799912345</Number></Dial></Response>")
        }

        @Test func dialToVoicemail() {
            #expect(
                Response(then: .dial(.voicemail)).xml == Self.declaration
                    + "<Response><Dial><Voicemail/></Dial></Response>")
        }

        @Test func rejectAlwaysNamesItsReason() {
            #expect(Response(then: .reject(.rejected)).xml == Self.declaration + "<Response><Reject reason=\"rejected\"/></Response>")
            #expect(Response(then: .reject(.busy)).xml == Self.declaration + "<Response><Reject reason=\"busy\"/></Response>")
        }

        @Test func announcementThenHangup() throws {
            let response = Response(onHangup: try url("/hangup"), plays: [Play(try url("/closed.wav"))], then: .hangup)
            #expect(
                response.xml == Self.declaration
                    + "<Response onHangup=\"https://ivr.example.com/hangup\">"
                    + "<Play><Url>https://ivr.example.com/closed.wav</Url></Play><Hangup/></Response>")
        }

        @Test func renderIntoAppendsToExistingBytes() {
            var out = Array("HTTP body: ".utf8)
            Response(then: .hangup).render(into: &out)
            #expect(String(decoding: out, as: UTF8.self) == "HTTP body: " + Self.declaration + "<Response><Hangup/></Response>")
        }
    }
}

// MARK: - Escaping

extension ResponseTests {
    @Suite struct Escaping {
        static let declaration = Rendering.declaration
        static let nasty = "https://ivr.example.com/a?x=1&y=<2>&z=\"3\"&w='4'"
        static let nastyEscaped = "https://ivr.example.com/a?x=1&amp;y=&lt;2&gt;&amp;z=&quot;3&quot;&amp;w=&apos;4&apos;"

        @Test func allFiveCharactersAreEscapedInAttributes() throws {
            let url = try AbsoluteURL(Self.nasty)
            let response = Response(onAnswer: url, onHangup: url, then: .gather(try Gather(onData: url)))
            #expect(
                response.xml == Self.declaration
                    + "<Response onAnswer=\"\(Self.nastyEscaped)\" onHangup=\"\(Self.nastyEscaped)\">"
                    + "<Gather onData=\"\(Self.nastyEscaped)\" maxDigits=\"1\" timeout=\"2000\" type=\"dtmf\"/></Response>")
        }

        @Test func allFiveCharactersAreEscapedInText() throws {
            let response = Response(plays: [Play(try AbsoluteURL(Self.nasty))])
            #expect(
                response.xml == Self.declaration
                    + "<Response><Play><Url>\(Self.nastyEscaped)</Url></Play></Response>")
        }

        @Test func entitiesInURLsAreEscapedNotInterpreted() throws {
            let tricky = try AbsoluteURL("https://x.example/&amp;>&#60;")
            #expect(
                Response(plays: [Play(tricky)]).xml == Self.declaration
                    + "<Response><Play><Url>https://x.example/&amp;amp;&gt;&amp;#60;</Url></Play></Response>")
        }

        @Test func utf8IsWrittenAsIs() throws {
            let url = try AbsoluteURL("https://ivr.example.com/menü/ようこそ🎵.wav")
            let bytes = Response(plays: [Play(url)]).xmlBytes
            let expected = Self.declaration + "<Response><Play><Url>https://ivr.example.com/menü/ようこそ🎵.wav</Url></Play></Response>"
            #expect(bytes == Array(expected.utf8))
            #expect(bytes.contains(0xC3) && bytes.contains(0xF0))  // "ü" and the emoji as raw UTF-8, not as character references
        }

        @Test func everyEscapedURLReadsBackAsTheOriginal() throws {
            for (name, response) in ResponseCorpus.catalogue(base: try AbsoluteURL("https://ivr.example.com/")) {
                let tree = try MiniXML.parse(response.xml)
                var urls: [String] = []
                if let onAnswer = response.onAnswer { urls.append(onAnswer.text) }
                if let onHangup = response.onHangup { urls.append(onHangup.text) }
                urls += response.plays.map(\.url.text)
                if case .gather(let gather) = response.final {
                    urls.append(gather.onData.text)
                    if let play = gather.play { urls.append(play.url.text) }
                }
                #expect(tree.allURLs == urls, "\(name)")
            }
        }
    }
}

// MARK: - The examples of API.md

extension ResponseTests {
    @Suite struct APIExamples {
        /// Each example verbatim from sipgate's API.md, with the value that should produce it.
        static func examples() throws -> [(name: String, xml: String, response: Response)] {
            let number = try E164Number("4915799912345")
            return [
                (
                    "Dial 1: redirect call",
                    """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Response>
                    \t<Dial>
                    \t\t<Number>4915799912345</Number>
                    \t</Dial>
                    </Response>
                    """, Response(then: .dial(try Dial(.numbers([number]))))
                ),
                (
                    "Dial 2: voicemail",
                    """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Response>
                    \t<Dial>
                    \t\t<Voicemail />
                    \t</Dial>
                    </Response>
                    """, Response(then: .dial(.voicemail))
                ),
                (
                    "Dial 3: suppress number",
                    """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Response>
                    \t<Dial anonymous="true">
                    \t\t<Number>4915799912345</Number>
                    \t</Dial>
                    </Response>
                    """, Response(then: .dial(try Dial(.numbers([number]), anonymous: true)))
                ),
                (
                    "Dial 4: caller id",
                    """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Response>
                    \t<Dial callerId="492111234567">
                    \t\t<!-- Originally dialed number, extracted from POST request -->
                    \t\t<Number>4915799912345</Number>
                    \t</Dial>
                    </Response>
                    """, Response(then: .dial(try Dial(.numbers([number]), callerId: E164Number("492111234567"))))
                ),
                (
                    "Dial 5: several destinations",
                    """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Response>
                    \t<Dial>
                    \t\t<Number>4915799912345</Number>
                    \t\t<Number>492111234567</Number>
                    \t</Dial>
                    </Response>
                    """, Response(then: .dial(try Dial(.numbers([number, E164Number("492111234567")]))))
                ),
                (
                    "Play 1",
                    """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Response>
                    \t<Play>
                    \t\t<Url>http://example.com/example.wav</Url>
                    \t</Play>
                    </Response>
                    """, Response(plays: [Play(try AbsoluteURL("http://example.com/example.wav"))])
                ),
                (
                    "Gather 1",
                    """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Response>
                    \t<Gather onData="http://localhost:3000/dtmf" maxDigits="3" timeout="10000">
                    \t\t<Play>
                    \t\t\t<Url>https://example.com/example.wav</Url>
                    \t\t</Play>
                    \t</Gather>
                    </Response>
                    """,
                    Response(
                        then: .gather(
                            try Gather(
                                onData: AbsoluteURL("http://localhost:3000/dtmf"), maxDigits: 3, timeoutMilliseconds: 10000,
                                play: Play(AbsoluteURL("https://example.com/example.wav")))))
                ),
                (
                    "Reject 1",
                    """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Response>
                    \t<Reject />
                    </Response>
                    """, Response(then: .reject(.rejected))
                ),
                (
                    "Reject 2: busy",
                    """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Response>
                    \t<Reject reason="busy" />
                    </Response>
                    """, Response(then: .reject(.busy))
                ),
                (
                    "Hangup",
                    """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Response>
                    \t<Hangup />
                    </Response>
                    """, Response(then: .hangup)
                ),
                (
                    "onAnswer",
                    """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Response onAnswer="http://localhost:3000/answer" />
                    """, Response(onAnswer: try AbsoluteURL("http://localhost:3000/answer"))
                ),
                (
                    "onHangup",
                    """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Response onHangup="http://localhost:3000/hangup" />
                    """, Response(onHangup: try AbsoluteURL("http://localhost:3000/hangup"))
                ),
            ]
        }

        @Test func everyExampleRendersToEquivalentXML() throws {
            let examples = try Self.examples()
            #expect(examples.count == 12)
            for example in examples {
                let expected = try MiniXML.parse(example.xml).withSipgateDefaults()
                let rendered = try MiniXML.parse(example.response.xml).withSipgateDefaults()
                #expect(rendered == expected, "\(example.name)")
            }
        }

        /// The comparison above must be able to fail: a changed attribute, a missing element
        /// or a different number each make two answers differ.
        @Test func equivalenceDetectsDifferences() throws {
            let gather = try MiniXML.parse(#"<Response><Gather onData="http://a/d" maxDigits="3"/></Response>"#).withSipgateDefaults()
            #expect(
                gather != (try MiniXML.parse(#"<Response><Gather onData="http://a/d" maxDigits="4"/></Response>"#).withSipgateDefaults()))
            #expect(
                gather
                    != (try MiniXML.parse(
                        #"<Response><Gather onData="http://a/d" maxDigits="3"><Play><Url>http://a/x</Url></Play></Gather></Response>"#
                    ).withSipgateDefaults()))
            #expect(
                gather
                    == (try MiniXML.parse(
                        #"<Response> <Gather timeout="2000" type="dtmf" maxDigits="3" onData="http://a/d" /> </Response>"#
                    ).withSipgateDefaults()))
            #expect(
                (try MiniXML.parse("<Response><Dial><Number>12</Number></Dial></Response>"))
                    != (try MiniXML.parse("<Response><Dial><Number>13</Number></Dial></Response>")))
            #expect(throws: MiniXML.ParseError.self) { try MiniXML.parse("<Response><Play></Response>") }
        }
    }
}

// MARK: - The corpus validated in CI

extension ResponseTests {
    @Suite struct Corpus {
        static let expectedNames: Set<String> = [
            "empty", "play-one", "play-several",
            "gather-defaults", "gather-with-play", "gather-max-digits-1-timeout-1",
            "gather-max-digits-20-timeout-600000", "gather-max-digits-large",
            "dial-one-number", "dial-five-numbers", "dial-plus-numbers", "dial-shortest-and-longest-number",
            "dial-caller-id", "dial-caller-id-plus", "dial-anonymous-true", "dial-anonymous-false",
            "dial-caller-id-anonymous-five-numbers", "dial-voicemail", "dial-voicemail-caller-id-anonymous",
            "reject-rejected", "reject-busy", "hangup",
            "on-answer", "on-hangup", "on-answer-and-on-hangup", "on-answer-and-on-hangup-with-dial",
            "plays-then-gather", "plays-then-dial", "plays-then-voicemail",
            "plays-then-reject-rejected", "plays-then-reject-busy", "plays-then-hangup",
            "escaping-in-attributes", "escaping-in-text", "utf8", "everything",
        ]

        /// Writes every answer as `NAME.xml` into `$TOUCHTONE_XML_CORPUS_DIR` when it is set,
        /// for `.ci/xsd-check` to validate against `response.xsd`.
        @Test func catalogueIsCompleteUniqueAndWrittenForSchemaValidation() throws {
            let catalogue = ResponseCorpus.catalogue(base: try AbsoluteURL("https://ivr.example.com/"))
            #expect(!catalogue.isEmpty)
            let names = catalogue.map(\.name)
            #expect(Set(names).count == names.count, "names must be unique")
            #expect(Set(names) == Self.expectedNames)
            for name in names {
                #expect(
                    !name.isEmpty && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D },
                    "\(name) is not a plain file name")
            }

            guard let directory = ProcessInfo.processInfo.environment["TOUCHTONE_XML_CORPUS_DIR"], !directory.isEmpty else { return }
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (name, response) in catalogue {
                let path = directory + "/" + name + ".xml"
                try Data(response.xmlBytes).write(to: URL(fileURLWithPath: path))
                #expect(FileManager.default.contents(atPath: path) == Data(response.xmlBytes))
            }
        }

        /// Every verb, attribute and attribute value of API.md appears somewhere in the catalogue.
        @Test func catalogueCoversEveryVerbAndAttribute() throws {
            var seen = Set<String>()
            for (_, response) in ResponseCorpus.catalogue(base: try AbsoluteURL("https://ivr.example.com/")) {
                try MiniXML.parse(response.xml).collectShapes(into: &seen, path: "")
            }
            let required: Set<String> = [
                "/Response", "/Response@onAnswer", "/Response@onHangup",
                "/Response/Play", "/Response/Play/Url",
                "/Response/Gather", "/Response/Gather@onData", "/Response/Gather@maxDigits", "/Response/Gather@timeout",
                "/Response/Gather@type=dtmf", "/Response/Gather/Play/Url",
                "/Response/Dial", "/Response/Dial@callerId", "/Response/Dial@anonymous=true", "/Response/Dial@anonymous=false",
                "/Response/Dial/Number", "/Response/Dial/Voicemail", "/Response/Dial/Number×5",
                "/Response/Reject@reason=rejected", "/Response/Reject@reason=busy", "/Response/Hangup",
                "/Response/Play+Gather", "/Response/Play+Dial", "/Response/Play+Reject", "/Response/Play+Hangup",
            ]
            #expect(required.subtracting(seen).isEmpty, "missing: \(required.subtracting(seen).sorted())")
        }

        @Test func aBaseTooLongToExtendStillGivesTheWholeCatalogue() throws {
            let prefix = "https://ivr.example.com/"
            let base = try AbsoluteURL(prefix + String(repeating: "b", count: AbsoluteURL.maxLength - prefix.utf8.count))
            let catalogue = ResponseCorpus.catalogue(base: base)
            #expect(Set(catalogue.map(\.name)) == Self.expectedNames)
            #expect(catalogue.first { $0.name == "play-one" }?.response.plays.first?.url == base)
        }
    }
}

// MARK: - A minimal XML reader, only to compare answers structurally

/// Reads the small XML subset sipgate answers use: declaration, comments, elements,
/// attributes in either quote, text and the predefined and numeric entities.
struct MiniXML: Equatable {
    var name: String
    var attributes: [String: String]
    var children: [MiniXML]
    /// Text content with surrounding white space removed; empty for element-only content.
    var text: String

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ xml: String) throws -> MiniXML {
        var reader = Reader(bytes: Array(xml.utf8))
        reader.skipMisc()
        if reader.peek("<?xml") {
            guard let end = reader.find("?>") else { throw ParseError(description: "unterminated declaration") }
            reader.index = end + 2
        }
        reader.skipMisc()
        let root = try reader.element()
        reader.skipMisc()
        guard reader.index == reader.bytes.count else { throw ParseError(description: "content after the root element") }
        return root
    }

    /// The values sipgate assumes when an attribute is left out, written in.
    func withSipgateDefaults() -> MiniXML {
        var copy = self
        switch name {
        case "Reject": copy.attributes["reason"] = attributes["reason"] ?? "rejected"
        case "Gather":
            copy.attributes["type"] = attributes["type"] ?? "dtmf"
            copy.attributes["maxDigits"] = attributes["maxDigits"] ?? "1"
            copy.attributes["timeout"] = attributes["timeout"] ?? "2000"
        default: break
        }
        copy.children = children.map { $0.withSipgateDefaults() }
        return copy
    }

    /// Every URL in document order: callback attributes first, then `Url` texts and `onData`.
    var allURLs: [String] {
        var urls: [String] = []
        for key in ["onAnswer", "onHangup", "onData"] { if let value = attributes[key] { urls.append(value) } }
        if name == "Url" { urls.append(text) }
        for child in children { urls += child.allURLs }
        return urls
    }

    func collectShapes(into seen: inout Set<String>, path: String) {
        let here = path + "/" + name
        seen.insert(here)
        for (key, value) in attributes {
            seen.insert(here + "@" + key)
            seen.insert(here + "@" + key + "=" + value)
        }
        let numbers = children.filter { $0.name == "Number" }.count
        if numbers > 0 { seen.insert(here + "/Number×\(numbers)") }
        if let last = children.last, children.dropLast().contains(where: { $0.name == "Play" }) {
            seen.insert(here + "/Play+" + last.name)
        }
        for child in children { child.collectShapes(into: &seen, path: here) }
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        func peek(_ text: String) -> Bool { bytes[index...].starts(with: text.utf8) }

        func find(_ text: String) -> Int? {
            let needle = Array(text.utf8)
            var i = index
            while i + needle.count <= bytes.count {
                if bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
                i += 1
            }
            return nil
        }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func skipMisc() {
            while true {
                skipSpace()
                guard peek("<!--"), let end = find("-->") else { return }
                index = end + 3
            }
        }

        mutating func name() throws -> String {
            let start = index
            while index < bytes.count, !" \t\r\n/>=".utf8.contains(bytes[index]) { index += 1 }
            guard index > start else { throw ParseError(description: "expected a name at byte \(start)") }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func expect(_ text: String) throws {
            guard peek(text) else { throw ParseError(description: "expected \(text) at byte \(index)") }
            index += text.utf8.count
        }

        mutating func element() throws -> MiniXML {
            try expect("<")
            var node = MiniXML(name: try name(), attributes: [:], children: [], text: "")
            while true {
                skipSpace()
                if peek("/>") {
                    index += 2
                    return node
                }
                if peek(">") {
                    index += 1
                    break
                }
                let key = try name()
                skipSpace()
                try expect("=")
                skipSpace()
                guard index < bytes.count, bytes[index] == 0x22 || bytes[index] == 0x27 else {
                    throw ParseError(description: "unquoted attribute \(key)")
                }
                let quote = bytes[index]
                index += 1
                let start = index
                while index < bytes.count, bytes[index] != quote {
                    guard bytes[index] != 0x3C else { throw ParseError(description: "'<' in attribute \(key)") }
                    index += 1
                }
                guard index < bytes.count else { throw ParseError(description: "unterminated attribute \(key)") }
                guard node.attributes[key] == nil else { throw ParseError(description: "duplicate attribute \(key)") }
                node.attributes[key] = try Self.unescape(bytes[start..<index])
                index += 1
            }
            var text: [UInt8] = []
            while true {
                guard index < bytes.count else { throw ParseError(description: "unterminated element \(node.name)") }
                if peek("<!--") {
                    guard let end = find("-->") else { throw ParseError(description: "unterminated comment") }
                    index = end + 3
                } else if peek("</") {
                    index += 2
                    let closing = try name()
                    guard closing == node.name else { throw ParseError(description: "</\(closing)> closes <\(node.name)>") }
                    skipSpace()
                    try expect(">")
                    node.text = String(decoding: text, as: UTF8.self).trimmingXMLSpace()
                    return node
                } else if peek("<") {
                    node.children.append(try element())
                } else {
                    let start = index
                    while index < bytes.count, bytes[index] != 0x3C { index += 1 }
                    let chunk = bytes[start..<index]
                    guard !String(decoding: chunk, as: UTF8.self).contains("]]>") else {
                        throw ParseError(description: "']]>' in text")
                    }
                    text += Array(try Self.unescape(chunk).utf8)
                }
            }
        }

        static func unescape(_ raw: ArraySlice<UInt8>) throws -> String {
            var out: [UInt8] = []
            var i = raw.startIndex
            while i < raw.endIndex {
                guard raw[i] == 0x26 else {
                    out.append(raw[i])
                    i += 1
                    continue
                }
                guard let semicolon = raw[i...].firstIndex(of: 0x3B) else { throw ParseError(description: "bare '&'") }
                let entity = String(decoding: raw[(i + 1)..<semicolon], as: UTF8.self)
                switch entity {
                case "amp": out.append(0x26)
                case "lt": out.append(0x3C)
                case "gt": out.append(0x3E)
                case "quot": out.append(0x22)
                case "apos": out.append(0x27)
                default:
                    let value: UInt32? =
                        entity.hasPrefix("#x")
                        ? UInt32(entity.dropFirst(2), radix: 16)
                        : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                    guard let value, let scalar = Unicode.Scalar(value) else { throw ParseError(description: "unknown entity &\(entity);") }
                    out += Array(String(Character(scalar)).utf8)
                }
                i = semicolon + 1
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

extension String {
    fileprivate func trimmingXMLSpace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
