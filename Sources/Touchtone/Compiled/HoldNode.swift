/// A compiled ``LookupHold``: when to hold, the hold answer's `Gather`, and its keys.
final class HoldNode: Sendable {
    /// The silence before the first hold answer.
    let after: Duration
    /// The hold prompt, and its `Gather` prepared when the prompt is fixed.
    let turn: KeyWait.Turn
    /// The hold `Gather`'s `maxDigits`: the longest hold key (1 without keys).
    let maxDigits: Int
    /// The hold `Gather`'s timeout, in milliseconds.
    let timeoutMilliseconds: Int
    /// The keys with a meaning while held, and where each leads.
    let keys: [(keys: String, target: Target)]

    init(after: Duration, turn: KeyWait.Turn, maxDigits: Int, timeoutMilliseconds: Int, keys: [(keys: String, target: Target)]) {
        self.after = after
        self.turn = turn
        self.maxDigits = maxDigits
        self.timeoutMilliseconds = timeoutMilliseconds
        self.keys = keys
    }

    /// Where the keys `digits` lead while held; nil for keys without a meaning (ignored).
    func target(of digits: String) -> Target? {
        keys.first { $0.keys == digits }?.target
    }
}
