import Testing
import Touchtone

/// The Mermaid diagram with traffic: notes after edge and state labels, marked states, and
/// the plain diagram unchanged.
@Suite struct FlowDiagramTrafficTests {
    func compiledKiosk() throws -> CompiledFlow {
        let (compiled, problems) = kiosk.compile(in: CompileEnvironment(publicURL: try AbsoluteURL("http://localhost")))
        #expect(problems == [])
        return compiled
    }

    @Test func emptyTrafficDrawsThePlainDiagram() throws {
        let flow = try compiledKiosk()
        #expect(FlowDiagram.mermaid(flow, traffic: FlowDiagram.Traffic()) == FlowDiagram.mermaid(flow))
    }

    @Test func notesFollowLabelsAndMarkedStatesGetAClass() throws {
        let flow = try compiledKiosk()
        // Edge 3 is the menu's `key 1` (see FlowDiagramTests), state 1 the menu.
        #expect(flow.edges[3].label == .key("1") && flow.stateName(1) == "menu")
        let traffic = FlowDiagram.Traffic(edgeNotes: [3: "120 (34%)"], stateNotes: [1: "⚠ 23% hang up"], marked: [1, 2])
        let lines = FlowDiagram.mermaid(flow, traffic: traffic).split(separator: "\n").map(String.init)
        #expect(lines.contains(#"    s1["menu ⚠ 23% hang up"]"#))
        #expect(lines.contains(#"    s1 -->|"key 1 · 120 (34%)"| s2"#))
        #expect(lines.contains(#"    s1 -->|"key #35;"| s3"#))
        #expect(
            lines.suffix(2) == ["    classDef marked fill:#fdecea,stroke:#c62828,stroke-width:2px,color:#000", "    class s1,s2 marked"])
    }

    @Test func notesAreEscapedLikeLabels() throws {
        let flow = try compiledKiosk()
        let traffic = FlowDiagram.Traffic(edgeNotes: [0: "\"|<b>#"], stateNotes: [0: "a\nb"])
        let text = FlowDiagram.mermaid(flow, traffic: traffic)
        #expect(text.contains(#"s0 -->|"when from 4915100000666 · #quot;#124;#lt;b#gt;#35;"| a0"#))
        #expect(text.contains(#"s0{"entry a b"}"#))
        #expect(!text.contains("classDef"))
    }
}
