import Touchtone

/// The share of an A/B `Split` a test call must get.
///
/// ```swift
/// let call = await phone.call(forcing: .share("quickMenu", of: Hotline.menuSplit), hears: .prompts("welcome", "quick-menu"))
/// ```
///
/// The phone picks the call's number (for a split by caller) or its id (by call) so that the
/// split itself gives the call that share: nothing in the engine is bypassed, and the same
/// works over HTTP against a running server.
public struct ForcedShare: Sendable, Hashable {
    /// The split's state name.
    public var split: String
    /// The share's name.
    public var share: String

    /// The share named `share` of the split in `split`.
    public static func share(_ share: String, of split: some FlowState) -> ForcedShare {
        ForcedShare(split: split.rawValue, share: share)
    }

    /// The share named `share` of the split in the state named `split`.
    public init(split: String, share: String) {
        self.split = split
        self.share = share
    }
}
