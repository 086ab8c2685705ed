import Testing
import Touchtone
import TouchtoneTesting

/// Reading sipgate answers back: `swift test --filter SipgateXMLTests`.
@Suite enum SipgateXMLTests {}

private let declaration = #"<?xml version="1.0" encoding="UTF-8"?>"#

private func url(_ text: String) throws -> AbsoluteURL { try AbsoluteURL(text) }
private func number(_ text: String) throws -> E164Number { try E164Number(text) }

// MARK: - The examples of API.md

extension SipgateXMLTests {
    @Suite struct APIExamples {
        @Test func dialExample1RedirectsTheCall() throws {
            let xml = """
                \(declaration)
                <Response>
                \t<Dial>
                \t\t<Number>4915799912345</Number>
                \t</Dial>
                </Response>
                """
            let expected = Response(then: .dial(try Dial(.numbers([number("4915799912345")]))))
            #expect(SipgateXML.parse(xml) == .success(expected))
            #expect(SipgateXML.problems(in: xml) == [])
        }

        @Test func dialExample2SendsTheCallToVoicemail() {
            let xml = "\(declaration)\n<Response>\n\t<Dial>\n\t\t<Voicemail />\n\t</Dial>\n</Response>"
            #expect(SipgateXML.parse(xml) == .success(Response(then: .dial(.voicemail))))
        }

        @Test func dialExample3SuppressesThePhoneNumber() throws {
            let xml = "\(declaration)\n<Response>\n\t<Dial anonymous=\"true\">\n\t\t<Number>4915799912345</Number>\n\t</Dial>\n</Response>"
            let expected = Response(then: .dial(try Dial(.numbers([number("4915799912345")]), anonymous: true)))
            #expect(SipgateXML.parse(xml) == .success(expected))
        }

        @Test func dialExample4SetsACallerIdAndMayHoldAComment() throws {
            let xml = """
                \(declaration)
                <Response>
                \t<Dial callerId="492111234567">
                \t\t<!-- Originally dialed number, extracted from POST request -->
                \t\t<Number>4915799912345</Number>
                \t</Dial>
                </Response>
                """
            let expected = Response(then: .dial(try Dial(.numbers([number("4915799912345")]), callerId: number("492111234567"))))
            #expect(SipgateXML.parse(xml) == .success(expected))
        }

        @Test func dialExample5RingsSeveralDestinations() throws {
            let xml =
                "\(declaration)\n<Response>\n\t<Dial>\n\t\t<Number>4915799912345</Number>\n\t\t<Number>492111234567</Number>\n\t</Dial>\n</Response>"
            let expected = Response(then: .dial(try Dial(.numbers([number("4915799912345"), number("492111234567")]))))
            #expect(SipgateXML.parse(xml) == .success(expected))
        }

        @Test func playExample() throws {
            let xml = "\(declaration)\n<Response>\n\t<Play>\n\t\t<Url>http://example.com/example.wav</Url>\n\t</Play>\n</Response>"
            #expect(SipgateXML.parse(xml) == .success(Response(plays: [Play(try url("http://example.com/example.wav"))])))
        }

        @Test func gatherExampleWithSoundFileAndParameters() throws {
            let xml = """
                \(declaration)
                <Response>
                \t<Gather onData="http://localhost:3000/dtmf" maxDigits="3" timeout="10000">
                \t\t<Play>
                \t\t\t<Url>https://example.com/example.wav</Url>
                \t\t</Play>
                \t</Gather>
                </Response>
                """
            let gather = try Gather(
                onData: url("http://localhost:3000/dtmf"), maxDigits: 3, timeoutMilliseconds: 10000,
                play: Play(url("https://example.com/example.wav")))
            #expect(SipgateXML.parse(xml) == .success(Response(then: .gather(gather))))
        }

        @Test func gatherTakesSipgatesDefaultsForMissingAttributes() throws {
            let xml = #"<Response><Gather onData="https://ivr.example.com/dtmf"/></Response>"#
            let gather = try Gather(onData: url("https://ivr.example.com/dtmf"), maxDigits: 1, timeoutMilliseconds: 2000)
            #expect(SipgateXML.parse(xml) == .success(Response(then: .gather(gather))))
            let typed = #"<Response><Gather onData="https://ivr.example.com/dtmf" type="dtmf" timeout="1"/></Response>"#
            let short = try Gather(onData: url("https://ivr.example.com/dtmf"), maxDigits: 1, timeoutMilliseconds: 1)
            #expect(SipgateXML.parse(typed) == .success(Response(then: .gather(short))))
        }

