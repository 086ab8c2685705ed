/// Named values a call collected (digits) or a look-up set, in insertion order.
///
/// Sensitive values (PINs) are kept for the flow to use but never written to logs,
/// transcripts or the state file.
public struct Variables: Sendable, Hashable, Codable {
    /// One named value and whether it must stay out of logs and the state file.
    public struct Entry: Sendable, Hashable, Codable {
        /// The name the flow stores and reads the value under, unique within a call.
        public var name: String
        /// The value, as text (the digits the caller pressed, or what a look-up set).
        public var value: String
        /// Whether the value is secret (a PIN): used by the flow, never logged or saved.
        public var sensitive: Bool
    }

    /// Every value, in the order the names were first set.
    public private(set) var entries: [Entry] = []

    /// No values.
    public init() {}

    /// The value stored under `name`, or nil when there is none.
    public subscript(name: String) -> String? {
        entries.first { $0.name == name }?.value
    }

    /// Whether the value under `name` is marked sensitive; false when there is none.
    public func isSensitive(_ name: String) -> Bool {
        entries.first { $0.name == name }?.sensitive ?? false
    }

    /// Stores `value` under `name`, replacing an earlier value in its place or adding it at the end.
    public mutating func set(_ name: String, to value: String, sensitive: Bool = false) {
        if let i = entries.firstIndex(where: { $0.name == name }) {
            entries[i] = Entry(name: name, value: value, sensitive: sensitive)
        } else {
            entries.append(Entry(name: name, value: value, sensitive: sensitive))
        }
    }

    /// Removes the value under `name`, if there is one.
    public mutating func remove(_ name: String) {
        entries.removeAll { $0.name == name }
    }

    /// Whether no value is stored.
    public var isEmpty: Bool { entries.isEmpty }

    /// Decodes the values from their list of entries.
    public init(from decoder: any Decoder) throws {
        entries = try decoder.singleValueContainer().decode([Entry].self)
    }

    /// Sensitive entries are left out: a PIN never reaches the disk.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(entries.filter { !$0.sensitive })
    }
}

extension Variables.Entry: FieldDescribed {
    static let blank = Variables.Entry(name: "", value: "", sensitive: false)

    static func describeFields<Visitor: FieldVisitor<Variables.Entry>>(to visitor: inout Visitor) throws(Visitor.Failure) {
        try visitor.field("name", \.name)
        try visitor.field("sensitive", \.sensitive)
        try visitor.field("value", \.value)
    }

    /// Decodes the fields `describeFields(to:)` lists.
    public init(from decoder: any Decoder) throws { try self.init(fieldsFrom: decoder) }

    /// Encodes the fields `describeFields(to:)` lists.
    public func encode(to encoder: any Encoder) throws { try encodeFields(to: encoder) }
}
