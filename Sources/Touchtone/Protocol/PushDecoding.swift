// PLACEHOLDER: replaced by the real decoder (form decoding + event decoding).

/// Bounds on a push body, so that decoding never allocates without limit.
public struct PushLimits: Sendable, Hashable {
    public var maxBodyBytes: Int
    public var maxFields: Int
    public var maxFieldBytes: Int
    public var maxCallIdLength: Int

    public init(maxBodyBytes: Int = 16 * 1024, maxFields: Int = 64, maxFieldBytes: Int = 1024, maxCallIdLength: Int = 256) {
        self.maxBodyBytes = maxBodyBytes
        self.maxFields = maxFields
        self.maxFieldBytes = maxFieldBytes
        self.maxCallIdLength = maxCallIdLength
    }

    public static let `default` = PushLimits()
}

/// Why a push body was refused: the field and the reason, e.g. `callId: missing`.
public struct PushDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var reason: String
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }
    public var description: String { "\(field): \(reason)" }
}

extension WebhookEvent {
    public static func decode(_ body: some Collection<UInt8>, limits: PushLimits = .default) throws(PushDecodingError) -> WebhookEvent {
        throw PushDecodingError(field: "body", reason: "not implemented")
    }
}
