// What a push body may be, and why one was refused.

/// Bounds on a push body, so that decoding never allocates without limit.
///
/// The defaults are far above anything sipgate sends (a real push is under 1 KiB)
/// and low enough that a hostile body costs next to nothing.
public struct PushLimits: Sendable, Hashable {
    /// The most bytes a body may have; a larger one is refused before it is read.
    /// Bodies over 2 GiB (`Int32.max` bytes) are refused whatever this says.
    public var maxBodyBytes: Int
    /// The most non-empty `key=value` pairs, known keys or not.
    public var maxFields: Int
    /// The most bytes of one value the decoder keeps, counted after unescaping.
    public var maxFieldBytes: Int
    /// The most bytes of `callId` (characters, for the ASCII ids sipgate sends).
    public var maxCallIdLength: Int

    /// Bounds with the given values; the defaults are 16 KiB, 64 fields, 1 KiB per value
    /// and 256 characters of `callId` (sipgate asked clients to allow at least 200).
    public init(maxBodyBytes: Int = 16 * 1024, maxFields: Int = 64, maxFieldBytes: Int = 1024, maxCallIdLength: Int = 256) {
        self.maxBodyBytes = maxBodyBytes
        self.maxFields = maxFields
        self.maxFieldBytes = maxFieldBytes
        self.maxCallIdLength = maxCallIdLength
    }

    /// 16 KiB, 64 fields, 1 KiB per value, 256 characters of `callId`.
    public static let `default` = PushLimits()
}

/// Why a push body was refused: the field and the reason, e.g. `callId: missing`.
///
/// Values from the body appear in `reason` quoted, cut after 40 characters and with
/// control characters escaped, so ``description`` can go into a log line as it is.
public struct PushDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The form key at fault (`callId`, `user[]`), or `body` for the body as a whole.
    public var field: String
    /// What is wrong with it, e.g. `missing`, `bad percent escape`.
    public var reason: String

    /// An error for `field` with `reason`.
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    /// `field: reason`.
    public var description: String { "\(field): \(reason)" }
}