        @Test func rejectExamplesDefaultToRejected() {
            #expect(
                SipgateXML.parse("\(declaration)\n<Response>\n\t<Reject />\n</Response>") == .success(Response(then: .reject(.rejected))))
            #expect(
                SipgateXML.parse("\(declaration)\n<Response>\n\t<Reject reason=\"busy\" />\n</Response>")
                    == .success(Response(then: .reject(.busy))))
            #expect(SipgateXML.parse(#"<Response><Reject reason="rejected"/></Response>"#) == .success(Response(then: .reject(.rejected))))
        }

        @Test func hangupExample() {
            #expect(SipgateXML.parse("\(declaration)\n<Response>\n\t<Hangup />\n</Response>") == .success(Response(then: .hangup)))
        }

        @Test func onAnswerAndOnHangupExamples() throws {
            #expect(
                SipgateXML.parse("\(declaration)\n<Response onAnswer=\"http://localhost:3000/answer\" />")
                    == .success(Response(onAnswer: try url("http://localhost:3000/answer"))))
            #expect(
                SipgateXML.parse("\(declaration)\n<Response onHangup=\"http://localhost:3000/hangup\" />")
                    == .success(Response(onHangup: try url("http://localhost:3000/hangup"))))
        }

        @Test func theEmptyAnswerNeedsNoDeclaration() {
            #expect(SipgateXML.parse("<Response/>") == .success(.empty))
            #expect(SipgateXML.parse("<Response></Response>") == .success(.empty))
            #expect(
                SipgateXML.parse("\u{FEFF}<?xml version='1.0'?>\r\n<!-- c -->\r\n<Response >\r\n</Response >\r\n<!-- end -->\r\n")
                    == .success(.empty))
        }
    }
}

// MARK: - Round trip through the renderer

extension SipgateXMLTests {
    @Suite struct RoundTrip {
        @Test func everyCatalogueAnswerReadsBackAsItself() throws {
            let catalogue = ResponseCorpus.catalogue(base: try url("https://ivr.example.com/"))
            #expect(catalogue.count >= 30)
            for (name, response) in catalogue {
                #expect(SipgateXML.parse(response.xml) == .success(response), "\(name)")
                #expect(SipgateXML.problems(in: response.xml) == [], "\(name)")
            }
        }

        @Test func catalogueBelowAnAwkwardBaseReadsBack() throws {
            let base = try url("http://[::1]:8080/ivr?x=<1>&y=\"'\"#frag")
            for (name, response) in ResponseCorpus.catalogue(base: base) {
                #expect(SipgateXML.parse(response.xml) == .success(response), "\(name)")
            }
        }

        @Test func playsAndGatherKeepTheirOrder() throws {
            let plays = try (1...12).map { Play(try url("https://ivr.example.com/\($0).wav")) }
            let response = Response(
                plays: plays,
                then: .gather(
                    try Gather(
                        onData: url("https://ivr.example.com/d"), maxDigits: 7,
                        timeoutMilliseconds: 123, play: plays[3])))
            #expect(SipgateXML.parse(response.xml) == .success(response))
        }
    }
}

// MARK: - Values as a schema validator reads them

extension SipgateXMLTests {
    @Suite struct Values {
        @Test func predefinedEntitiesAndCharacterReferencesAreDecoded() throws {
            let xml = "<Response><Play><Url>https://a.example/x?q=&lt;&gt;&amp;&quot;&apos;&#38;&#x26;&#X41;</Url></Play></Response>"
            // &#X41; is not a character reference (only a lower-case x is).
            #expect(SipgateXML.problems(in: xml) == ["line 1, column 80: malformed character reference (expected &#digits; or &#xhex;)"])
            let valid =
                "<Response><Play><Url>https://a.example/x?q=&lt;&gt;&amp;&quot;&apos;&#38;&#x26;&#x41;&#252;&#x1F3B5;</Url></Play></Response>"
            #expect(SipgateXML.parse(valid) == .success(Response(plays: [Play(try url("https://a.example/x?q=<>&\"'&&Aü🎵"))])))
        }

        @Test func attributeValuesAreDecodedInBothQuoteStyles() throws {
            let xml = #"<Response onAnswer='https://a.example/?q="1"&amp;r=&apos;2&apos;' onHangup="https://a.example/?x='&#34;'"/>"#
            let expected = Response(onAnswer: try url("https://a.example/?q=\"1\"&r='2'"), onHangup: try url("https://a.example/?x='\"'"))
            #expect(SipgateXML.parse(xml) == .success(expected))
        }

