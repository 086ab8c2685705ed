import Testing
import Touchtone

/// A small flow with every kind of state and edge a diagram draws.
enum Kiosk: String, FlowState {
    case entry, menu, pin, identify, known, closed
}

let kioskHours = OpeningHours(zone: "Europe/Berlin") {
    Open(.monday ... .friday, from: "08:00", to: "18:00")
}

let kiosk = Flow("kiosk", version: 1, states: Kiosk.self, start: .entry) {
    Decide(.entry) {
        When(.from(["4915100000666"]), .reject(.busy))
        When(.closed(kioskHours), .go(.closed))
        Otherwise(.go(.menu))
    }
    Menu(.menu, prompt: "main-menu") {
        Key("1", .go(.pin))
        Key("#", .go(.identify))
        Key("9", .voicemail)
        Key("*", .back)
        NoInput(play: "no-input")
        WrongKey(play: "invalid-option")
    }
    .attempts(2, then: .hangup)
    Collect(.pin, into: "pin", digits: 4...4, prompt: "enter-pin", next: .go(.identify))
        .attempts(2, then: .go(.menu))
    Lookup(.identify, outcomes: Known.self, deadline: .seconds(2), fallback: .hangup) { _ in
        .init(.known)
    } then: { _ in
        .go(.known)
    }
    Announce(.known, play: "welcome", then: .transfer(to: "4921199999999"))
    Announce(.closed, play: "after-hours", then: .voicemail)
}

/// The one outcome of the diagram flow's look-up.
enum Known: String, LookupOutcome { case known }

/// States and labels that are Mermaid and DOT syntax when written unescaped.
enum Awkward: String, FlowState {
    case start = "say \"hi\" #1"
    case end = "a|b\\n<br>`x` & {y}"
}

let awkward = Flow("awk\"ward", version: 1, states: Awkward.self, start: .start) {
    Decide(.start) {
        When(.custom("tier == \"gold\" | <vip>") { _ in true }, .go(.end))
        Otherwise(.hangup)
    }
    Announce(.end, play: "welcome", then: .hangup)
}

@Suite struct FlowDiagramTests {
    func compiled<S: FlowState>(_ flow: Flow<S>) throws -> CompiledFlow {
        let (compiled, problems) = flow.compile(in: CompileEnvironment(publicURL: try AbsoluteURL("http://localhost")))
        #expect(problems == [])
        return compiled
    }

    @Test func mermaidShowsEveryStateEdgeAndAction() throws {
        #expect(
            FlowDiagram.mermaid(try compiled(kiosk)) == """
                flowchart TD
                    start((" ")) --> s0
                    s0{"entry"}
                    s1["menu"]
                    s2[/"pin"/]
                    s3[("identify")]
                    s4("known")
                    s5("closed")
                    a0(["reject (busy)"])
                    a1(["voicemail"])
                    a2{{"back"}}
                    a3(["hang up"])
                    a4(["dial 4921199999999"])
                    s0 -->|"when from 4915100000666"| a0
                    s0 -.->|"when closed"| s5
                    s0 -->|"otherwise"| s1
                    s1 -->|"key 1"| s2
                    s1 -->|"key #35;"| s3
                    s1 -->|"key 9"| a1
                    s1 -->|"key *"| a2
                    s1 -->|"no input"| s1
                    s1 -->|"wrong key"| s1
                    s1 -->|"attempts exhausted"| a3
                    s2 -->|"valid input"| s3
                    s2 -->|"invalid input"| s2
                    s2 -->|"no input"| s2
                    s2 -->|"attempts exhausted"| s1
                    s3 -->|"result known"| s4
                    s3 -->|"deadline passed"| a3
                    s3 -->|"look-up failed"| a3
                    s4 -->|"next"| a4
                    s5 -->|"next"| a1

                """)
    }

    @Test func dotShowsTheSameGraph() throws {
        #expect(
            FlowDiagram.dot(try compiled(kiosk)) == """
                digraph "kiosk" {
                    rankdir=TB;
                    start [shape=point];
                    s0 [label="entry", shape=diamond];
                    s1 [label="menu", shape=box];
                    s2 [label="pin", shape=parallelogram];
                    s3 [label="identify", shape=cylinder];
                    s4 [label="known", shape=box, style=rounded];
                    s5 [label="closed", shape=box, style=rounded];
                    a0 [label="reject (busy)", shape=doubleoctagon];
                    a1 [label="voicemail", shape=doubleoctagon];
                    a2 [label="back", shape=hexagon];
                    a3 [label="hang up", shape=doubleoctagon];
                    a4 [label="dial 4921199999999", shape=doubleoctagon];
                    start -> s0;
                    s0 -> a0 [label="when from 4915100000666"];
                    s0 -> s5 [label="when closed", style=dashed];
                    s0 -> s1 [label="otherwise"];
                    s1 -> s2 [label="key 1"];
                    s1 -> s3 [label="key #"];
                    s1 -> a1 [label="key 9"];
                    s1 -> a2 [label="key *"];
                    s1 -> s1 [label="no input"];
                    s1 -> s1 [label="wrong key"];
                    s1 -> a3 [label="attempts exhausted"];
                    s2 -> s3 [label="valid input"];
                    s2 -> s2 [label="invalid input"];
                    s2 -> s2 [label="no input"];
                    s2 -> s1 [label="attempts exhausted"];
                    s3 -> s4 [label="result known"];
                    s3 -> a3 [label="deadline passed"];
                    s3 -> a3 [label="look-up failed"];
                    s4 -> a4 [label="next"];
                    s5 -> a1 [label="next"];
                }

                """)
    }

    @Test func mermaidEscapesEverythingItsParserReads() throws {
        #expect(
            FlowDiagram.mermaid(try compiled(awkward)) == #"""
                flowchart TD
                    start((" ")) --> s0
                    s0{"say #quot;hi#quot; #35;1"}
                    s1("a#124;b#92;n#lt;br#gt;#96;x#96; #amp; {y}")
                    a0(["hang up"])
                    s0 -->|"when tier == #quot;gold#quot; #124; #lt;vip#gt;"| s1
                    s0 -->|"otherwise"| a0
                    s1 -->|"next"| a0

                """#)
    }

    @Test func dotEscapesQuotesAndBackslashes() throws {
        #expect(
            FlowDiagram.dot(try compiled(awkward)) == #"""
                digraph "awk\"ward" {
                    rankdir=TB;
                    start [shape=point];
                    s0 [label="say \"hi\" #1", shape=diamond];
                    s1 [label="a|b\\n<br>`x` & {y}", shape=box, style=rounded];
                    a0 [label="hang up", shape=doubleoctagon];
                    start -> s0;
                    s0 -> s1 [label="when tier == \"gold\" | <vip>"];
                    s0 -> a0 [label="otherwise"];
                    s1 -> a0 [label="next"];
                }

                """#)
    }
}
