/// How a look-up's work ended.
public enum LookupEnding: Sendable {
    /// The work returned this result.
    case finished(ErasedLookupResult)
    /// The work threw; the reason is logged (its first 120 characters).
    case failed(String)
    /// The work passed its deadline and was cancelled.
    case timedOut
}