        @Test func urlsAndNumbersOfAttributesHaveTheirWhiteSpaceCollapsed() throws {
            let xml =
                "<Response onHangup=\"\n  https://a.example/h\t\"><Gather onData=\" https://a.example/d \" maxDigits=\" +003 \" timeout=\"&#10;0500&#9;\"><Play><Url>\n  https://a.example/m.wav\n</Url></Play></Gather></Response>"
            let gather = try Gather(
                onData: url("https://a.example/d"), maxDigits: 3, timeoutMilliseconds: 500, play: Play(url("https://a.example/m.wav")))
            #expect(SipgateXML.parse(xml) == .success(Response(onHangup: try url("https://a.example/h"), then: .gather(gather))))
        }

        @Test func textIsJoinedAcrossCommentsAndCDATA() throws {
            let xml =
                "<Response><Play><Url>https://a.example/<!-- x -->a<![CDATA[&b<c>]]>.wav</Url></Play><Dial><Number>49<!---->157</Number></Dial></Response>"
            let expected = Response(
                plays: [Play(try url("https://a.example/a&b<c>.wav"))], then: .dial(try Dial(.numbers([number("49157")]))))
            #expect(SipgateXML.parse(xml) == .success(expected))
        }

        @Test func largestIntegersAreReadAndOneMoreIsRefused() throws {
            let largest =
                #"<Response><Gather onData="https://a.example/" maxDigits="9223372036854775807" timeout="000000000000000000000000001"/></Response>"#
            let gather = try Gather(onData: url("https://a.example/"), maxDigits: Int.max, timeoutMilliseconds: 1)
            #expect(SipgateXML.parse(largest) == .success(Response(then: .gather(gather))))
            let tooLarge = #"<Response><Gather onData="https://a.example/" maxDigits="9223372036854775808"/></Response>"#
            #expect(
                SipgateXML.problems(in: tooLarge) == [
                    #"Response/Gather/@maxDigits: "9223372036854775808" is too large (at most 9223372036854775807)"#
                ])
        }

        @Test func plusNumbersKeepTheirPlus() throws {
            let xml =
                #"<Response><Dial callerId="+492111234567" anonymous="false"><Number>+4915799912345</Number><Number>12</Number></Dial></Response>"#
            let dial = try Dial(.numbers([number("+4915799912345"), number("12")]), callerId: number("+492111234567"), anonymous: false)
            #expect(SipgateXML.parse(xml) == .success(Response(then: .dial(dial))))
        }
    }
}

// MARK: - Answers sipgate would not accept

/// One invalid document and exactly the problems it must yield.
struct InvalidAnswer: Sendable, CustomTestStringConvertible {
    let xml: String
    let problems: [String]
    init(_ xml: String, _ problems: [String]) {
        self.xml = xml
        self.problems = problems
    }
    var testDescription: String { xml }
}

private let d = "https://a.example/d"

