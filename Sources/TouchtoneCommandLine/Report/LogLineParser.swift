import Touchtone

/// Reads the flat JSON objects of `touchtone serve --log-format json`, byte by byte, into a
/// ``LogLine``: string values (with every JSON escape, `\uXXXX` and surrogate pairs too),
/// numbers, `true`/`false`/`null`, and `edges`, an array of `[from, via, to]` string
/// triples. Fields it does not know are skipped, whatever their value. Names go into its
/// ``NameTable``; nothing else is kept, so memory stays the same line after line.
///
/// ```swift
/// let parser = LogLineParser()
/// let verdict = parser.parse(#"{"time":"2026-12-06T14:03:12.345Z","kind":"push","flow":"hotline","version":2}"#)
/// // verdict == .traffic, parser.line.version == 2
/// ```
final class LogLineParser {
    /// The longest line read; longer ones are not understood (``LogReader`` skips their rest).
    static let maxLineBytes = 64 * 1024

    // One parser reads on one thread; unchecked exclusivity spares a dynamic check per field.
    /// The names of every line parsed so far.
    @exclusivity(unchecked) var names = NameTable()
    /// The fields of the last line parsed.
    @exclusivity(unchecked) private(set) var line = LogLine()
    private let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: maxLineBytes)

    deinit { scratch.deallocate() }

    /// Parses `text` (tests and small inputs).
    func parse(_ text: String) -> LineVerdict {
        var text = text
        return text.withUTF8 { parse($0) }
    }

    /// Parses one line (without its newline; a trailing `\r` is white space).
    func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> LineVerdict {
        line.reset()
        guard bytes.count <= Self.maxLineBytes else { return .notUnderstood }
        var cursor = JSONCursor(bytes: bytes, scratch: scratch)
        cursor.skipSpace()
        if cursor.isAtEnd { return .blank }
        guard cursor.next == UInt8(ascii: "{") else {
            // JSON that is not an object, or an object behind a byte-order mark, is a broken
            // log line; a line that is not JSON at all (the server's start-up banner, the
            // text log format, another program's output) belongs to another log.
            let first = cursor.next
            let jsonLike = first == UInt8(ascii: "[") || first == UInt8(ascii: "\"") || first == 0xEF
            return jsonLike ? .notUnderstood : .other
        }
        guard object(&cursor) else { return .notUnderstood }
        cursor.skipSpace()
        guard cursor.isAtEnd else { return .notUnderstood }
        guard line.kind != .other else { return .other }
        guard !line.hasWrongType, line.time != nil else { return .notUnderstood }
        return line.flow < 0 ? .other : .traffic
    }

    /// The object at the cursor, field by field.
    private func object(_ cursor: inout JSONCursor) -> Bool {
        guard cursor.consume(UInt8(ascii: "{")) else { return false }
        if cursor.consume(UInt8(ascii: "}")) { return true }
        repeat {
            guard let key = cursor.string() else { return false }
            let field = Field(key)
            guard cursor.consume(UInt8(ascii: ":")) else { return false }
            cursor.skipSpace()
            if cursor.next == UInt8(ascii: "n") {
                guard cursor.literal() != nil else { return false }  // null: as if absent
                continue
            }
            guard value(of: field, &cursor) else { return false }
        } while cursor.consume(UInt8(ascii: ","))
        return cursor.consume(UInt8(ascii: "}"))
    }

    /// The fields the report reads.
    private enum Field {
        case time, kind, flow, version, state, variant, started, edges, waitedMs, lookupState, lookupMs, ending, endingState, other

        init(_ key: UnsafeBufferPointer<UInt8>) {
            self = .other
            for (name, field) in Self.byName where ASCII.equalBytes(key, name) {
                self = field
                return
            }
        }

        static let byName: [(StaticString, Field)] = [
            ("time", .time), ("kind", .kind), ("flow", .flow), ("version", .version), ("state", .state),
            ("variant", .variant), ("started", .started), ("edges", .edges), ("waitedMs", .waitedMs),
            ("lookupState", .lookupState), ("lookupMs", .lookupMs), ("ending", .ending), ("endingState", .endingState),
        ]
    }

    /// Reads the value of `field` into ``line``; a value of the wrong type is skipped and
    /// marks the line. False when the bytes are not JSON.
    private func value(of field: Field, _ cursor: inout JSONCursor) -> Bool {
        switch field {
        case .other: return cursor.skipValue()
        case .time:
            return text(&cursor) { bytes in
                line.time = LogTime.milliseconds(bytes)
                if line.time == nil { line.hasWrongType = true }
            }
        case .kind: return text(&cursor) { self.line.kind = Self.kind($0) }
        case .flow: return name(&cursor) { self.line.flow = $0 }
        case .variant: return name(&cursor) { self.line.variant = $0 }
        case .lookupState: return name(&cursor) { self.line.lookupState = $0 }
        case .ending: return name(&cursor) { self.line.ending = $0 }
        case .endingState: return name(&cursor) { self.line.endingState = $0 }
        case .state: return text(&cursor) { self.state($0) }
        case .version: return integer(&cursor, atLeast: .min) { self.line.version = $0 }
        case .waitedMs: return integer(&cursor, atLeast: 0) { self.line.waitedMs = $0 }
        case .lookupMs: return integer(&cursor, atLeast: 0) { self.line.lookupMs = $0 }
        case .started:
            guard cursor.next == UInt8(ascii: "t") || cursor.next == UInt8(ascii: "f") else { return wrongType(&cursor) }
            guard let literal = cursor.literal() else { return false }
            line.started = literal == .true
            return true
        case .edges: return edges(&cursor)
        }
    }

    /// A string value, handed to `use` as bytes.
    private func text(_ cursor: inout JSONCursor, _ use: (UnsafeBufferPointer<UInt8>) -> Void) -> Bool {
        guard cursor.next == UInt8(ascii: "\"") else { return wrongType(&cursor) }
        guard let bytes = cursor.string() else { return false }
        use(bytes)
        return true
    }

    /// A string value, handed to `use` as the number of the name.
    private func name(_ cursor: inout JSONCursor, _ use: (Int32) -> Void) -> Bool {
        text(&cursor) { use(names.intern($0)) }
    }

    /// A whole number of at least `minimum`.
    private func integer(_ cursor: inout JSONCursor, atLeast minimum: Int, _ use: (Int) -> Void) -> Bool {
        let next = cursor.next
        guard next == UInt8(ascii: "-") || ASCII.isDigit(next) else { return wrongType(&cursor) }
        guard let number = cursor.number() else { return false }
        if case .integer(let value) = number, value >= minimum {
            use(value)
        } else {
            line.hasWrongType = true
        }
        return true
    }

    /// Skips a value of the wrong type and marks the line.
    private func wrongType(_ cursor: inout JSONCursor) -> Bool {
        line.hasWrongType = true
        return cursor.skipValue()
    }

    /// `before->after`, each side a name or `none`.
    private func state(_ bytes: UnsafeBufferPointer<UInt8>) {
        var arrow = -1
        if bytes.count >= 2 {
            for i in 0..<bytes.count - 1 where bytes[i] == UInt8(ascii: "-") && bytes[i + 1] == UInt8(ascii: ">") {
                arrow = i
                break
            }
        }
        guard arrow >= 0 else {
            line.hasWrongType = true
            return
        }
        let before = names.intern(UnsafeBufferPointer(rebasing: bytes[..<arrow]))
        let after = names.intern(UnsafeBufferPointer(rebasing: bytes[(arrow + 2)...]))
        line.stateBefore = before == NameTable.Known.none ? -1 : before
        line.stateAfter = after == NameTable.Known.none ? -1 : after
    }

    /// `[[from, via, to], ...]`; any other shape marks the line (and is skipped).
    private func edges(_ cursor: inout JSONCursor) -> Bool {
        let start = cursor.position
        line.edges.removeAll(keepingCapacity: true)
        if readEdges(&cursor) { return true }
        line.edges.removeAll(keepingCapacity: true)
        cursor.position = start
        return wrongType(&cursor)
    }

    private func readEdges(_ cursor: inout JSONCursor) -> Bool {
        guard cursor.consume(UInt8(ascii: "[")) else { return false }
        if cursor.consume(UInt8(ascii: "]")) { return true }
        repeat {
            guard cursor.consume(UInt8(ascii: "[")) else { return false }
            for part in 0..<3 {
                if part > 0 { guard cursor.consume(UInt8(ascii: ",")) else { return false } }
                guard let bytes = cursor.string() else { return false }
                line.edges.append(names.intern(bytes))
            }
            guard cursor.consume(UInt8(ascii: "]")) else { return false }
        } while cursor.consume(UInt8(ascii: ","))
        return cursor.consume(UInt8(ascii: "]"))
    }

    private static func kind(_ bytes: UnsafeBufferPointer<UInt8>) -> LogLine.Kind {
        if ASCII.equalBytes(bytes, "push") { return .push }
        if ASCII.equalBytes(bytes, "expired") { return .expired }
        return .other
    }
}
