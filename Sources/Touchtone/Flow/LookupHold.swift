/// How a ``Lookup`` holds the caller when its work is slow: after a short silence the push
/// that reached the look-up is answered with a hold prompt in a `Gather`, whose timeout
/// brings sipgate back for the result; the look-up's own deadline may then be up to
/// ``HoldTiming/longestDeadline``.
///
/// Made with ``Lookup/holding(after:play:every:keys:)``; see `docs/HOLDING.md`.
public struct LookupHold<S: FlowState>: Sendable {
    /// How long the first push waits, silent, before the hold answer.
    public let after: Duration
    /// The hold prompt (a recording or music), played in the hold `Gather`.
    public let play: Prompts
    /// The hold `Gather`'s timeout: how often sipgate comes back for the result.
    public let every: Duration
    /// The keys that mean something while the caller is held; others are ignored.
    public let keys: [Key<S>]

    /// A hold: silent for `after`, then `play` in a `Gather` of `every`, with `keys`.
    public init(after: Duration, play: Prompts, every: Duration, keys: [Key<S>]) {
        self.after = after
        self.play = play
        self.every = every
        self.keys = keys
    }
}

/// The times of a ``LookupHold``.
public enum HoldTiming {
    /// The silence before the hold answer when none is given.
    public static let standardAfter: Duration = .milliseconds(1500)
    /// How often sipgate comes back while the caller is held, when not given.
    public static let standardEvery: Duration = .seconds(8)
    /// The longest silence before the hold answer or between two pushes: under sipgate's 10 s.
    public static let longestWait: Duration = .seconds(8)
    /// The longest deadline of a look-up that holds the caller.
    public static let longestDeadline: Duration = .seconds(120)
}

/// Builds the keys of a hold from ``Key`` entries; an empty body is a hold without keys.
@resultBuilder
public enum HoldKeysBuilder<S: FlowState>: ListBuilder {
    /// The keys of the hold.
    public typealias Item = Key<S>
    /// Adds a key.
    public static func buildExpression(_ key: Key<S>) -> [Item] { [key] }
    /// A hold without keys.
    public static func buildBlock() -> [Item] { [] }
}

extension Lookup {
    /// The same look-up, holding the caller when its work takes longer than `after`.
    ///
    /// ```swift
    /// Lookup(.identify, outcomes: Account.self, deadline: .seconds(60), fallback: .go(.operatorDesk)) { call in
    ///     try await backend.account(of: call.call.from)
    /// } then: { found in ... }
    /// .holding(after: .milliseconds(1500), play: "please-hold") {
    ///     Key("0", .go(.operatorDesk))
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - after: the silence before the hold answer (more than 0, at most 8 s, less than the deadline).
    ///   - play: the hold prompt or music.
    ///   - every: the hold `Gather`'s timeout (1 s to 8 s): how often sipgate comes back.
    ///   - keys: keys that mean something while held (e.g. 0 to the operator); others are ignored.
    public func holding(
        after: Duration = HoldTiming.standardAfter, play: Prompts, every: Duration = HoldTiming.standardEvery,
        @HoldKeysBuilder<S> keys: () -> [Key<S>] = { [] }
    ) -> Lookup {
        var held = self
        held.definition.hold = LookupHold(after: after, play: play, every: every, keys: keys())
        return held
    }
}
