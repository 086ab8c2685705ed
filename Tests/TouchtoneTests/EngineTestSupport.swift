import FoundationEssentials
import Testing

@testable import Touchtone

let testBase = "https://ivr.example.com"

/// Builds an engine over `routes` with a manual clock and an in-memory store.
func makeEngine(
    _ routes: RoutingTable, clock: ManualClock = ManualClock(), store: InMemorySessionStore = InMemorySessionStore(),
    hooks: any HookRunner = DetachedHookRunner()
) throws -> Engine {
    try Engine(
        routes: routes, store: store, clock: clock,
        settings: EngineSettings(publicURL: try AbsoluteURL(testBase), hookRunner: hooks))
}

func newCall(
    _ callId: CallID = "call-1", from: String = "4915111111111", to: String = "4921100000",
    direction: Direction = .incoming, users: [String] = ["Alice"]
) -> WebhookEvent {
    .newCall(NewCallEvent(callId: callId, from: from, to: to, direction: direction, users: users))
}

func dtmf(_ digits: String, _ callId: CallID = "call-1") -> WebhookEvent {
    .dtmf(DTMFEvent(callId: callId, digits: digits))
}

/// The answer of an event that must be answered at once.
func answerOf(_ engine: Engine, _ event: WebhookEvent, sourceLocation: SourceLocation = #_sourceLocation) -> (Response, EventRecord) {
    switch engine.handle(event) {
    case .answer(let answer, let record): return (answer.response, record)
    case .lookup(_, let record):
        Issue.record("expected an answer, got a look-up (\(record))", sourceLocation: sourceLocation)
    case .refused(let error):
        Issue.record("expected an answer, got refused: \(error)", sourceLocation: sourceLocation)
    }
    return (.empty, EventRecord())
}

/// What the caller hears, as prompt names.
func heard(_ answer: PushAnswer) -> [String] { heard(answer.response) }

/// What the caller hears, as prompt names: `welcome, main-menu`.
func heard(_ response: Response) -> [String] {
    var plays = response.plays
    if case .gather(let gather) = response.final, let play = gather.play { plays.append(play) }
    return plays.flatMap { ComposedPrompt.promptNames(inURL: $0.url.text) }
}

func audio(_ name: String) -> String { "\(testBase)/audio/\(name).wav" }

/// A prompt catalog that knows a fixed set of good prompts.
struct FakePrompts: PromptCatalog {
    var good: Set<String>
    var badFormat: Set<String> = []
    func problem(with prompt: Prompt) -> String? {
        if badFormat.contains(prompt.name) { return "prompt \(prompt.name): is PCM, stereo, 16-bit, 44100 Hz" }
        return good.contains(prompt.name) ? nil : "prompt \(prompt.name): Audio/\(prompt.name).wav is missing"
    }
}
