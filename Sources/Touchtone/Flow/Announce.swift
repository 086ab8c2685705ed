/// An announcement: plays and continues, e.g. to a menu, a transfer or a hang-up.
///
/// ```swift
/// Announce(.closed, play: "after-hours", then: .voicemail)
/// ```
public struct Announce<S: FlowState>: Sendable {
    /// The state this announcement defines.
    public let state: S
    /// What the caller hears, played in full before the call moves on.
    public let prompt: Prompts
    /// Where the call goes once the prompt has played.
    public let next: Step<S>
    /// An announcement in `state` that plays `prompt`, then goes to `next`.
    public init(_ state: S, play prompt: Prompts, then next: Step<S>) {
        self.state = state
        self.prompt = prompt
        self.next = next
    }
}
