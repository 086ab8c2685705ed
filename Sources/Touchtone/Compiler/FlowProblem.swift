/// Problems found while compiling flows; the engine refuses to start with any.
public struct FlowProblems: Error, Sendable, CustomStringConvertible {
    /// Every problem found.
    public var problems: [FlowProblem]
    /// An error listing `problems`.
    public init(_ problems: [FlowProblem]) { self.problems = problems }
    /// The problems, one a line.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// One problem in one flow, naming the state where it is.
public struct FlowProblem: Sendable, Hashable, CustomStringConvertible {
    /// The name of the flow with the problem.
    public var flow: String
    /// The name of the state where it is; `nil` for a problem of the whole flow.
    public var state: String?
    /// What is wrong, in a few words (`key 1 is used more than once`).
    public var message: String
    /// A problem in `flow`, at `state` when it is in one.
    public init(flow: String, state: String? = nil, message: String) {
        self.flow = flow
        self.state = state
        self.message = message
    }
    /// `flow.state: message`, or `flow: message` without a state.
    public var description: String {
        if let state { return "\(flow).\(state): \(message)" }
        return "\(flow): \(message)"
    }
}
