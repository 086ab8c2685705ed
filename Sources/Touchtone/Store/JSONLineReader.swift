/// Reads state-file lines exactly as ``JSONLineWriter`` writes them (keys in the order of
/// the description, no white space, no `\u` escapes) about ten times faster than
/// `JSONDecoder`.
///
/// Every read returns nil for anything else, and the caller falls back to `JSONDecoder`;
/// so when it returns a value, that is the value `JSONDecoder` would return. A test holds
/// the two to that on every line it can derive from written ones.
struct JSONLineReader {
    private let bytes: UnsafeRawBufferPointer
    private var index: Int

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    /// Whether every byte has been read.
    var isAtEnd: Bool { index == bytes.endIndex }

    /// Reads `text` if it comes next.
    mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard bytes.endIndex - index >= count,
            ASCII.equalBytes(UnsafeBufferPointer(rebasing: rawBytes[index..<(index + count)]), text)
        else { return false }
        index += count
        return true
    }

    /// Reads `byte` if it comes next.
    mutating func byte(_ byte: UInt8) -> Bool {
        guard index < bytes.endIndex, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    mutating func bool() -> Bool? {
        if literal("true") { return true }
        if literal("false") { return false }
        return nil
    }

    /// A JSON string without `\u` escapes.
    mutating func string() -> String? {
        string(String.init(checkingUTF8:))
    }

    /// A JSON string without `\u` escapes, its unescaped bytes made into a value by `make`
    /// (nil when they make none).
    mutating func string<Value>(_ make: (UnsafeBufferPointer<UInt8>) -> Value?) -> Value? {
        guard byte(UInt8(ascii: "\"")) else { return nil }
        let start = index
        var unescaped: [UInt8]? = nil
        while index < bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let value: Value?
                if let unescaped {
                    value = unescaped.withUnsafeBufferPointer(make)
                } else {
                    value = make(UnsafeBufferPointer(rebasing: rawBytes[start..<index]))
                }
                index += 1
                return value
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.endIndex, let escaped = Self.unescape(bytes[index + 1]) else { return nil }
                if unescaped == nil { unescaped = Array(bytes[start..<index]) }
                unescaped!.append(escaped)
                index += 2
            case 0..<0x20:
                return nil  // not allowed unescaped in JSON
            default:
                unescaped?.append(byte)
                index += 1
            }
        }
        return nil
    }

    /// The byte a two-character escape stands for; nil for `\u` and invalid escapes
    /// (`JSONDecoder`'s job).
    private static func unescape(_ letter: UInt8) -> UInt8? {
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): letter
        case UInt8(ascii: "n"): UInt8(ascii: "\n")
        case UInt8(ascii: "r"): UInt8(ascii: "\r")
        case UInt8(ascii: "t"): UInt8(ascii: "\t")
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        default: nil
        }
    }

    /// An integer without sign (unless `T` is signed), leading zeros, fraction or exponent.
    mutating func integer<T: FixedWidthInteger>(_: T.Type = T.self) -> T? {
        var negative = false
        if T.isSigned, index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        let start = index
        var value: T = 0
        while index < bytes.endIndex, case let digit = bytes[index], ASCII.isDigit(digit) {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) =
                negative
                ? times10.subtractingReportingOverflow(T(digit - UInt8(ascii: "0")))
                : times10.addingReportingOverflow(T(digit - UInt8(ascii: "0")))
            guard !overflow1 && !overflow2 else { return nil }
            value = next
            index += 1
        }
        let digits = index - start
        guard digits > 0, digits == 1 || bytes[start] != UInt8(ascii: "0"), !startsFractionOrExponent else { return nil }
        return value
    }

    /// A finite JSON number.
    mutating func number() -> Double? {
        let start = index
        _ = byte(UInt8(ascii: "-"))
        let integerStart = index
        let integerDigits = digits()
        guard integerDigits > 0, integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else { return nil }
        if byte(UInt8(ascii: ".")) {
            guard digits() > 0 else { return nil }
        }
        if byte(UInt8(ascii: "e")) || byte(UInt8(ascii: "E")) {
            if !byte(UInt8(ascii: "+")) { _ = byte(UInt8(ascii: "-")) }
            guard digits() > 0 else { return nil }
        }
        guard let value = Double(String(decoding: bytes[start..<index], as: UTF8.self)), value.isFinite else { return nil }
        return value
    }

    /// A JSON array, each element read by `element`.
    mutating func array<Element>(_ element: (inout JSONLineReader) -> Element?) -> [Element]? {
        guard byte(UInt8(ascii: "[")) else { return nil }
        var elements: [Element] = []
        if byte(UInt8(ascii: "]")) { return elements }
        repeat {
            guard let next = element(&self) else { return nil }
            elements.append(next)
        } while byte(UInt8(ascii: ","))
        return byte(UInt8(ascii: "]")) ? elements : nil
    }

    /// A JSON object of `Root`'s described fields, in the description's order.
    mutating func object<Root: FieldDescribed>(_: Root.Type = Root.self) -> Root? {
        var reading = ObjectReading(root: Root.blank, line: self)
        do {
            try Root.describeFields(to: &reading)
        } catch {
            return nil
        }
        // An object without fields read is `{}`.
        guard reading.separator == UInt8(ascii: ",") || reading.line.byte(UInt8(ascii: "{")),
            reading.line.byte(UInt8(ascii: "}"))
        else { return nil }
        self = reading.line
        return reading.root
    }

    /// `{"key":` for an object's first field, `,"key":` for the others.
    @inline(__always)
    fileprivate mutating func key(_ key: StaticString, after separator: UInt8) -> Bool {
        let count = key.utf8CodeUnitCount
        guard bytes.endIndex - index >= count + 4, bytes[index] == separator, bytes[index + 1] == UInt8(ascii: "\""),
            bytes[index + 2 + count] == UInt8(ascii: "\""), bytes[index + 3 + count] == UInt8(ascii: ":"),
            ASCII.equalBytes(UnsafeBufferPointer(rebasing: rawBytes[(index + 2)..<(index + 2 + count)]), key)
        else { return false }
        index += count + 4
        return true
    }

    private var rawBytes: UnsafeBufferPointer<UInt8> { bytes.assumingMemoryBound(to: UInt8.self) }

    private mutating func digits() -> Int {
        let first = index
        while index < bytes.endIndex, ASCII.isDigit(bytes[index]) { index += 1 }
        return index - first
    }

    private var startsFractionOrExponent: Bool {
        guard index < bytes.endIndex else { return false }
        let next = bytes[index]
        return next == UInt8(ascii: ".") || next == UInt8(ascii: "e") || next == UInt8(ascii: "E")
    }
}

/// Reads one object's fields, each under its key; fails at the first that is not there.
private struct ObjectReading<Root>: FieldVisitor {
    struct Mismatch: Error {}
    typealias Failure = Mismatch
    var root: Root
    var line: JSONLineReader
    /// `{` before the first field read, `,` after it.
    var separator = UInt8(ascii: "{")

    @inline(__always)
    mutating func field<Value: FieldValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value>) throws(Mismatch) {
        guard line.key(key, after: separator) else { throw Mismatch() }
        root[keyPath: path] = try value()
    }

    @inline(__always)
    mutating func optionalField<Value: FieldValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value?>) throws(Mismatch) {
        root[keyPath: path] = line.key(key, after: separator) ? try value() : nil
    }

    @inline(__always)
    mutating func field<Value: FieldValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value>, absent: Value) throws(Mismatch) {
        root[keyPath: path] = line.key(key, after: separator) ? try value() : absent
    }

    private mutating func value<Value: FieldValue>() throws(Mismatch) -> Value {
        separator = UInt8(ascii: ",")
        guard let value = Value.readJSON(from: &line) else { throw Mismatch() }
        return value
    }
}
