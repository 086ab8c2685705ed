import Testing
import Touchtone

@testable import TouchtoneCommandLine
@testable import TouchtoneTesting

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `touchtone graph FLOW --traffic LOG`: the diagram with a log's calls.
@Suite struct GraphTrafficTests {
    func run(_ arguments: [String]) -> (status: Int32, out: String, err: String) {
        let streams = CollectedStreams()
        let status = TouchtoneCommand.run(arguments, environment: [:], routes: reportRoutes, streams: streams.streams)
        return (status, streams.output, streams.errors)
    }

    @Test func mermaidWithTheCallsOfTheFlow() {
        let path = ReportLogs.file(ReportLogs.sevenCalls)
        defer { unlink(path) }
        let result = run(["graph", "desk", "--traffic", path])
        #expect(result.status == 0 && result.err == "touchtone graph: 1 line(s) not understood, skipped (first: \(path):20)\n")
        #expect(result.out.contains(#"    s1 -->|"key 1 · 2 (40%)"| s2"#))
        #expect(result.out.contains(#"    s2 -->|"deadline passed · 1 (50%)"| a0"#))
        // Without --traffic, the plain diagram.
        #expect(run(["graph", "desk"]).out == FlowDiagram.mermaid(desk.compile(in: CompileEnvironment(publicURL: placeholderURL)).0))
    }

    @Test func svgOfOneFlow() throws {
        let path = ReportLogs.file(ReportLogs.sevenCalls)
        defer { unlink(path) }
        let result = run(["graph", "desk", "--traffic", path, "--format", "svg"])
        #expect(result.status == 0)
        let texts = ReportCommandTests.texts(of: try MiniXML.parse(result.out).get())
        #expect(texts.contains("desk version 2") && !texts.contains("reference version 1"))
        #expect(texts.contains("identify") && texts.contains("caller-hangup"))
    }

    @Test func anotherVersionIsMatchedByName() {
        let path = ReportLogs.file(ReportLogs.sevenCalls.replacing(#""version":2"#, with: #""version":3"#))
        defer { unlink(path) }
        let result = run(["graph", "desk", "--traffic", path])
        #expect(result.out.contains(#"    s1 -->|"key 1 · 2 (40%)"| s2"#))
        #expect(result.err.contains("touchtone graph: the log has no calls of desk version 2; edges show those of desk version 3"))
    }

    @Test func usageErrors() {
        #expect(
            run(["graph", "desk", "--format", "svg"]) == (
                2, "", "touchtone graph: --format svg needs --traffic LOG (see touchtone graph --help)\n"
            ))
        #expect(
            run(["graph", "desk", "--format", "dot", "--traffic", "x.log"])
                == (2, "", "touchtone graph: --traffic draws mermaid or svg, not dot (see touchtone graph --help)\n"))
        #expect(
            run(["graph", "desk", "--traffic", "/nonexistent/x.log"]) == (
                1, "", "touchtone graph: cannot read '/nonexistent/x.log': No such file or directory\n"
            ))
    }
}
