/// How a look-up's work ended.
public enum LookupEnding: Sendable {
    /// The work returned this result.
    case finished(ErasedLookupResult)
    /// The work threw; the reason is logged (its first 120 characters).
    case failed(String)
    /// The work passed its deadline and was cancelled.
    case timedOut
}

extension LookupEnding {
    /// Why a held look-up was given up by an instance that stopped before it ended: the
    /// call keeps it as a failure, so its next push takes the fallback at once.
    public static let stoppedReason = "the instance stopped before the look-up ended"
}
