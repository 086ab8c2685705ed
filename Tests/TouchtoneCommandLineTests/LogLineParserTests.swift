import Testing

@testable import TouchtoneCommandLine

/// The byte-level parser of JSON log lines: what it reads, what it skips, what it refuses.
@Suite struct LogLineParserTests {
    static let time = #""time":"2026-12-06T14:03:12.345Z""#

    /// A push line with `fields` after time and kind.
    static func push(_ fields: String) -> String {
        #"{\#(time),"kind":"push",\#(fields)}"#
    }

    @Test func readsEveryFieldOfAPushLine() {
        let parser = LogLineParser()
        let line = #"""
            {"time":"2026-12-06T14:03:12.345Z","kind":"push","callId":"a1b2","event":"dtmf","flow":"hotline","version":2,\#
            "state":"mainMenu->support","verb":"gather","digits":"1","note":"…","variant":"entry=mainMenu","started":true,\#
            "edges":[["mainMenu","key 1","support"],["support","next","transfer"]],"waitedMs":4210,"lookupState":"account",\#
            "lookupMs":1234,"ending":"transfer","endingState":"support","status":500,"us":123}
            """#
        #expect(parser.parse(line) == .traffic)
        let parsed = parser.line
        let names = parser.names
        #expect(parsed.kind == .push)
        #expect(parsed.time == LogTime.milliseconds("2026-12-06T14:03:12.345Z"))
        #expect(names.name(parsed.flow) == "hotline" && parsed.version == 2)
        #expect(names.name(parsed.stateBefore) == "mainMenu" && names.name(parsed.stateAfter) == "support")
        #expect(names.name(parsed.variant) == "entry=mainMenu" && parsed.started)
        #expect(parsed.edgeCount == 2)
        #expect([parsed.edge(1).from, parsed.edge(1).via, parsed.edge(1).to].map(names.name) == ["support", "next", "transfer"])
        #expect(parsed.waitedMs == 4210 && parsed.lookupMs == 1234 && names.name(parsed.lookupState) == "account")
        #expect(parsed.ending == NameTable.Known.transfer && names.name(parsed.endingState) == "support")
    }

    @Test func decodesEveryEscape() {
        let parser = LogLineParser()
        let line = Self.push(#""flow":"h\u006ft\"l\\i\/n\te\n\u00e9\ud83d\ude00\ud800x","version":1"#)
        #expect(parser.parse(line) == .traffic)
        #expect(parser.names.name(parser.line.flow) == "hot\"l\\i/n\te\né😀\u{FFFD}x")
        #expect(parser.parse(Self.push(#""flow":"a\qb""#)) == .notUnderstood)
        #expect(parser.parse(Self.push(#""flow":"a\u12g4""#)) == .notUnderstood)
        #expect(parser.parse(Self.push("\"flow\":\"a\u{01}b\"")) == .notUnderstood)  // a raw control character
    }

    @Test func noneIsNoState() {
        let parser = LogLineParser()
        #expect(parser.parse(Self.push(#""flow":"f","state":"none->menu""#)) == .traffic)
        #expect(parser.line.stateBefore == -1 && parser.names.name(parser.line.stateAfter) == "menu")
    }

    @Test(arguments: [
        #""flow":"f","version":"2""#, #""flow":"f","version":2.5"#, #""flow":"f","waitedMs":-1"#, #""flow":"f","waitedMs":"4""#,
        #""flow":"f","lookupMs":1e3"#, #""flow":"f","started":"yes""#, #""flow":"f","edges":[["a","b"]]"#,
        #""flow":"f","edges":[["a","b","c",1]]"#, #""flow":"f","edges":"a""#, #""flow":7"#, #""flow":"f","ending":false"#,
        #""flow":"f","state":"menu""#, #""flow":"f","version":123456789012345678901"#,
    ])
    func wrongTypesAreNotUnderstood(_ fields: String) {
        #expect(LogLineParser().parse(Self.push(fields)) == .notUnderstood)
    }

    @Test func wrongTypesInLinesOfOtherKindsDoNotMatter() {
        #expect(LogLineParser().parse(#"{"time":"2026-12-06T14:00:00.000Z","kind":"server","version":"0.1.0","edges":7}"#) == .other)
    }

    @Test(arguments: [
        #"{"time":"2026-12-06T14:03:12.345Z","kind":"push","flow":"f""#, #"{"time":"2026-12-06T14:03"#, #"{"#, #"{"flow":"#,
        #"{"flow":"f",}"#, #"{"flow" "f"}"#, #"{"flow":"f"} x"#, #"{"a":tru}"#, #"{"a":01}"#, #"{"a":-}"#, #"{"a":1.}"#,
        #"[1,2]"#, #""push""#, "\u{FEFF}{}",
    ])
    func brokenLinesAreNotUnderstood(_ line: String) {
        #expect(LogLineParser().parse(line) == .notUnderstood)
    }

    @Test func aPushWithoutATimeIsNotUnderstood() {
        #expect(LogLineParser().parse(#"{"kind":"push","flow":"f"}"#) == .notUnderstood)
        #expect(LogLineParser().parse(#"{"time":"yesterday","kind":"push","flow":"f"}"#) == .notUnderstood)
    }

    @Test func otherKindsTextLinesAndFlowlessPushesAreOther() {
        let parser = LogLineParser()
        #expect(parser.parse(#"{"time":"2026-12-06T14:00:00.000Z","kind":"server","msg":"listening","port":"3000"}"#) == .other)
        #expect(parser.parse("2026-12-06T14:00:00.000Z push callId=a1 event=dtmf flow=hotline verb=gather us=12") == .other)
        #expect(parser.parse(#"{"time":"2026-12-06T14:00:00.000Z","kind":"push","callId":"x","note":"unknown call"}"#) == .other)
        #expect(parser.parse(#"{"some":"other program"}"#) == .other)
        // Not JSON at all: the server's banner, another program's output.
        #expect(parser.parse("touchtone 0.1.0 listening on http://127.0.0.1:3000") == .other)
        #expect(parser.parse("garbage") == .other)
        #expect(parser.parse("12:00 hello") == .other)
    }

    @Test func blankLinesAndLineEnds() {
        let parser = LogLineParser()
        #expect(parser.parse("") == .blank)
        #expect(parser.parse("  \t\r") == .blank)
        #expect(parser.parse(Self.push(#""flow":"f""#) + "\r") == .traffic)
        #expect(parser.parse("  " + Self.push(#""flow":"f""#) + "  ") == .traffic)
    }

    @Test func unknownFieldsAndNullsAreSkipped() {
        let parser = LogLineParser()
        let line = Self.push(#""extra":{"a":[1,{"b":null}],"c":"}"},"flow":"f","version":null,"more":[true,false,-1.5e-3]"#)
        #expect(parser.parse(line) == .traffic)
        #expect(parser.names.name(parser.line.flow) == "f" && parser.line.version == nil)
    }

    @Test func deepNestingIsRefused() {
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        #expect(LogLineParser().parse(Self.push(#""flow":"f","x":\#(deep)"#)) == .notUnderstood)
        let fine = String(repeating: "[", count: 20) + String(repeating: "]", count: 20)
        #expect(LogLineParser().parse(Self.push(#""flow":"f","x":\#(fine)"#)) == .traffic)
    }

    @Test func hugeLinesAreNotUnderstood() {
        let parser = LogLineParser()
        let note = String(repeating: "x", count: LogLineParser.maxLineBytes)
        #expect(parser.parse(Self.push(#""flow":"f","note":"\#(note)""#)) == .notUnderstood)
        #expect(parser.parse(Self.push(#""flow":"f""#)) == .traffic)
    }

    @Test func theSameNameGetsTheSameNumber() {
        var names = NameTable()
        let a = names.intern("mainMenu")
        for i in 0..<5_000 { _ = names.intern("state\(i)") }  // grows the table several times
        #expect(names.intern("mainMenu") == a)
        #expect(names.name(names.intern("state4321")) == "state4321")
        #expect(names.intern("caller-hangup") == NameTable.Known.callerHangup)
        let labels = ["no input (limit)", "invalid input", "result known", "share short (50%)", "back", "key 1"].map { names.intern($0) }
        #expect(labels.map(names.traits) == [.silence, .wrongKey, .lookupOutcome, .share, .action, []])
    }
}
