import FoundationEssentials

/// What a `dtmf` push does to a call that a slow look-up holds (``LookupHold``), decided
/// from what the session stores and the push alone, so that any instance decides the same.
///
/// In order: a hold key with a meaning wins (the caller chose to stop waiting); then the
/// look-up's ending, when the session has it; then the deadline; else the caller is held again.
enum HoldDecision {
    /// A hold key: the call leaves the look-up for its target.
    case key(String, Target)
    /// The look-up ended (its result, or its failure) and was stored: answer with it.
    case ended(LookupEnding)
    /// No ending yet and the look-up's deadline passed: the fallback.
    case deadlinePassed
    /// No ending yet, deadline ahead: the hold answer again; `ignored` keys were pressed.
    case holdAgain(ignored: String?)

    /// The decision for a push bringing `digits` (empty: the hold `Gather` timed out) at
    /// `now`, to a call held by `hold` until `deadline`, with the look-up's stored `ending`.
    static func at(digits: String, ending: LookupEnding?, deadline: Date, now: Date, hold: HoldNode) -> HoldDecision {
        if !digits.isEmpty, let target = hold.target(of: digits) { return .key(digits, target) }
        if let ending { return .ended(ending) }
        if now >= deadline { return .deadlinePassed }
        return .holdAgain(ignored: digits.isEmpty ? nil : digits)
    }
}
