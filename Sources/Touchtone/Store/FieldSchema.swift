// One description of a stored type's fields, from which its `Codable` conformance, its
// mirror and its state-file line are derived (the line in `JSONLineWriter.swift` and
// `JSONLineReader.swift`).
//
// The description is a generic function rather than an array of field values: each use
// (writing a line, reading one, encoding, decoding, mirroring) gets its own specialised
// copy of it. In the line's writer and reader, whose visitor methods are inlined, every
// key path is then a literal the optimiser turns into a plain property access. An array
// of type-erased fields would cost a dynamic call, a key path walk and a boxed value per
// field, per session, and a million sessions are saved at shutdown.

/// A type whose stored fields are described once, in ``describeFields(to:)``.
///
/// Its `Codable` conformance (``encodeFields(to:)``, ``init(fieldsFrom:)``), its mirror
/// (``fieldMirror``) and its JSON on a state-file line are all derived from that
/// description, so a field cannot be saved but not restored, or restored but not shown.
protocol FieldDescribed {
    /// A value that decoding overwrites field by field. Never handed out: decoding either
    /// sets every field (optional ones to nil when absent) or fails.
    static var blank: Self { get }

    /// Calls `visitor` once per field, in the order of their JSON keys (sorted, as
    /// `JSONEncoder` with `.sortedKeys` writes them, for the state file's lines).
    static func describeFields<Visitor: FieldVisitor<Self>>(to visitor: inout Visitor) throws(Visitor.Failure)
}

/// What one use of a field description does with each field.
protocol FieldVisitor<Root> {
    associatedtype Root
    associatedtype Failure: Error

    /// A field that is always present, under `key`.
    mutating func field<Value: FieldValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value>) throws(Failure)

    /// A field left out when nil (as `encodeIfPresent` leaves it out).
    mutating func optionalField<Value: FieldValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value?>) throws(Failure)

    /// A field always written, and read as `absent` from a line written before the field
    /// existed.
    mutating func field<Value: FieldValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value>, absent: Value) throws(Failure)
}

extension FieldVisitor {
    /// Writers and the mirror treat a field with a value for its absence like any other.
    mutating func field<Value: FieldValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value>, absent: Value) throws(Failure) {
        try field(key, path)
    }
}

/// A value a described field may hold: `Codable` (for `JSONEncoder` and `JSONDecoder`),
/// and written and read by hand on a state-file line exactly as `JSONEncoder` writes it
/// (with `.sortedKeys`, `.withoutEscapingSlashes` and `.secondsSince1970`).
protocol FieldValue: Codable {
    /// Appends the value's JSON.
    /// - Throws: ``UnwritableValue`` for a value JSON cannot hold (a date that is not finite).
    func writeJSON(to line: inout JSONLineWriter) throws(UnwritableValue)

    /// The value whose JSON starts at the reader's position, read as ``writeJSON(to:)``
    /// writes it; nil for anything else (which `JSONDecoder` then reads, or refuses).
    static func readJSON(from line: inout JSONLineReader) -> Self?
}

/// A value without a JSON form, such as a date that is not finite.
struct UnwritableValue: Error {}

/// A described field's JSON key.
struct FieldKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ key: StaticString) { stringValue = key.description }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

// MARK: Derived Codable and mirror

extension FieldDescribed {
    /// `encode(to:)` of `Encodable`, field by field.
    func encodeFields(to encoder: any Encoder) throws {
        var encoding = FieldEncoding(root: self, container: encoder.container(keyedBy: FieldKey.self))
        try Self.describeFields(to: &encoding)
    }

    /// `init(from:)` of `Decodable`, field by field.
    init(fieldsFrom decoder: any Decoder) throws {
        var decoding = FieldDecoding(root: Self.blank, container: try decoder.container(keyedBy: FieldKey.self))
        try Self.describeFields(to: &decoding)
        self = decoding.root
    }

    /// The value's mirror: its fields under their keys, as a struct.
    var fieldMirror: Mirror {
        var mirroring = FieldMirroring(root: self)
        Self.describeFields(to: &mirroring)
        return Mirror(self, children: mirroring.children, displayStyle: .struct)
    }
}

private struct FieldEncoding<Root>: FieldVisitor {
    typealias Failure = any Error
    let root: Root
    var container: KeyedEncodingContainer<FieldKey>

    mutating func field<Value: FieldValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value>) throws(any Error) {
        try container.encode(root[keyPath: path], forKey: FieldKey(key))
    }

    mutating func optionalField<Value: FieldValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value?>) throws(any Error) {
        try container.encodeIfPresent(root[keyPath: path], forKey: FieldKey(key))
    }
}

private struct FieldDecoding<Root>: FieldVisitor {
    typealias Failure = any Error
    var root: Root
    let container: KeyedDecodingContainer<FieldKey>

    mutating func field<Value: FieldValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value>) throws(any Error) {
        root[keyPath: path] = try container.decode(Value.self, forKey: FieldKey(key))
    }

    mutating func optionalField<Value: FieldValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value?>) throws(any Error) {
        root[keyPath: path] = try container.decodeIfPresent(Value.self, forKey: FieldKey(key))
    }

    mutating func field<Value: FieldValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value>, absent: Value) throws(any Error) {
        root[keyPath: path] = try container.decodeIfPresent(Value.self, forKey: FieldKey(key)) ?? absent
    }
}

private struct FieldMirroring<Root>: FieldVisitor {
    typealias Failure = Never
    let root: Root
    var children: [Mirror.Child] = []

    mutating func field<Value: FieldValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value>) {
        children.append((key.description, root[keyPath: path]))
    }

    mutating func optionalField<Value: FieldValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value?>) {
        children.append((key.description, root[keyPath: path] as Any))
    }
}
