import Dispatch
import FoundationEssentials
import Flows
import Touchtone
import TouchtoneServer
#if canImport(Glibc)
import Glibc
#endif

/// `touchtone call FLOW`: a call in the terminal against the in-memory engine.
///
/// Shows what the caller hears as the prompts' texts (`Audio/prompts.txt`) and what the call
/// does; each line read from standard input is the keys pressed (empty: silence). Works the
/// same from a pipe, so a call can be scripted: `printf '2\n\n1\n' | touchtone call hotline`.
enum CallCommand {
    static let subcommand = Subcommand(name: "call", summary: "place a call to a flow in the terminal: type keys, hear prompt texts", run: run)

    static let help = """
        USAGE: touchtone call <flow> [--from NUMBER] [--to NUMBER] [--direction in|out]
                              [--at "YYYY-MM-DD HH:MM"] [--xml] [--audio DIR]

        Places a call to the flow in memory, as sipgate would: prints what the caller hears
        (the texts of Audio/prompts.txt, or the prompt names) and what happens (waiting for
        keys, transferring, voicemail, rejected, hung up). Type the keys and press return;
        an empty line is silence (the gather's timeout), "hangup" or end of input hangs up.
        Look-ups run for real. Reads from a pipe as well as from a terminal.

        ARGUMENTS:
          <flow>              the flow's name (flows: \(flowNames(Flows.routes)))

        OPTIONS:
          --from NUMBER       the caller (default \(defaultFrom); "anonymous" for a hidden number)
          --to NUMBER         the number called (default: the first number routed to the flow)
          --direction in|out  in: a call to the account (default); out: a call a user places
          --at TIME           the time of the call in Europe/Berlin, e.g. "2026-12-01 10:00"
                              (default: now); opening hours and holidays see this time
          --xml               also print the sipgate XML of each answer
          --audio DIR         folder with prompts.txt (default Audio)
          -h, --help          show this help

        """

    static let defaultFrom = "4915112345678"
    static let defaultTo = "4921100000"
    static let callId = CallID("touchtone-call")
    /// Longest line read as keys; longer lines are refused, not buffered.
    static let maxKeys = 32

    static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        let options: Options
        do {
            options = try Options.parse(arguments)
        } catch {
            CommandLineTool.printError("touchtone call: \(error.message) (see touchtone call --help)")
            return 2
        }
        if options.help {
            print(help, terminator: "")
            return 0
        }
        guard let definition = flowDefinition(named: options.flow, in: Flows.routes) else {
            CommandLineTool.printError("touchtone call: no flow named \(CommandLineScanner.shown(options.flow)) (flows: \(flowNames(Flows.routes)))")
            return 2
        }
        let clock = ManualClock(options.at ?? Date())
        let hooks = CollectingHookRunner()
        let engine: Engine
        do {
            engine = try Engine(routes: RoutingTable(routes: [Route.default(definition)]), store: InMemorySessionStore(),
                                clock: clock, settings: EngineSettings(publicURL: placeholderURL, hookRunner: hooks))
        } catch {
            CommandLineTool.printError("touchtone call: the flow has problems:")
            for problem in error.problems { CommandLineTool.printError("  \(problem)") }
            return 1
        }
        let to = options.to ?? Flows.routes.routes.lazy.compactMap { route -> String? in
            guard route.flow.name == options.flow, case .calledNumber(let numbers) = route.match else { return nil }
            return numbers.sorted().first
        }.first ?? defaultTo
        var call = TerminalCall(engine: engine, texts: PromptTexts(file: options.audio + "/prompts.txt"), showsXML: options.xml,
                                interactive: isatty(0) == 1)
        let local = Zone.berlin.localTime(at: clock.now())
        call.say("\(options.flow): call from \(options.from) to \(to) (\(options.direction.rawValue)), "
                 + "\(local.weekday) \(local.calendarDay) \(local.timeOfDay) Europe/Berlin")
        call.say("type keys and return; an empty line is silence, hangup hangs up")
        call.run(NewCallEvent(callId: callId, from: options.from, to: to, direction: options.direction))
        runBlocking { await hooks.drain() }
        return 0
    }

    struct Options {
        var flow = ""
        var from = CallCommand.defaultFrom
        var to: String?
        var direction = Direction.incoming
        var at: Date?
        var xml = false
        var audio = "Audio"
        var help = false

        static func parse(_ arguments: [String]) throws(UsageError) -> Options {
            let scanner = CommandLineScanner(options: [
                .init("from"), .init("to"), .init("direction"), .init("at"), .init("audio"),
                .init("xml", takesValue: false), .init("help", takesValue: false),
            ])
            let parsed = try scanner.scan(arguments)
            var options = Options()
            if parsed.flags.contains("help") {
                options.help = true
                return options
            }
            guard let flow = parsed.positional.first else { throw UsageError("which flow? (flows: \(flowNames(Flows.routes)))") }
            if parsed.positional.count > 1 { throw UsageError("unexpected argument \(CommandLineScanner.shown(parsed.positional[1]))") }
            options.flow = flow
            if let from = parsed.value("from") {
                guard from == "anonymous" || E164Number.isValid(from) else {
                    throw UsageError("--from must be an E.164 number or anonymous, not \(CommandLineScanner.shown(from))")
                }
                options.from = from
            }
            if let to = parsed.value("to") {
                guard E164Number.isValid(to) else { throw UsageError("--to must be an E.164 number, not \(CommandLineScanner.shown(to))") }
                options.to = to
            }
            if let direction = parsed.value("direction") {
                guard let value = Direction(rawValue: direction) else {
                    throw UsageError("--direction must be in or out, not \(CommandLineScanner.shown(direction))")
                }
                options.direction = value
            }
            if let at = parsed.value("at") {
                guard let date = berlinDate(at) else {
                    throw UsageError("--at must be a time in Europe/Berlin such as \"2026-12-01 10:00\", not \(CommandLineScanner.shown(at))")
                }
                options.at = date
            }
            options.xml = parsed.flags.contains("xml")
            options.audio = parsed.value("audio") ?? "Audio"
            return options
        }
    }

    /// The instant of `YYYY-MM-DD HH:MM` (or `HH:MM:SS`) in Berlin, DST included.
    static func berlinDate(_ text: String) -> Date? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "T" })
        guard parts.count == 2, let day = try? CalendarDay(parsing: String(parts[0])) else { return nil }
        let clock = parts[1].split(separator: ":", omittingEmptySubsequences: false).map { $0.count == 2 ? Int($0) : nil }
        guard clock.count >= 2, clock.count <= 3, let hour = clock[0], let minute = clock[1], hour < 24, minute < 60 else { return nil }
        let second = clock.count == 3 ? clock[2] : 0
        guard let second, second < 60 else { return nil }
        let local = Double(day.daysSinceEpoch * 86400 + hour * 3600 + minute * 60 + second)
        // Two rounds find the offset in force at that local time.
        var guess = local - Double(Zone.berlin.offset(at: Date(timeIntervalSince1970: local)))
        guess = local - Double(Zone.berlin.offset(at: Date(timeIntervalSince1970: guess)))
        return Date(timeIntervalSince1970: guess)
    }
}

