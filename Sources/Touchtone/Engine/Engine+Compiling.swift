extension Engine {
    /// Checks what an engine of `routes` would check at start, without building one: every
    /// flow, routed and kept, compiles, no version is served twice, flow names do not share
    /// an id, and the default menu-changed announcement plays if it is recorded. An empty
    /// list means all is well.
    public static func check(_ routes: RoutingTable, environment: CompileEnvironment) -> [FlowProblem] {
        let problems = compileAll(routes, environment: environment).problems
        let announcement = menuChangedAnnouncement(EngineSettings.defaultMenuChangedPrompt, environment: environment)
        return problems + (announcement.problem.map { [$0] } ?? [])
    }

    /// The flows of `routes` compiled, routed ones first, then the versions kept for calls in
    /// progress; the name of each by its ``FlowID``; and every problem found on the way.
    static func compileAll(_ routes: RoutingTable, environment: CompileEnvironment)
        -> (flows: [CompiledFlow], flowNames: [UInt32: String], problems: [FlowProblem])
    {
        var problems: [FlowProblem] = []
        var flows: [CompiledFlow] = []
        for definition in routes.flows + routes.kept {
            let (compiled, found) = definition.compile(in: environment)
            problems += found
            if flows.contains(where: { $0.name == compiled.name && $0.version == compiled.version }) {
                problems.append(
                    FlowProblem(
                        flow: compiled.name, message: "version \(compiled.version) is served twice: a kept version must be an earlier one"))
            }
            flows.append(compiled)
        }
        if routes.routes.isEmpty { problems.append(FlowProblem(flow: "routes", message: "the routing table has no routes")) }
        problems += handOffProblems(flows, routed: Set(routes.routes.map(\.flow.name)))
        var flowNames: [UInt32: String] = [:]
        for flow in flows {
            let id = FlowID.of(flow.name)
            if let other = flowNames[id], other != flow.name {
                problems.append(
                    FlowProblem(flow: flow.name, message: "its name and \(other)'s share a flow id in the session store: rename one"))
            }
            flowNames[id] = flow.name
        }
        return (flows, flowNames, problems)
    }

    /// What plays before a flow starts again (``MenuChangedPrompt``), and the problem when
    /// the prompt is required but missing, or recorded but not playable. Without a prompt
    /// catalog nothing is checked and the prompt is played.
    static func menuChangedAnnouncement(_ choice: MenuChangedPrompt, environment: CompileEnvironment)
        -> (play: Play?, problem: FlowProblem?)
    {
        let prompt: Prompt
        switch choice {
        case .none:
            return (nil, nil)
        case .ifRecorded(let optional):
            if let catalog = environment.prompts, !catalog.isRecorded(optional) { return (nil, nil) }
            prompt = optional
        case .always(let required):
            prompt = required
        }
        let play = (try? environment.promptURL(prompt)).map(Play.init)
        guard let problem = environment.prompts?.problem(with: prompt) else { return (play, nil) }
        return (play, FlowProblem(flow: "settings", message: "the menu-changed prompt: \(problem) (or set menuChangedPrompt to .none)"))
    }
}
