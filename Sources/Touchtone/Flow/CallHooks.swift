/// Code that runs on call events, for logging or statistics.
public struct CallHooks: Sendable {
    public var onAnswer: [@Sendable (CallEventInfo) async throws -> Void] = []
    public var onHangup: [@Sendable (CallEventInfo) async throws -> Void] = []
    public init() {}
}

/// What a hook learns about the call.
public struct CallEventInfo: Sendable {
    public let callId: CallID
    public let flow: String
    public let state: String
    public let call: CallData
    /// Non-sensitive variables only.
    public let variables: [String: String]
    /// The answering user or number, for `answer`.
    public let answeredBy: String?
    /// Why the call ended, for `hangup`.
    public let cause: HangupCause?
}