extension Zone {
    /// Europe/Berlin, the zone of `--at` (built in, so it needs no tz database).
    static let berlin: Zone = {
        do { return try Zone("Europe/Berlin") } catch { return Zone.utc }
    }()
}

/// One call between the engine and the terminal.
struct TerminalCall {
    let engine: Engine
    let texts: PromptTexts
    let showsXML: Bool
    /// Standard input is a terminal: print a `> ` prompt, the terminal echoes the keys.
    let interactive: Bool
    var input = LineReader(fd: 0)

    func say(_ line: String) {
        print(line)
        fflush(nil)
    }

    mutating func run(_ start: NewCallEvent) {
        var reply = engine.handle(.newCall(start))
        while true {
            guard let (response, answered) = answer(reply) else { return hangUp() }
            show(response, state: answered.stateAfter)
            guard case .gather = response.final else { return hangUp() }
            let keys: String
            switch readKeys() {
            case .keys(let pressed):
                keys = pressed
            case .hangUp:
                say(interactive ? "  [you hung up]" : "> hangup\n  [you hung up]")
                return hangUp()
            case .endOfInput:
                say(interactive ? "\n  [end of input: you hung up]" : "  [end of input: you hung up]")
                return hangUp()
            }
            reply = engine.handle(.dtmf(DTMFEvent(callId: CallCommand.callId, digits: keys)))
            if !interactive {
                // The record masks the keys of a sensitive collection (a PIN) as ****.
                let shown = record(of: reply)?.digits ?? keys
                say(shown.isEmpty ? "> (silence)" : "> \(shown)")
            }
        }
    }

    enum Input: Equatable {
        case keys(String)
        case hangUp
        case endOfInput
    }

    /// The keys of the next line (`""` for silence), refusing lines that are not keys.
    mutating func readKeys() -> Input {
        while true {
            if interactive {
                print("> ", terminator: "")
                fflush(nil)
            }
            switch input.next(maxBytes: 256) {
            case nil:
                return .endOfInput
            case .tooLong:
                if !interactive { say("> (a line of more than 256 bytes)") }
            case .line(let text):
                let line = trimmed(text)
                if line == "hangup" { return .hangUp }
                if line.utf8.count <= CallCommand.maxKeys, line.utf8.allSatisfy(isKeypadKey) { return .keys(line) }
                if !interactive { say("> " + shown(line)) }
            }
            say("  (not keys: type at most \(CallCommand.maxKeys) of 0-9 * # A-D, an empty line for silence, or hangup)")
        }
    }

