/// Code that runs on call events, for logging or statistics.
public struct CallHooks: Sendable {
    /// Run, in order, when a call is answered (see ``Flow/onAnswer(_:)``).
    public var onAnswer: [@Sendable (CallEventInfo) async throws -> Void] = []
    /// Run, in order, when a call ends (see ``Flow/onHangup(_:)``).
    public var onHangup: [@Sendable (CallEventInfo) async throws -> Void] = []
    /// Empty hooks: nothing runs on answer or hang-up.
    public init() {}
}

/// What a hook learns about the call.
public struct CallEventInfo: Sendable {
    /// The call's id, as sipgate gave it.
    public let callId: CallID
    /// The name of the call's flow.
    public let flow: String
    /// The name of the state the call was in.
    public let state: String
    /// The numbers, users, direction and diversion of the call, from its `newCall`.
    public let call: CallData
    /// Non-sensitive variables only.
    public let variables: [String: String]
    /// The answering user or number, for `answer`.
    public let answeredBy: String?
    /// Why the call ended, for `hangup`.
    public let cause: HangupCause?
}
