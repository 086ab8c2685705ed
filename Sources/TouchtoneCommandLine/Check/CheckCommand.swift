import FoundationEssentials
import Touchtone

/// `touchtone check`: everything `serve` would refuse, and more, without starting a server.
///
/// Compiles every flow of the routing table with its prompts, checks every WAV file of the
/// audio folder and every route; prints each problem on its own line, then a summary.
enum CheckCommand: TableCommand {
    static let name = "check"
    static let summary = "check the flows, their prompts and the routes; exit 1 on problems"
    static var table: OptionTable<CheckOptions> { CheckOptions.table }

    static func run(_ parsed: ParsedArguments<CheckOptions>, _ invocation: Invocation) -> Int32 {
        let report = check(invocation.routes, audioDirectory: parsed.options.audioDirectory, program: invocation.program)
        invocation.streams.output(report.text)
        return report.problems.isEmpty ? 0 : 1
    }

    /// The problems found and the text to print (problems, then the summary line).
    struct Report {
        var problems: [String]
        var text: String
    }

    static func check(_ routes: RoutingTable, audioDirectory: String, program: String = "touchtone") -> Report {
        let catalog = RecordingCatalog(AudioFolder(path: audioDirectory))
        var problems = Engine.check(routes, environment: CompileEnvironment(publicURL: placeholderURL, prompts: catalog))
            .map(\.description)
        let flows = routes.flows.map { $0.compile(in: CompileEnvironment(publicURL: placeholderURL)).0 }
        problems += routeProblems(routes)
        let files = wavFiles(in: audioDirectory).map { $0 + languageFiles(in: audioDirectory) }
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
        let counts = [
            count(flows.count, "flow"), count(states, "state"), count(routes.routes.count, "route"),
            count(files?.count ?? 0, "prompt file") + " in \(audioDirectory)",
        ].joined(separator: ", ")
        let summary =
            problems.isEmpty
            ? "\(program) check: \(counts): no problems"
            : "\(program) check: \(count(problems.count, "problem")) (\(counts))"
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
                        problems.append(
                            "routes: \(route): \(UsageError.quoted(number)) is not an E.164 number (digits, country code first, no leading 0)"
                        )
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

    /// The `.wav` files of each language's folder (`de/welcome.wav`), sorted.
    static func languageFiles(in directory: String) -> [String] {
        let folders = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter(Language.isValid).sorted()
        return folders.flatMap { code in (wavFiles(in: directory + "/" + code) ?? []).map { code + "/" + $0 } }
    }

    /// Why sipgate could not play `path`, or `nil`.
    static func fileProblem(_ path: String) -> String? {
        let data: [UInt8]
        switch SmallFile(path: path, maxBytes: AudioFolder.maxFileBytes) {
        case .bytes(let bytes): data = bytes
        case .tooLarge: return "\(path): larger than \(AudioFolder.maxFileBytes) bytes"
        case .unreadable: return "\(path): cannot be read"
        }
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
    /// `de/` for a language's prompts, which are remembered as `de/NAME`.
    let prefix: String
    /// The catalog of the whole folder, which remembers for its languages' catalogs too.
    private let root: RecordingCatalog?
    private let asked = Lock<Set<String>>([])

    init(_ folder: AudioFolder, prefix: String = "", root: RecordingCatalog? = nil) {
        self.folder = folder
        self.prefix = prefix
        self.root = root
    }

    func problem(with prompt: Prompt) -> String? {
        (root ?? self).asked.withLock { _ = $0.insert(prefix + prompt.name) }
        return folder.problem(with: prompt)
    }

    func inLanguage(_ code: String) -> any PromptCatalog {
        RecordingCatalog(AudioFolder(path: folder.path + "/" + code), prefix: prefix + code + "/", root: root ?? self)
    }

    var names: Set<String> { asked.withLock { $0 } }
}
