import Flows
import Foundation
import Testing
import Touchtone

/// The `touchtone` command line, run as a user runs it: the built binary, from the package
/// root, with its standard input, output, error and exit status.
enum ToolBinary {
    /// The package root (where `Audio/` is), from this file's place in `Tests/FlowsTests/`.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The `touchtone` built beside these tests (same configuration), else `.build/debug/touchtone`.
    static let path: String? = {
        var candidates: [String] = []
        if let testBinary = CommandLine.arguments.first, testBinary.contains("/") {
            candidates.append(URL(fileURLWithPath: testBinary).deletingLastPathComponent().appendingPathComponent("touchtone").path)
        }
        candidates.append(packageRoot + "/.build/debug/touchtone")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    struct Run: Equatable, CustomStringConvertible {
        var status: Int32
        var output: String
        var errors: String
        var description: String { "status \(status)\n--- stdout\n\(output)--- stderr\n\(errors)" }
    }

    /// Runs `touchtone arguments...` with `input` on standard input.
    static func run(_ arguments: [String], input: String = "") throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(path))
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        // Not `waitUntilExit()`: on Linux it can miss the exit and wait for ever (it polls a
        // run loop); the termination handler is called from Foundation's own queue.
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        exited.wait()
        return Run(
            status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
            errors: String(decoding: errors, as: UTF8.self))
    }
}

@Suite(.enabled(if: ToolBinary.path != nil, "no touchtone binary in .build: run `swift build` first"))
struct ToolTests {
    // MARK: check

