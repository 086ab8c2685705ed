/// Problems found while compiling flows; the engine refuses to start with any.
public struct FlowProblems: Error, Sendable, CustomStringConvertible {
    public var problems: [FlowProblem]
    public init(_ problems: [FlowProblem]) { self.problems = problems }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// One problem in one flow, naming the state where it is.
public struct FlowProblem: Sendable, Hashable, CustomStringConvertible {
    public var flow: String
    public var state: String?
    public var message: String
    public init(flow: String, state: String? = nil, message: String) {
        self.flow = flow
        self.state = state
        self.message = message
    }
    public var description: String {
        if let state { return "\(flow).\(state): \(message)" }
        return "\(flow): \(message)"
    }
}
