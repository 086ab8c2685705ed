/// Writes state-file lines: JSON exactly as `JSONEncoder` with `.sortedKeys`,
/// `.withoutEscapingSlashes` and `.secondsSince1970` writes it, by hand, because
/// `JSONEncoder` takes about 25 µs per session, too slow for a million at shutdown.
///
/// Objects are written from their ``FieldDescribed`` description, whose order is the
/// sorted order of their keys; a test holds the two writers to the same bytes.
struct JSONLineWriter {
    /// What has been written.
    var bytes: [UInt8] = []

    mutating func literal(_ text: StaticString) { bytes.appendLiteral(text) }

    mutating func integer(_ value: Int) { bytes.appendDecimal(value) }

    mutating func integer(_ value: UInt) { bytes.appendDecimal(value) }

    /// Whole numbers without a fraction, as `JSONEncoder` writes them.
    mutating func number(_ value: Double) throws(UnwritableValue) {
        guard value.isFinite else { throw UnwritableValue() }
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
            integer(Int(value))
        } else {
            value.write(to: &self)
        }
    }

    /// A JSON string: quoted, control characters escaped, `/` as it is.
    mutating func string(_ text: String) { bytes.appendJSONString(text) }

    /// A JSON string of bytes known to need no escape (hex digits, say).
    mutating func unescapedString(_ write: (inout [UInt8]) -> Void) {
        bytes.append(UInt8(ascii: "\""))
        write(&bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A JSON array of `elements`.
    mutating func array<Elements: Sequence>(_ elements: Elements) throws(UnwritableValue) where Elements.Element: FieldValue {
        bytes.append(UInt8(ascii: "["))
        var first = true
        for element in elements {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            try element.writeJSON(to: &self)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A JSON object of `value`'s described fields, in the description's order.
    mutating func object<Root: FieldDescribed>(_ value: Root) throws(UnwritableValue) {
        // The visitor reads the value where it lies (a copy would retain every string in
        // it) and borrows these bytes while it writes, giving them back even when a field
        // cannot be written.
        try withUnsafePointer(to: value) { root throws(UnwritableValue) in
            var writing = ObjectWriting(root: root)
            swap(&writing.line, &self)
            defer { swap(&writing.line, &self) }
            try Root.describeFields(to: &writing)
            if writing.separator == UInt8(ascii: "{") { writing.line.bytes.append(UInt8(ascii: "{")) }
            writing.line.bytes.append(UInt8(ascii: "}"))
        }
    }

    /// `{"key":` for an object's first field, `,"key":` for the others.
    @inline(__always)
    fileprivate mutating func key(_ key: StaticString, after separator: UInt8) {
        bytes.append(separator)
        bytes.append(UInt8(ascii: "\""))
        bytes.appendLiteral(key)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }
}

/// Writes one object's fields, each under its key.
private struct ObjectWriting<Root>: FieldVisitor {
    typealias Failure = UnwritableValue
    let root: UnsafePointer<Root>
    var line = JSONLineWriter()
    /// `{` before the first field written, `,` after it.
    var separator = UInt8(ascii: "{")

    init(root: UnsafePointer<Root>) { self.root = root }

    @inline(__always)
    mutating func field<Value: FieldValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value>) throws(UnwritableValue) {
        try write(root.pointee[keyPath: path], under: key)
    }

    @inline(__always)
    mutating func optionalField<Value: FieldValue>(
        _ key: StaticString, _ path: WritableKeyPath<Root, Value?>
    ) throws(UnwritableValue) {
        guard let value = root.pointee[keyPath: path] else { return }
        try write(value, under: key)
    }

    private mutating func write<Value: FieldValue>(_ value: Value, under key: StaticString) throws(UnwritableValue) {
        line.key(key, after: separator)
        separator = UInt8(ascii: ",")
        try value.writeJSON(to: &line)
    }
}

/// A double writes its digits here (`Double.write(to:)`) without a `String` in between:
/// its shortest form, the same as its `description`.
extension JSONLineWriter: TextOutputStream {
    mutating func write(_ string: String) { bytes.appendUTF8(string) }

    /// What `Double.write(to:)` calls with its digits; without it, each number would be
    /// made a `String` first (an allocation for most dates).
    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: buffer) }
}