extension SipgateXMLTests {
    @Suite struct GrammarProblems {
        static let cases: [InvalidAnswer] = [
            // The root and its attributes.
            .init("<Respons/>", ["Respons: the root element must be Response"]),
            .init(#"<Response onanswer="https://a.example/"/>"#, ["Response: unknown attribute onanswer"]),
            .init(#"<Response xmlns="urn:x"/>"#, ["Response: unknown attribute xmlns"]),
            .init(
                #"<Response onAnswer="ftp://a.example/" onHangup="https://"/>"#,
                [
                    #"Response/@onAnswer: "ftp://a.example/" is not an absolute http(s) URL: it must start with http:// or https://"#,
                    #"Response/@onHangup: "https://" is not an absolute http(s) URL: the host is missing"#,
                ]),
            .init("<Response>hello<Hangup/></Response>", [#"Response: unexpected text "hello""#]),
            .init("<Response><Hangup/>\n  and bye\n</Response>", [#"Response: unexpected text "and bye""#]),
            // A CDATA section is text, and xmllint refuses it between elements even when blank.
            .init(
                "<Response><![CDATA[ ]]><Dial><![CDATA[]]><Voicemail/></Dial></Response>",
                [#"Response: unexpected CDATA section " ""#, #"Response/Dial: unexpected CDATA section """#]),
            .init("<Response><Hangup><![CDATA[]]></Hangup></Response>", [#"Response/Hangup: must be empty, found text """#]),
            // Order and number of verbs.
            .init("<Response><Hangup/><Play><Url>https://a.example/a.wav</Url></Play></Response>", ["Response: Play after Hangup"]),
            .init(
                #"<Response><Gather onData="\#(d)"/><Play><Url>https://a.example/a.wav</Url></Play><Play><Url>https://a.example/b.wav</Url></Play></Response>"#,
                ["Response: Play after Gather", "Response: Play after Gather"]),
            .init(#"<Response><Gather onData="\#(d)"/><Dial><Voicemail/></Dial></Response>"#, ["Response: Dial after Gather"]),
            .init("<Response><Hangup/><Hangup/></Response>", ["Response: Hangup after Hangup"]),
            .init("<Response><Url>https://a.example/a.wav</Url></Response>", ["Response: unexpected element Url"]),
            .init("<Response><Say>Hi</Say></Response>", ["Response: unknown element Say"]),
            .init("<Response><hangup/></Response>", ["Response: unknown element hangup (did you mean Hangup?)"]),
            // Play and Url.
            .init("<Response><Play/></Response>", ["Response/Play: missing Url"]),
            .init(
                "<Response><Play><Url>https://a.example/a.wav</Url><Url>https://a.example/b.wav</Url></Play></Response>",
                ["Response/Play: 2 Url elements, exactly 1"]),
            .init(
                "<Response><Play><Url>https://a.example/a.wav</Url></Play><Play><Url>ftp://x</Url></Play></Response>",
                [#"Response/Play[2]/Url: "ftp://x" is not an absolute http(s) URL: it must start with http:// or https://"#]),
            .init(
                "<Response><Play><Url>https://a.example/a b.wav</Url></Play></Response>",
                [
                    #"Response/Play/Url: "https://a.example/a b.wav" is not an absolute http(s) URL: white space or a control character (U+20)"#
                ]),
            .init(
                "<Response><Play><Url></Url></Play></Response>",
                [#"Response/Play/Url: "" is not an absolute http(s) URL: it must start with http:// or https://"#]),
            .init(
                #"<Response><Play loop="2"><Url kind="wav">https://a.example/a.wav</Url></Play></Response>"#,
                ["Response/Play: unknown attribute loop", "Response/Play/Url: unknown attribute kind"]),
            .init("<Response><Play><Url><Number>4915</Number></Url></Play></Response>", ["Response/Play/Url: unexpected element Number"]),
            .init(
                "<Response><Play>https://a.example/a.wav</Play></Response>",
                [#"Response/Play: unexpected text "https://a.example/a.wav""#, "Response/Play: missing Url"]),
            // Gather.
            .init("<Response><Gather/></Response>", ["Response/Gather: missing attribute onData"]),
            .init(
                #"<Response><Gather onData="/dtmf" maxDigits="0" timeout="-5" type="speech" finishOnKey="*"/></Response>"#,
                [
                    "Response/Gather: unknown attribute finishOnKey",
                    #"Response/Gather/@onData: "/dtmf" is not an absolute http(s) URL: it must start with http:// or https://"#,
                    #"Response/Gather/@maxDigits: "0" is not a positive integer"#,
                    #"Response/Gather/@timeout: "-5" is not a positive integer"#,
                    #"Response/Gather/@type: "speech" is not allowed (only dtmf)"#,
                ]),
            .init(
                #"<Response><Gather onData="\#(d)" maxDigits="1.5" timeout="" type="DTMF"/></Response>"#,
                [
                    #"Response/Gather/@maxDigits: "1.5" is not a positive integer"#,
                    #"Response/Gather/@timeout: "" is not a positive integer"#,
                    #"Response/Gather/@type: "DTMF" is not allowed (only dtmf)"#,
                ]),
            .init(
                #"<Response><Gather onData="\#(d)" maxDigits="-0" timeout="1 2"/></Response>"#,
                [
                    #"Response/Gather/@maxDigits: "-0" is not a positive integer"#,
                    #"Response/Gather/@timeout: "1 2" is not a positive integer"#,
                ]),
            .init(
                #"<Response><Gather onData="\#(d)"><Play><Url>https://a.example/a.wav</Url></Play><Play><Url>https://a.example/b.wav</Url></Play></Gather></Response>"#,
                ["Response/Gather: 2 Play elements, at most 1"]),
            .init(
                #"<Response><Gather onData="\#(d)"><Play><Url>https://a.example/a.wav</Url></Play><Play/></Gather></Response>"#,
                ["Response/Gather/Play[2]: missing Url", "Response/Gather: 2 Play elements, at most 1"]),
            .init(
                #"<Response><Gather onData="\#(d)"><Dial><Voicemail/></Dial></Gather></Response>"#,
                ["Response/Gather: unexpected element Dial"]),
            // Dial.
            .init("<Response><Dial/></Response>", ["Response/Dial: missing Number or Voicemail"]),
            .init(
                "<Response><Dial>" + String(repeating: "<Number>4915799912345</Number>", count: 6) + "</Dial></Response>",
                ["Response/Dial: 6 Number elements, at most 5"]),
            .init("<Response><Dial><Voicemail/><Voicemail/></Dial></Response>", ["Response/Dial: 2 Voicemail elements, at most 1"]),
            .init(
                "<Response><Dial><Number>4915799912345</Number><Voicemail/></Dial></Response>",
                ["Response/Dial: Number and Voicemail together (either 1 to 5 Number or one Voicemail)"]),
            .init(
                "<Response><Dial><Number>4915799912345</Number><Number>0049157</Number><Number> 4915 </Number><Number>1</Number></Dial></Response>",
                [
                    #"Response/Dial/Number[2]: "0049157" is not an E.164 number (2 to 15 digits, the first not 0, optionally after a '+')"#,
                    #"Response/Dial/Number[3]: " 4915 " is not an E.164 number (2 to 15 digits, the first not 0, optionally after a '+')"#,
                    #"Response/Dial/Number[4]: "1" is not an E.164 number (2 to 15 digits, the first not 0, optionally after a '+')"#,
                ]),
            .init(
                #"<Response><Dial callerId="anonymous" anonymous="yes" timeout="30"><Number>4915799912345</Number></Dial></Response>"#,
                [
                    "Response/Dial: unknown attribute timeout",
                    #"Response/Dial/@callerId: "anonymous" is not an E.164 number (2 to 15 digits, the first not 0, optionally after a '+')"#,
                    #"Response/Dial/@anonymous: "yes" is not allowed (only true or false)"#,
                ]),
            .init(
                "<Response><Dial><Number>1234567890123456</Number></Dial></Response>",
                [
                    #"Response/Dial/Number: "1234567890123456" is not an E.164 number (2 to 15 digits, the first not 0, optionally after a '+')"#
                ]),
            .init(
                #"<Response><Dial><Voicemail box="1"> </Voicemail></Dial></Response>"#,
                ["Response/Dial/Voicemail: unknown attribute box", #"Response/Dial/Voicemail: must be empty, found text " ""#]),
            .init(
                "<Response><Dial><Play><Url>https://a.example/a.wav</Url></Play><Number>4915799912345</Number></Dial></Response>",
                ["Response/Dial: unexpected element Play"]),
            // Reject and Hangup.
            .init(
                #"<Response><Reject reason="Busy"/></Response>"#,
                [#"Response/Reject/@reason: "Busy" is not allowed (only rejected or busy)"#]),
            .init(
                #"<Response><Reject reason=" busy"/></Response>"#,
                [#"Response/Reject/@reason: " busy" is not allowed (only rejected or busy)"#]),
            .init(
                #"<Response><Reject cause="busy"><Hangup/></Reject></Response>"#,
                ["Response/Reject: unknown attribute cause", "Response/Reject: must be empty, found element Hangup"]),
            .init("<Response><Hangup>\n</Hangup></Response>", [#"Response/Hangup: must be empty, found text "\n""#]),
            .init(
                "<Response><Hangup><!-- ok --></Hangup><Hangup now=\"1\">x</Hangup></Response>",
                [
                    "Response: Hangup after Hangup", "Response/Hangup[2]: unknown attribute now",
                    #"Response/Hangup[2]: must be empty, found text "x""#,
                ]),
        ]

        @Test(arguments: cases) func eachProblemIsNamedExactly(_ answer: InvalidAnswer) {
            #expect(SipgateXML.problems(in: answer.xml) == answer.problems)
            #expect(SipgateXML.parse(answer.xml) == .failure(SipgateXMLError(problems: answer.problems)))
        }

        @Test func everyProblemOfADocumentIsListed() {
            let xml = #"<Response onAnswer="x" extra="1"><Play/><Gather maxDigits="x"/><Hangup/></Response>"#
            #expect(
                SipgateXML.problems(in: xml) == [
                    "Response: unknown attribute extra",
                    #"Response/@onAnswer: "x" is not an absolute http(s) URL: it must start with http:// or https://"#,
                    "Response/Play: missing Url",
                    "Response/Gather: missing attribute onData",
                    #"Response/Gather/@maxDigits: "x" is not a positive integer"#,
                    "Response: Hangup after Gather",
                ])
        }

        @Test func theListOfProblemsIsBounded() {
            let xml = "<Response>" + String(repeating: "<Foo/>", count: 5000) + "</Response>"
            let problems = SipgateXML.problems(in: xml)
            #expect(problems.count == SipgateXML.maxProblems + 1)
            #expect(problems.first == "Response: unknown element Foo")
            #expect(problems.last == "… and 4900 more problems")
        }

        @Test func valuesInMessagesAreEscapedAndCutShort() {
            let xml = "<Response><Dial><Number>49&#x85;\u{200B}\"\\" + String(repeating: "9", count: 100) + "</Number></Dial></Response>"
            let nines = String(repeating: "9", count: 54)
            #expect(
                SipgateXML.problems(in: xml) == [
                    #"Response/Dial/Number: "49\u{0085}\u{200B}\"\\"# + nines
                        + #"…" is not an E.164 number (2 to 15 digits, the first not 0, optionally after a '+')"#
                ])
        }

        @Test func errorDescriptionListsOneProblemALine() {
            let error = SipgateXMLError(problems: ["a", "b"])
            #expect(error.description == "a\nb")
        }
    }
}

// MARK: - Documents that are not well-formed XML

extension SipgateXMLTests {
    @Suite struct SyntaxProblems {
        static let cases: [InvalidAnswer] = [
            .init("", ["line 1, column 1: no root element"]),
            .init("  \n<!-- only a comment -->\n", ["line 3, column 1: no root element"]),
            .init("hello", ["line 1, column 1: text outside the root element"]),
            .init("<Response/>x", ["line 1, column 12: text outside the root element"]),
            .init("<Response/><![CDATA[x]]>", ["line 1, column 12: text outside the root element"]),
            .init("<Response/><Response/>", ["line 1, column 12: a second root element Response after Response"]),
            .init("<Response/></Response>", ["line 1, column 12: markup after the root element Response"]),
            .init(#"<!DOCTYPE Response [<!ENTITY x "y">]><Response/>"#, ["line 1, column 1: DOCTYPE declarations are not allowed"]),
            .init(#"<?xml-stylesheet href="a"?><Response/>"#, ["line 1, column 1: processing instructions are not allowed"]),
            .init(#"<Response><?php echo 1 ?></Response>"#, ["line 1, column 11: processing instructions are not allowed"]),
            .init(" <?xml version=\"1.0\"?><Response/>", ["line 1, column 2: the XML declaration must be at the very start"]),
            .init(#"<?xml encoding="UTF-8"?><Response/>"#, ["line 1, column 7: the XML declaration must start with version"]),
            .init(#"<?xml version="1.1"?><Response/>"#, [#"line 1, column 20: XML version "1.1" is not supported, only 1.0"#]),
            .init(
                #"<?xml version="1.0" encoding="ISO-8859-1"?><Response/>"#,
                [#"line 1, column 42: encoding "ISO-8859-1" is not supported, only UTF-8"#]),
            .init(#"<?xml version="1.0" standalone="maybe"?><Response/>"#, [#"line 1, column 39: standalone "maybe" must be yes or no"#]),
            .init(#"<?xml version="1.0"><Response/>"#, ["line 1, column 20: expected '?>' to end the XML declaration"]),
            .init("<Response><Dial></Gather></Response>", ["line 1, column 17: end tag </Gather> does not match <Dial>"]),
            .init("<Response>\n  <Dial>\n", ["line 2, column 3: element Dial is never closed"]),
            .init("<Response", ["line 1, column 10: end of input inside the tag Response"]),
            .init("<Response onAnswer=\"https://a", ["line 1, column 30: end of input in the value of the attribute onAnswer"]),
            .init(#"<Response a="1" a="2"/>"#, ["line 1, column 17: duplicate attribute a in Response"]),
            .init(#"<Response a="1"b="2"/>"#, ["line 1, column 16: expected an attribute, '>' or '/>' in the tag Response"]),
            .init(#"<Response a/>"#, ["line 1, column 12: expected '=' after the attribute a"]),
            .init(#"<Response a=1/>"#, ["line 1, column 13: expected a quoted value for the attribute a"]),
            .init(#"<Response a="<"/>"#, ["line 1, column 14: '<' is not allowed in the value of the attribute a"]),
            .init("< Response/>", ["line 1, column 2: expected an element name after '<'"]),
            .init("<Response></ Response>", ["line 1, column 13: expected an element name after '</'"]),
            .init("<Response></Response", ["line 1, column 21: expected '>' to end the tag </Response>"]),
            .init(
                "<Response><Play><Url>https://a.example/?a=1&b=2</Url></Play></Response>",
                ["line 1, column 44: '&' must start an entity or character reference (write &amp; for '&')"]),
            .init("<Response><Play><Url>https://a.example/&nbsp;</Url></Play></Response>", ["line 1, column 40: unknown entity &nbsp;"]),
            .init(
                "<Response><Play><Url>https://a.example/&#0;</Url></Play></Response>", ["line 1, column 40: &#0; is not an XML character"]),
            .init(
                "<Response><Play><Url>https://a.example/&#xD800;</Url></Play></Response>",
                ["line 1, column 40: &#xD800; is not an XML character"]),
            .init(
                "<Response><Play><Url>https://a.example/&#99999999999999999999;</Url></Play></Response>",
                ["line 1, column 40: &#99999999999999999999; is not an XML character"]),
            .init(
                "<Response><Play><Url>https://a.example/&#;</Url></Play></Response>",
                ["line 1, column 40: malformed character reference (expected &#digits; or &#xhex;)"]),
            .init(
                "<Response><Play><Url>https://a.example/&#x41</Url></Play></Response>",
                ["line 1, column 40: malformed character reference (expected &#digits; or &#xhex;)"]),
            .init("<Response>]]></Response>", ["line 1, column 11: ']]>' is not allowed in text"]),
            .init("<Response><!-- a -- b --></Response>", ["line 1, column 18: '--' is not allowed inside a comment"]),
            .init("<Response><!-- a ---></Response>", ["line 1, column 18: '--' is not allowed inside a comment"]),
            .init("<Response><!-- a </Response>", ["line 1, column 11: comment is never closed"]),
            .init("<Response><![CDATA[a</Response>", ["line 1, column 11: CDATA section is never closed"]),
            .init("<Response><!ELEMENT x></Response>", ["line 1, column 11: unexpected markup '<!'"]),
            .init("<Response>\u{1}</Response>", ["line 1, column 11: character U+0001 is not allowed in XML"]),
            .init("<Response a=\"\u{FFFE}\"/>", ["line 1, column 14: character U+FFFE is not allowed in XML"]),
            .init("<Réponse>\n\t<Ça/>\u{B}", ["line 2, column 7: character U+000B is not allowed in XML"]),
            .init("<Response><1/></Response>", ["line 1, column 12: expected an element name after '<'"]),
        ]

        @Test(arguments: cases) func theFirstErrorIsNamedWithItsPlace(_ answer: InvalidAnswer) {
            #expect(SipgateXML.problems(in: answer.xml) == answer.problems)
        }
    }
}

// MARK: - Hostile input

extension SipgateXMLTests {
    @Suite struct HostileInput {
        @Test func nestingIsCutOffAtSixteenLevels() {
            let sixteen = String(repeating: "<Response>", count: 16) + String(repeating: "</Response>", count: 16)
            #expect(SipgateXML.problems(in: sixteen) == ["Response: unexpected element Response"])
            let deep = String(repeating: "<Response>", count: 100_000)
            #expect(SipgateXML.problems(in: deep) == ["line 1, column 161: elements nested deeper than 16"])
        }

        @Test func inputOverOneMebibyteIsRefusedUnread() {
            let xml = "<Response>" + String(repeating: " ", count: SipgateXML.maxInputBytes - 21) + "</Response>"
            #expect(xml.utf8.count == SipgateXML.maxInputBytes)
            #expect(SipgateXML.parse(xml) == .success(.empty))
            let over = xml + " "
            #expect(SipgateXML.problems(in: over) == ["the answer is 1048577 bytes, at most 1048576"])
        }

        @Test func aHugeAttributeIsReportedBriefly() {
            let value = "https://a.example/" + String(repeating: "a", count: 1_000_000)
            let problems = SipgateXML.problems(in: "<Response onAnswer=\"\(value)\" \(String(repeating: "b", count: 10_000))=\"1\"/>")
            #expect(
                problems == [
                    "Response: unknown attribute " + String(repeating: "b", count: 40) + "…",
                    "Response/@onAnswer: \"https://a.example/" + String(repeating: "a", count: 62)
                        + "…\" is not an absolute http(s) URL: longer than 2048 bytes",
                ])
        }

        /// Joining text across comments and finding duplicate attributes must not be quadratic:
        /// either would make these near-1-MiB documents take minutes instead of milliseconds.
        @Test func manyCommentsAndAttributesAreReadInOnePass() {
            let commented =
                "<Response><Play><Url>https://a.example/" + String(repeating: "a<!---->", count: 120_000) + "</Url></Play></Response>"
            #expect(
                SipgateXML.problems(in: commented) == [
                    "Response/Play/Url: \"https://a.example/" + String(repeating: "a", count: 62)
                        + "…\" is not an absolute http(s) URL: longer than 2048 bytes"
                ])
            let attributes = "<Response" + (0..<80_000).map { " a\($0)=''" }.joined() + "/>"
            let problems = SipgateXML.problems(in: attributes)
            #expect(problems.count == SipgateXML.maxProblems + 1)
            #expect(problems.first == "Response: unknown attribute a0")
            #expect(problems.last == "… and 79900 more problems")
            let duplicate = "<Response" + (0..<80_000).map { " a\($0)=''" }.joined() + " a79999=''/>"
            #expect(SipgateXML.problems(in: duplicate).first?.hasSuffix("duplicate attribute a79999 in Response") == true)
        }

        @Test func everyTruncationOfAValidAnswerIsAProblem() throws {
            let catalogue = ResponseCorpus.catalogue(base: try url("https://ivr.example.com/"))
            for name in ["everything", "utf8", "dial-caller-id-anonymous-five-numbers", "escaping-in-text"] {
                let bytes = try #require(catalogue.first { $0.name == name }).response.xmlBytes
                for length in 0..<bytes.count {
                    let prefix = String(decoding: bytes[..<length], as: UTF8.self)
                    let problems = SipgateXML.problems(in: prefix)
                    #expect(!problems.isEmpty, "\(name) cut at \(length)")
                }
            }
        }

        @Test func randomBytesNeverCrashAndAreRefused() {
            var random = SplitMix64(seed: 0x5EED_0F_7A1E)
            let alphabet = Array("<>/=\"'&;#x!-?[]ResponsPlayUrlGatherDialNumbe 1\n\t\u{0}é".utf8)
            for round in 0..<3000 {
                let length = Int(random.next() % 200)
                let bytes: [UInt8] = (0..<length).map { _ in
                    round.isMultiple(of: 2)
                        ? UInt8(truncatingIfNeeded: random.next()) : alphabet[Int(random.next() % UInt64(alphabet.count))]
                }
                let problems = SipgateXML.problems(in: String(decoding: bytes, as: UTF8.self))
                #expect(!problems.isEmpty, "round \(round)")
            }
        }

        @Test func mutatedAnswersNeverCrashAndAgreeWithThemselves() throws {
            var random = SplitMix64(seed: 0xB17_F11B)
            let catalogue = ResponseCorpus.catalogue(base: try url("https://ivr.example.com/"))
            let pieces = Array("<>/=\"'&;# -x0".utf8)
            var refused = 0
            for round in 0..<3000 {
                var bytes = catalogue[Int(random.next() % UInt64(catalogue.count))].response.xmlBytes
                for _ in 0...(random.next() % 3) where !bytes.isEmpty {
                    let at = Int(random.next() % UInt64(bytes.count))
                    switch random.next() % 3 {
                    case 0: bytes[at] = pieces[Int(random.next() % UInt64(pieces.count))]
                    case 1: bytes.remove(at: at)
                    default: bytes.insert(pieces[Int(random.next() % UInt64(pieces.count))], at: at)
                    }
                }
                let xml = String(decoding: bytes, as: UTF8.self)
                switch SipgateXML.parse(xml) {
                case .success(let response):
                    // Whatever is read must render to an answer that reads back as itself.
                    #expect(SipgateXML.parse(response.xml) == .success(response), "round \(round)")
                    #expect(SipgateXML.problems(in: xml).isEmpty)
                case .failure(let error):
                    refused += 1
                    #expect(!error.problems.isEmpty, "round \(round)")
                    #expect(SipgateXML.problems(in: xml) == error.problems)
                }
            }
            #expect(refused > 1500)
        }
    }
}