    /// `text` without white space (and a `\r` from Windows line ends) at either end.
    func trimmed(_ text: String) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }), let last = text.lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(text[first...last])
    }

    /// A refused line as echoed: at most 40 characters, control characters as `?`.
    func shown(_ line: String) -> String {
        let scalars = line.unicodeScalars.prefix(40).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) }
        return String(scalars) + (line.unicodeScalars.count > 40 ? "..." : "")
    }

    func isKeypadKey(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "*") || byte == UInt8(ascii: "#")
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "D"))
    }

    func record(of reply: EngineReply) -> EventRecord? {
        switch reply {
        case .answer(_, let record), .lookup(_, let record): record
        case .refused: nil
        }
    }

    /// The answer to send, running a look-up when the call reached one.
    func answer(_ reply: EngineReply) -> (Response, EventRecord)? {
        switch reply {
        case .answer(let response, let record):
            return (response, record)
        case .lookup(let pending, _):
            say("  [\(pending.state): looking up, at most \(seconds(pending.deadline))]")
            return runBlocking { await pending.run() }
        case .refused(let error):
            say("  [refused: \(error)]")
            return nil
        }
    }

    func show(_ response: Response, state: String?) {
        var plays = response.plays
        if case .gather(let gather) = response.final, let play = gather.play { plays.append(play) }
        for play in plays { say("< " + texts.text(forURL: play.url.text)) }
        switch response.final {
        case .gather(let gather):
            let keys = gather.maxDigits == 1 ? "1 key" : "up to \(gather.maxDigits) keys"
            say("  [\(state.map { "\($0): " } ?? "")waiting for \(keys), \(seconds(.milliseconds(gather.timeoutMilliseconds)))]")
        case .dial(let dial):
            switch dial.target {
            case .voicemail:
                say("  [voicemail]")
            case .numbers(let numbers):
                var line = "  [transferring to " + numbers.map(\.digits).joined(separator: ", ")
                if let callerId = dial.callerId { line += ", showing \(callerId.digits)" }
                if dial.anonymous == true { line += ", anonymously" }
                say(line + "]")
            }
        case .reject(let reason):
            say("  [rejected: \(reason.rawValue)]")
        case .hangup:
            say("  [hung up]")
        case nil:
            say("  [no answer: the call rings on as without Touchtone]")
        }
        if showsXML { say(response.xml.hasSuffix("\n") ? String(response.xml.dropLast()) : response.xml) }
    }

    /// Ends the call as sipgate would after it, so `onHangup` hooks run.
    func hangUp() {
        _ = engine.handle(.hangup(HangupEvent(callId: CallCommand.callId, cause: .normalClearing)))
    }

    func seconds(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return ms % 1000 == 0 ? "\(ms / 1000) s" : "\(ms) ms"
    }
}

/// The texts of `prompts.txt` (`name|text` lines, `#` comments): what a prompt says.
struct PromptTexts {
    var texts: [String: String] = [:]
    static let maxFileBytes = 1 << 20

    init(file: String) {
        guard let size = fileSize(file), size <= PromptTexts.maxFileBytes,
              let data = FileManager.default.contents(atPath: file) else { return }
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            guard !line.hasPrefix("#"), let bar = line.firstIndex(of: "|") else { continue }
            texts[String(line[..<bar])] = String(line[line.index(after: bar)...])
        }
    }

    /// The text of the prompt at `url` (`.../audio/NAME.wav`, or the pieces of a composed
    /// prompt one after the other), or its name where there is no text.
    func text(forURL url: String) -> String {
        ComposedPrompt.promptNames(inURL: url).map { texts[$0] ?? $0 }.joined(separator: " ")
    }
}

/// Lines from a file descriptor, bounded: a line longer than the limit is skipped, not kept.
struct LineReader {
    enum Line: Equatable {
        case line(String)
        case tooLong
    }

    let fd: Int32
    private var buffer: [UInt8] = []
    private var atEnd = false

    init(fd: Int32) { self.fd = fd }

    /// The next line without its newline; `nil` at the end of input.
    mutating func next(maxBytes: Int) -> Line? {
        var tooLong = false
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[..<newline]
                buffer.removeSubrange(...newline)
                return tooLong || line.count > maxBytes ? .tooLong : .line(String(decoding: line, as: UTF8.self))
            }
            if buffer.count > maxBytes {
                tooLong = true
                buffer.removeAll(keepingCapacity: true)
            }
            if atEnd {
                guard !buffer.isEmpty || tooLong else { return nil }
                defer { buffer.removeAll() }
                return tooLong ? .tooLong : .line(String(decoding: buffer, as: UTF8.self))
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 {
                atEnd = true
            } else {
                buffer += chunk[..<count]
            }
        }
    }
}

/// Waits on this (non-async) thread for async work, such as a look-up.
func runBlocking<T: Sendable>(_ work: @escaping @Sendable () async -> T) -> T {
    let result = Lock<T?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let value = await work()
        result.withLock { $0 = value }
        done.signal()
    }
    done.wait()
    guard let value = result.withLock({ $0 }) else { fatalError("the task signalled without a result") }
    return value
}
