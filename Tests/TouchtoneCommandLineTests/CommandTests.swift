import Dispatch
import Testing
import Touchtone

@testable import TouchtoneCommandLine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The four commands run in process on the reference flow: what each writes, and its status.
@Suite struct CommandTests {
    /// Runs `touchtone arguments...` for the reference flow with `input` on standard input.
    func run(_ arguments: [String], input: String = "") throws -> (status: Int32, out: String, err: String) {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let bytes = Array(input.utf8)
        try #require(bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) } == bytes.count)
        close(fds[1])
        let streams = CollectedStreams()
        let status = TouchtoneCommand.run(
            arguments, environment: ["TOUCHTONE_PORT": "x"], routes: ReferenceFlow.routes,
            streams: streams.streams(input: fds[0]))
        return (status, streams.output, streams.errors)
    }

    /// ``run(_:input:)`` on a thread of its own: `touchtone call` waits (blocking its thread)
    /// for work on Swift's pool, which a test's own pool thread must not hold up.
    func runOffThePool(_ arguments: [String], input: String = "") async throws -> (status: Int32, out: String, err: String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue(label: "command-test").async {
                continuation.resume(with: Result { try run(arguments, input: input) })
            }
        }
    }

    @Test func callReadsKeysFromItsInput() async throws {
        // No prompts.txt in that folder: the caller hears the prompts' names.
        let result = try await runOffThePool(
            ["call", "reference", "--at", "2026-12-01 10:00", "--to", "4930123456", "--audio", "/nonexistent/touchtone-audio"],
            input: "9\n1\n")
        #expect(result.err == "")
        #expect(result.status == 0)
        #expect(
            result.out == """
                reference: call from 4915112345678 to 4930123456 (in), Tue 2026-12-01 10:00 Europe/Berlin
                type keys and return; an empty line is silence, hangup hangs up
                < welcome
                  [menu: waiting for 1 key, 5 s]
                > 9
                < welcome
                  [menu: waiting for 1 key, 5 s]
                > 1
                  [transferring to 4915799912345]

                """)
    }

    @Test func graphDrawsTheFlowOfTheTableItIsGiven() throws {
        let result = try run(["graph", "reference", "--format=dot"])
        #expect(result.status == 0 && result.err == "")
        #expect(result.out.hasPrefix("digraph \"reference\" {\n"))
        #expect(try run(["graph", "hotline"]) == (2, "", "touchtone graph: no flow named 'hotline' (flows: reference)\n"))
        #expect(
            try run(["graph", "reference", "extra"])
                == (2, "", "touchtone graph: unexpected argument 'extra' (see touchtone graph --help)\n"))
    }

    @Test func helpOfEachCommandIsItsTableWithTheFlowsAfter() throws {
        #expect(try run(["graph", "--help"]) == (0, GraphCommand.table.help(footer: "FLOWS: reference"), ""))
        #expect(try run(["call", "-h"]) == (0, CallCommand.table.help(footer: "FLOWS: reference"), ""))
        #expect(try run(["check", "--help"]) == (0, CheckCommand.table.help(), ""))
        #expect(try run(["serve", "--help"]) == (0, ServeOptions.table.help(), ""))
    }

    @Test func onlyServeReadsTheEnvironment() throws {
        // TOUCHTONE_PORT=x is set for every run: serve refuses it, the others never look.
        #expect(
            try run(["serve"]) == (
                2, "",
                """
                touchtone serve: TOUCHTONE_PORT must be a whole number from 0 to 65535, not 'x' (see touchtone serve --help)

                """
            ))
        #expect(try run(["graph", "reference"]).status == 0)
    }

    @Test func checkFindsTheReferenceFlowsPromptMissingElsewhere() throws {
        let result = try run(["check", "--audio", "/nonexistent/touchtone-audio"])
        #expect(result.status == 1)
        #expect(
            result.out.hasPrefix("reference.menu: prompt welcome: /nonexistent/touchtone-audio/welcome.wav is missing\n"), "\(result.out)")
    }
}
