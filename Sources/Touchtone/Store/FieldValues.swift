import FoundationEssentials

// How each kind of value a session holds is written on a state-file line and read back:
// once per type, whatever field holds it.

extension FieldValue where Self: FieldDescribed {
    func writeJSON(to line: inout JSONLineWriter) throws(UnwritableValue) { try line.object(self) }
    static func readJSON(from line: inout JSONLineReader) -> Self? { line.object() }
}

/// Enums saved as their raw value, as their synthesized `Codable` conformance saves them.
extension FieldValue where Self: RawRepresentable, RawValue: FieldValue {
    func writeJSON(to line: inout JSONLineWriter) throws(UnwritableValue) { try rawValue.writeJSON(to: &line) }
    static func readJSON(from line: inout JSONLineReader) -> Self? { RawValue.readJSON(from: &line).flatMap(Self.init) }
}

extension FieldValue where Self: FixedWidthInteger {
    func writeJSON(to line: inout JSONLineWriter) {
        if Self.isSigned { line.integer(Int(self)) } else { line.integer(UInt(self)) }
    }
    static func readJSON(from line: inout JSONLineReader) -> Self? { line.integer() }
}

extension Int: FieldValue {}
extension UInt8: FieldValue {}
extension UInt16: FieldValue {}
extension UInt32: FieldValue {}

extension Bool: FieldValue {
    func writeJSON(to line: inout JSONLineWriter) { line.literal(self ? "true" : "false") }
    static func readJSON(from line: inout JSONLineReader) -> Bool? { line.bool() }
}

extension String: FieldValue {
    func writeJSON(to line: inout JSONLineWriter) { line.string(self) }
    static func readJSON(from line: inout JSONLineReader) -> String? { line.string() }
}

/// In seconds since 1970, as `JSONEncoder`'s `.secondsSince1970` writes them.
extension Date: FieldValue {
    func writeJSON(to line: inout JSONLineWriter) throws(UnwritableValue) { try line.number(timeIntervalSince1970) }
    static func readJSON(from line: inout JSONLineReader) -> Date? { line.number().map(Date.init(timeIntervalSince1970:)) }
}

extension Array: FieldValue where Element: FieldValue {
    func writeJSON(to line: inout JSONLineWriter) throws(UnwritableValue) { try line.array(self) }
    static func readJSON(from line: inout JSONLineReader) -> [Element]? { line.array(Element.readJSON) }
}

extension CallID: FieldValue {
    /// A packed id is hex digits, written straight from its packed form.
    func writeJSON(to line: inout JSONLineWriter) {
        switch storage {
        case .packed: line.unescapedString { appendUTF8(to: &$0) }
        case .string(let text): line.string(text)
        }
    }

    static func readJSON(from line: inout JSONLineReader) -> CallID? {
        line.string { bytes in
            // ASCII is valid UTF-8 as it stands: packed straight from the line.
            bytes.allSatisfy { $0 < 0x80 } ? CallID(validUTF8: bytes) : String(checkingUTF8: bytes).map { CallID($0) }
        }
    }
}

extension Direction: FieldValue {}
extension Session.Phase: FieldValue {}

extension MenuTrail: FieldValue {
    /// Written from the packed states, oldest first, without an array of them.
    func writeJSON(to line: inout JSONLineWriter) throws(UnwritableValue) {
        try line.array((0..<count).lazy.map(state(at:)))
    }

    static func readJSON(from line: inout JSONLineReader) -> MenuTrail? { [UInt16].readJSON(from: &line).map(MenuTrail.init) }
}

extension Variables: FieldValue {
    /// Sensitive entries are left out, as `encode(to:)` leaves them out.
    func writeJSON(to line: inout JSONLineWriter) throws(UnwritableValue) {
        try line.array(entries.lazy.filter { !$0.sensitive })
    }

    static func readJSON(from line: inout JSONLineReader) -> Variables? {
        guard let entries = [Entry].readJSON(from: &line) else { return nil }
        var variables = Variables()
        for entry in entries {
            // `set` would merge a repeated name; decoding keeps both.
            guard variables[entry.name] == nil else { return nil }
            variables.set(entry.name, to: entry.value, sensitive: entry.sensitive)
        }
        return variables
    }
}

extension Variables.Entry: FieldValue {}
extension CallData: FieldValue {}

/// A kept answer, as the base64 of its compact binary form (``ResponseCoding``).
extension Response: FieldValue {
    func writeJSON(to line: inout JSONLineWriter) { line.string(base64) }

    static func readJSON(from line: inout JSONLineReader) -> Response? { line.string().flatMap(Response.init(base64:)) }

    /// Decodes a kept answer from the base64 of its compact binary form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let response = Response(base64: try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a kept answer")
        }
        self = response
    }

    /// Encodes the answer as the base64 of its compact binary form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(base64)
    }

    private var base64: String {
        var bytes = [UInt8]()
        ResponseCoding().append(self, to: &bytes)
        return Base64.encode(bytes)
    }

    private init?(base64 text: String) {
        guard let bytes = try? Base64.decode(text, maxEncodedLength: 64 * 1024) else { return nil }
        var reader = CompactReader(bytes)
        guard let response = ResponseCoding().read(from: &reader), reader.isAtEnd else { return nil }
        self = response
    }
}
