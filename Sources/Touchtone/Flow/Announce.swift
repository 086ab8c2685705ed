/// An announcement: plays and continues, e.g. to a menu, a transfer or a hang-up.
///
/// ```swift
/// Announce(.closed, play: "after-hours", then: .voicemail)
/// ```
public struct Announce<S: FlowState>: Sendable {
    public let state: S
    public let prompt: Prompts
    public let next: Step<S>
    public init(_ state: S, play prompt: Prompts, then next: Step<S>) {
        self.state = state
        self.prompt = prompt
        self.next = next
    }
}
