import FoundationEssentials
import Flows
import Touchtone
import TouchtoneServer

/// `touchtone check`: everything `serve` would refuse, and more, without starting a server.
///
/// Compiles every flow of `Flows.routes` with its prompts, checks every WAV file of the audio
/// folder and every route; prints each problem on its own line, then a summary.
enum CheckCommand {
    static let subcommand = Subcommand(name: "check", summary: "check the flows, their prompts and the routes; exit 1 on problems", run: run)

    static let help = """
        USAGE: touchtone check [--audio DIR]

        Checks what touchtone serve needs: every flow of Flows/ compiles (states, keys,
        transfers, ways out, loops), every prompt a flow plays is in the audio folder as WAV
        8 kHz mono 16-bit PCM with some audio, every other WAV file there plays on sipgate too,
        and every route's numbers are E.164 and reachable. Prints each problem with its flow
        and state, then a summary. Exits 0 when all is well, 1 on problems, 2 on bad usage.

        OPTIONS:
          --audio DIR  folder of the WAV prompts (default Audio)
          -h, --help   show this help

        """

    static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        let parsed: CommandLineScanner.Parsed
        do {
            parsed = try CommandLineScanner(options: [.init("audio"), .init("help", takesValue: false)]).scan(arguments)
        } catch {
            CommandLineTool.printError("touchtone check: \(error.message) (see touchtone check --help)")
            return 2
        }
        if parsed.flags.contains("help") {
            print(help, terminator: "")
            return 0
        }
        if let extra = parsed.positional.first {
            CommandLineTool.printError("touchtone check: unexpected argument \(CommandLineScanner.shown(extra)) (see touchtone check --help)")
            return 2
        }
        let audio = parsed.value("audio") ?? "Audio"
        let report = check(Flows.routes, audioDirectory: audio)
        print(report.text, terminator: "")
        return report.problems.isEmpty ? 0 : 1
    }

    /// The problems found and the text to print (problems, then the summary line).
    struct Report {
        var problems: [String]
        var text: String
    }

    static func check(_ routes: RoutingTable, audioDirectory: String) -> Report {
        let catalog = RecordingCatalog(AudioFolder(path: audioDirectory))
        var problems = Engine.check(routes, environment: CompileEnvironment(publicURL: placeholderURL, prompts: catalog))
            .map(\.description)
        let flows = routes.flows.map { $0.compile(in: CompileEnvironment(publicURL: placeholderURL)).0 }
        problems += routeProblems(routes)
        let files = wavFiles(in: audioDirectory)
        if files == nil {
            problems.append("\(audioDirectory): not a folder that can be read")
        }
        let used = catalog.names
        for file in files ?? [] where !used.contains(String(file.dropLast(4))) {
            if let problem = fileProblem(audioDirectory + "/" + file) { problems.append(problem) }
        }
        let states = flows.reduce(0) { total, flow in
            total + flow.stateNames.indices.filter { flow.kind(of: UInt16($0)) != "undefined" }.count
        }
        let counts = [count(flows.count, "flow"), count(states, "state"), count(routes.routes.count, "route"),
                      count(files?.count ?? 0, "prompt file") + " in \(audioDirectory)"].joined(separator: ", ")
        let summary = problems.isEmpty
            ? "touchtone check: \(counts): no problems"
            : "touchtone check: \(count(problems.count, "problem")) (\(counts))"
        return Report(problems: problems, text: (problems + [summary]).joined(separator: "\n") + "\n")
    }

    /// Numbers a route matches that are not E.164, numbers routed twice, routes after the default.
    static func routeProblems(_ routes: RoutingTable) -> [String] {
        var problems: [String] = []
        if routes.routes.isEmpty { problems.append("routes: the routing table has no routes") }
        var claimed: [String: String] = [:]
        var catchAll: Route?
        for route in routes.routes {
            if let catchAll {
                problems.append("routes: \(route) comes after \(catchAll) and never gets a call")
                continue
            }
            switch route.match {
            case .any:
                catchAll = route
            case .direction:
                break
            case .calledNumber(let numbers):
                for number in numbers.sorted() {
                    if !E164Number.isValid(number) {
                        problems.append("routes: \(route): \(CommandLineScanner.shown(number)) is not an E.164 number (digits, country code first, no leading 0)")
                    }
                    if let earlier = claimed[number] {
                        problems.append("routes: \(route): \(number) is already routed to \(earlier), this route never gets its calls")
                    } else {
                        claimed[number] = route.flow.name
                    }
                }
            }
        }
        return problems
    }

    /// The `.wav` files of `directory`, sorted; `nil` when it cannot be listed.
    static func wavFiles(in directory: String) -> [String]? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        return names.filter { $0.hasSuffix(".wav") }.sorted()
    }

    /// Why sipgate could not play `path`, or `nil`.
    static func fileProblem(_ path: String) -> String? {
        guard let size = fileSize(path) else { return "\(path): cannot be read" }
        if size > AudioFolder.maxFileBytes {
            return "\(path): larger than \(AudioFolder.maxFileBytes) bytes"
        }
        guard let data = FileManager.default.contents(atPath: path) else { return "\(path): cannot be read" }
        do {
            let format = try WAVFormat(bytes: data)
            if !format.isPlayableBySipgate {
                return "\(path): \(format), sipgate plays only PCM mono 16-bit 8000 Hz with some audio"
            }
            return nil
        } catch {
            return "\(path): not a WAV file (\(error))"
        }
    }

    static func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }
}

/// An audio folder that remembers which prompts the compiler asked about.
final class RecordingCatalog: PromptCatalog {
    let folder: AudioFolder
    private let asked = Lock<Set<String>>([])

    init(_ folder: AudioFolder) { self.folder = folder }

    func problem(with prompt: Prompt) -> String? {
        asked.withLock { _ = $0.insert(prompt.name) }
        return folder.problem(with: prompt)
    }

    var names: Set<String> { asked.withLock { $0 } }
}

/// The size of the file at `path` in bytes; `nil` when it cannot be read.
/// (FileManager reports it as `UInt` on Linux and as `Int` elsewhere.)
func fileSize(_ path: String) -> Int? {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
    switch attributes[.size] {
    case let size as Int: return size
    case let size as UInt: return Int(exactly: size)
    case let size as UInt64: return Int(exactly: size)
    case let size as Int64: return Int(exactly: size)
    default: return nil
    }
}
