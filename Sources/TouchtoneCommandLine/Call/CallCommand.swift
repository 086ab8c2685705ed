import FoundationEssentials
import Touchtone

/// `touchtone call FLOW`: a call in the terminal against the in-memory engine.
///
/// Shows what the caller hears as the prompts' texts (`Audio/prompts.txt`) and what the call
/// does; each line read from standard input is the keys pressed (empty: silence). Works the
/// same from a pipe, so a call can be scripted: `printf '2\n\n1\n' | touchtone call hotline`.
enum CallCommand: TableCommand {
    static let name = "call"
    static let summary = "place a call to a flow in the terminal: type keys, hear prompt texts"
    static var table: OptionTable<CallOptions> { CallOptions.table }

    /// The number called when no route names one for the flow.
    static let defaultTo = "4921100000"
    static let callId = CallID("touchtone-call")
    /// Longest line read as keys; longer lines are refused, not buffered.
    static let maxKeys = 32

    static func helpFooter(routes: RoutingTable) -> String? { flowsFooter(routes) }

    static func run(_ parsed: ParsedArguments<CallOptions>, _ invocation: Invocation) throws(UsageError) -> Int32 {
        let options = parsed.options
        let definition = try invocation.routes.flow(namedIn: parsed.arguments)
        let clock = ManualClock(options.at ?? Date())
        let hooks = CollectingHookRunner()
        let engine: Engine
        do {
            // Every call goes to the flow; the table's other flows stay served for its hand-offs.
            let others = invocation.routes.routes.filter { $0.flow.name != definition.name }
            engine = try Engine(
                routes: RoutingTable(routes: [Route.default(definition)] + others), store: InMemorySessionStore(),
                clock: clock, settings: EngineSettings(publicURL: placeholderURL, hookRunner: hooks))
        } catch {
            invocation.streams.printError("\(invocation.program) call: the flow has problems:")
            for problem in error.problems { invocation.streams.printError("  \(problem)") }
            return 1
        }
        let to = options.to ?? firstNumber(routedTo: definition.name, in: invocation.routes) ?? defaultTo
        var call = TerminalCall(
            engine: engine, texts: PromptTexts(folder: options.audioDirectory), showsXML: options.xml,
            streams: invocation.streams, input: LineReader(fd: invocation.streams.input))
        let from = options.from ?? options.language.flatMap(Language.exampleCaller(speaking:)) ?? "4915112345678"
        let local = Zone.berlin.localTime(at: clock.now())
        call.say(
            "\(definition.name): call from \(from) to \(to) (\(options.direction.rawValue)), "
                + "\(local.weekday) \(local.calendarDay) \(local.timeOfDay) Europe/Berlin")
        call.say("type keys and return; an empty line is silence, hangup hangs up")
        call.run(NewCallEvent(callId: callId, from: from, to: to, direction: options.direction))
        runBlocking { await hooks.drain() }
        return 0
    }

    /// The lowest number a route sends to the flow called `name`, the first such route's.
    static func firstNumber(routedTo name: String, in routes: RoutingTable) -> String? {
        routes.routes.lazy.compactMap { route -> String? in
            guard route.flow.name == name, case .calledNumber(let numbers) = route.match else { return nil }
            return numbers.sorted().first
        }.first
    }
}