    @Test func checkOfTheShippedFlowsIsClean() throws {
        let audio = ToolBinary.packageRoot + "/Audio"
        let prompts = try ["", "/de", "/en"].flatMap {
            try FileManager.default.contentsOfDirectory(atPath: audio + $0).filter { $0.hasSuffix(".wav") }
        }
        let states = Hotline.allCases.count + AccountLineState.allCases.count + OutgoingGuardState.allCases.count
        #expect(
            try ToolBinary.run(["check"])
                == .init(
                    status: 0,
                    output: """
                        touchtone check: 3 flows, \(states) states, 4 routes, \(prompts.count) prompt files in Audio: no problems

                        """, errors: ""))
    }

    @Test func checkListsEveryMissingPromptAndBadFileAndFails() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("touchtone-check-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: folder + "/stray.wav"))
        let run = try ToolBinary.run(["check", "--audio", folder])
        #expect(run.status == 1)
        #expect(run.errors == "")
        let lines = run.output.split(separator: "\n").map(String.init)
        // Every prompt of every flow is reported missing, each with flow and state; the stray file is not a WAV.
        for expected in [
            "hotline.welcome: prompt welcome: \(folder)/welcome.wav is missing",
            "hotline.holiday: prompt holiday: \(folder)/holiday.wav is missing",
            "account-line.pin: prompt enter-pin: \(folder)/en/enter-pin.wav is missing",
            "account-line.pin: prompt enter-pin: \(folder)/de/enter-pin.wav is missing",
            "outgoing-guard.premiumRate: prompt number-blocked: \(folder)/number-blocked.wav is missing",
            "\(folder)/stray.wav: not a WAV file (not a RIFF/WAVE file)",
        ] {
            #expect(lines.contains(expected), "missing line: \(expected)\n\(run.output)")
        }
        let states = Hotline.allCases.count + AccountLineState.allCases.count + OutgoingGuardState.allCases.count
        #expect(
            lines.last == "touchtone check: \(lines.count - 1) problems (3 flows, \(states) states, 4 routes, 1 prompt file in \(folder))")
    }

    @Test func checkOfAFolderThatIsNotThereSaysSo() throws {
        let run = try ToolBinary.run(["check", "--audio", "/nonexistent/touchtone-audio"])
        #expect(run.status == 1)
        let lines = run.output.split(separator: "\n").map(String.init)
        let states = Hotline.allCases.count + AccountLineState.allCases.count + OutgoingGuardState.allCases.count
        #expect(
            lines.suffix(2) == [
                "/nonexistent/touchtone-audio: not a folder that can be read",
                "touchtone check: \(lines.count - 1) problems (3 flows, \(states) states, 4 routes, 0 prompt files in /nonexistent/touchtone-audio)",
            ], "\(run)")
    }

    @Test func checkRefusesArgumentsItDoesNotKnow() throws {
        #expect(
            try ToolBinary.run(["check", "hotline"])
                == .init(
                    status: 2, output: "",
                    errors: """
                        touchtone check: unexpected argument 'hotline' (see touchtone check --help)

                        """))
        #expect(
            try ToolBinary.run(["check", "--audio"])
                == .init(
                    status: 2, output: "",
                    errors: """
                        touchtone check: --audio needs a value (see touchtone check --help)

                        """))
    }

    // MARK: graph

    @Test func graphOfTheHotlineInMermaid() throws {
        #expect(
            try ToolBinary.run(["graph", "hotline"])
                == .init(
                    status: 0,
                    output: """
                        flowchart TD
                            start((" ")) --> s12
                            s0{"entry"}
                            s1("welcome")
                            s2[/"menuSplit"\\]
                            s3["mainMenu"]
                            s4["quickMenu"]
                            s5["supportMenu"]
                            s6("sales")
                            s7("technical")
                            s8("orders")
                            s9("operatorDesk")
                            s10("afterHours")
                            s11("holiday")
                            s12{"chooseLanguage"}
                            a0(["reject (busy)"])
                            a1(["hand off to account-line"])
                            a2{{"back"}}
                            a3(["dial 4915799912345, 4915799912346"])
                            a4(["dial 4915799912347, 4915799912348, 4915799912349"])
                            a5(["dial 4915799912350"])
                            a6(["dial 4921199999999"])
                            a7(["voicemail"])
                            s0 -->|"when from 4915100000666, 4930999999999"| a0
                            s0 -.->|"when holiday"| s11
                            s0 -.->|"when closed"| s10
                            s0 -->|"otherwise"| s1
                            s1 -->|"next"| s2
                            s2 -->|"share mainMenu (50%)"| s3
                            s2 -->|"share quickMenu (50%)"| s4
                            s3 -->|"key 1"| s6
                            s3 -->|"key 2"| s5
                            s3 -->|"key 3"| a1
                            s3 -->|"key 0"| s9
                            s3 -->|"key 8, language de"| s2
                            s3 -->|"key 9, language en"| s2
                            s3 -->|"no input"| s3
                            s3 -->|"wrong key"| s3
                            s3 -->|"attempts exhausted"| s9
                            s4 -->|"key 1"| s6
                            s4 -->|"key 2"| s5
                            s4 -->|"key 0"| s9
                            s4 -->|"key 8, language de"| s2
                            s4 -->|"key 9, language en"| s2
                            s4 -->|"no input"| s4
                            s4 -->|"wrong key"| s4
                            s4 -->|"attempts exhausted"| s9
                            s5 -->|"key 1"| s7
                            s5 -->|"key 2"| s8
                            s5 -->|"key 8"| a2
                            s5 -->|"key 9"| s2
                            s5 -->|"no input"| s5
                            s5 -->|"wrong key"| s5
                            s5 -->|"attempts exhausted"| s9
                            s6 -->|"next"| a3
                            s7 -->|"next"| a4
                            s8 -->|"next"| a5
                            s9 -->|"next"| a6
                            s10 -->|"next"| a7
                            s11 -->|"next"| a7
                            s12 -->|"when from 49*, language de"| s0
                            s12 -->|"otherwise, language en"| s0

                        """, errors: ""))
    }

    @Test func graphInDotStartsAsGraphvizExpects() throws {
        let run = try ToolBinary.run(["graph", "hotline", "--format", "dot"])
        #expect(run.status == 0)
        #expect(
            run.output.hasPrefix(
                """
                digraph "hotline" {
                    rankdir=TB;
                    start [shape=point];
                    s0 [label="entry", shape=diamond];

                """), "\(run)")
        #expect(run.output.contains("    s0 -> s10 [label=\"when closed\", style=dashed];\n"), "\(run)")
        #expect(run.output.hasSuffix("    s12 -> s0 [label=\"otherwise, language en\"];\n}\n"), "\(run)")
    }

    @Test func graphOfAnUnknownFlowNamesTheFlowsThereAre() throws {
        #expect(
            try ToolBinary.run(["graph", "hotlin"])
                == .init(
                    status: 2, output: "",
                    errors: """
                        touchtone graph: no flow named 'hotlin' (flows: outgoing-guard, hotline, account-line)

                        """))
        #expect(
            try ToolBinary.run(["graph"])
                == .init(
                    status: 2, output: "",
                    errors: """
                        touchtone graph: which flow? (flows: outgoing-guard, hotline, account-line)

                        """))
        #expect(
            try ToolBinary.run(["graph", "hotline", "--format", "png"])
                == .init(
                    status: 2, output: "",
                    errors: """
                        touchtone graph: --format must be mermaid, dot or svg, not 'png' (see touchtone graph --help)

                        """))
        #expect(
            try ToolBinary.run(["graph", "hotline", "--format", "svg"])
                == .init(
                    status: 2, output: "",
                    errors: """
                        touchtone graph: --format svg needs --traffic LOG (see touchtone graph --help)

                        """))
    }

    // MARK: call

    // The default caller, 4915112345678, gets the quick menu of the hotline's A/B split.
    @Test func aScriptedCallThroughAPipe() throws {
        #expect(
            try ToolBinary.run(["call", "hotline", "--at", "2026-12-01 10:00"], input: "2\n\n1\n")
                == .init(
                    status: 0,
                    output: """
                        hotline: call from 4915112345678 to 4921100000 (in), Tue 2026-12-01 10:00 Europe/Berlin
                        type keys and return; an empty line is silence, hangup hangs up
                        < Willkommen bei der Touchtone Support-Hotline.
                        < Drücken Sie die 1 für den Vertrieb, die 2 für den Support oder die 0 für die Vermittlung. For English, press 9.
                          [quickMenu: waiting for 1 key, 5 s]
                        > 2
                        < Bei technischen Problemen drücken Sie die 1. Für Bestellungen und Lieferungen die 2. Zurück mit der 8. Zum Hauptmenü mit der 9.
                          [supportMenu: waiting for 1 key, 5 s]
                        > (silence)
                        < Entschuldigung, wir haben keine Taste gehört.
                        < Technik 1, Bestellungen 2, zurück 8, Hauptmenü 9.
                          [supportMenu: waiting for 1 key, 5 s]
                        > 1
                        < Bitte bleiben Sie dran, wir verbinden Sie.
                          [transferring to 4915799912347, 4915799912348, 4915799912349]

                        """, errors: ""))
    }

    @Test func aCallOnAHolidayWithItsXML() throws {
        #expect(
            try ToolBinary.run(["call", "hotline", "--at", "2026-12-25 10:00", "--xml", "--from", "4930123456"])
                == .init(
                    status: 0,
                    output: """
                        hotline: call from 4930123456 to 4921100000 (in), Fri 2026-12-25 10:00 Europe/Berlin
                        type keys and return; an empty line is silence, hangup hangs up
                        < Heute ist ein Feiertag und wir sind nicht erreichbar. Bitte hinterlassen Sie eine Nachricht nach dem Ton.
                          [voicemail]
                        <?xml version="1.0" encoding="UTF-8"?>
                        <Response onAnswer="http://127.0.0.1:3000?f=hotline&amp;t=0" onHangup="http://127.0.0.1:3000?f=hotline&amp;t=0"><Play><Url>http://127.0.0.1:3000/audio/de/holiday.wav</Url></Play><Dial><Voicemail/></Dial></Response>

                        """, errors: ""))
    }

    @Test func aBlockedCallerIsRejected() throws {
        #expect(
            try ToolBinary.run(["call", "hotline", "--from", "4915100000666", "--at", "2026-12-01 10:00"]).output.hasSuffix(
                """
                type keys and return; an empty line is silence, hangup hangs up
                  [rejected: busy]

                """))
    }

    @Test func linesThatAreNotKeysAreRefusedAndHangupEndsTheCall() throws {
        let long = String(repeating: "1", count: 300)
        #expect(
            try ToolBinary.run(["call", "hotline", "--at", "2026-12-01 10:00"], input: "x\u{1B}[2J\n\(long)\n hangup \n1\n")
                == .init(
                    status: 0,
                    output: """
                        hotline: call from 4915112345678 to 4921100000 (in), Tue 2026-12-01 10:00 Europe/Berlin
                        type keys and return; an empty line is silence, hangup hangs up
                        < Willkommen bei der Touchtone Support-Hotline.
                        < Drücken Sie die 1 für den Vertrieb, die 2 für den Support oder die 0 für die Vermittlung. For English, press 9.
                          [quickMenu: waiting for 1 key, 5 s]
                        > x\\u{001B}[2J
                          (not keys: type at most 32 of 0-9 * # A-D, an empty line for silence, or hangup)
                        > (a line of more than 256 bytes)
                          (not keys: type at most 32 of 0-9 * # A-D, an empty line for silence, or hangup)
                        > hangup
                          [you hung up]

                        """, errors: ""))
    }

    @Test func endOfInputHangsUp() throws {
        #expect(
            try ToolBinary.run(["call", "hotline", "--at", "2026-12-01 10:00"], input: "2")
                == .init(
                    status: 0,
                    output: """
                        hotline: call from 4915112345678 to 4921100000 (in), Tue 2026-12-01 10:00 Europe/Berlin
                        type keys and return; an empty line is silence, hangup hangs up
                        < Willkommen bei der Touchtone Support-Hotline.
                        < Drücken Sie die 1 für den Vertrieb, die 2 für den Support oder die 0 für die Vermittlung. For English, press 9.
                          [quickMenu: waiting for 1 key, 5 s]
                        > 2
                        < Bei technischen Problemen drücken Sie die 1. Für Bestellungen und Lieferungen die 2. Zurück mit der 8. Zum Hauptmenü mit der 9.
                          [supportMenu: waiting for 1 key, 5 s]
                          [end of input: you hung up]

                        """, errors: ""))
    }

    @Test func callRefusesBadOptions() throws {
        #expect(
            try ToolBinary.run(["call", "shop"])
                == .init(
                    status: 2, output: "",
                    errors: """
                        touchtone call: no flow named 'shop' (flows: outgoing-guard, hotline, account-line)

                        """))
        #expect(
            try ToolBinary.run(["call", "hotline", "--at", "2026-02-30 10:00"])
                == .init(
                    status: 2, output: "",
                    errors: """
                        touchtone call: --at must be a time in Europe/Berlin such as "2026-12-01 10:00", not '2026-02-30 10:00' (see touchtone call --help)

                        """))
        #expect(
            try ToolBinary.run(["call", "hotline", "--direction", "sideways"])
                == .init(
                    status: 2, output: "",
                    errors: """
                        touchtone call: --direction must be in or out, not 'sideways' (see touchtone call --help)

                        """))
        #expect(
            try ToolBinary.run(["call", "hotline", "--to", "0211"])
                == .init(
                    status: 2, output: "",
                    errors: """
                        touchtone call: --to must be an E.164 number, not '0211' (see touchtone call --help)

                        """))
    }

    @Test func everyToolHasHelp() throws {
        for command in ["check", "graph", "call", "report"] {
            let run = try ToolBinary.run([command, "--help"])
            #expect(run.status == 0 && run.errors.isEmpty && run.output.hasPrefix("USAGE: touchtone \(command)"), "\(run)")
        }
        let overview = try ToolBinary.run(["--help"])
        for line in [
            "  check   check the flows, their prompts and the routes; exit 1 on problems",
            "  graph   print a flow as a diagram (Mermaid or Graphviz DOT)",
            "  call    place a call to a flow in the terminal: type keys, hear prompt texts",
            "  report  summarize the JSON log per flow: endings, states, drop-offs, look-ups, A/B variants",
        ] {
            #expect(overview.output.contains(line + "\n"), "\(overview)")
        }
    }
}
