import Touchtone

/// How log lines look.
public enum LogFormat: String, Sendable, Hashable, CaseIterable {
    /// `time key=value ...`, for people.
    case text
    /// One JSON object per line, for log collectors.
    case json
    /// No event lines (start-up and errors still print).
    case off
}

/// Writes one line per handled push (and a few server events), text or JSON.
///
/// Lines are collected in memory and written by ``flush()``, which each event loop calls
/// after a batch of requests, so logging costs one `write` per batch, not per line.
/// Lines hold what an `EventRecord` holds (digits already masked), never credentials.
public final class EventLogger: Sendable {
    /// Text, JSON or nothing.
    public let format: LogFormat
    private let sink: @Sendable ([UInt8]) -> Void
    private let pending: Lock<Pending>

    /// Lines not yet written, and the time prefix of the current second (most lines of a
    /// second share it, so it is formatted once).
    struct Pending {
        var bytes: [UInt8] = []
        var second: Int64 = .min
        var timePrefix: [UInt8] = []
    }

    /// A logger writing lines in `format`, to standard output unless `sink` takes them.
    ///
    /// - Parameters:
    ///   - format: text, JSON or nothing.
    ///   - sink: where finished lines go; standard output by default.
    public init(format: LogFormat = .text, sink: (@Sendable ([UInt8]) -> Void)? = nil) {
        self.format = format
        self.sink = sink ?? { writeAll(fd: 1, $0) }
        pending = Lock(Pending())
    }

    /// Logs one push.
    ///
    /// Written field by field straight into the pending lines (one per push: a log line must
    /// not cost more than the push), in the same format as ``notice(_:_:)``.
    public func event(_ record: EventRecord, microseconds: Int, status: Int = 200) {
        write(kind: "push") { line in
            if let callId = record.callId { line.field("callId", callId: callId) }
            if let event = record.event { line.field("event", event.rawValue) }
            if let flow = record.flow { line.field("flow", flow) }
            if let version = record.flowVersion { line.field("version", number: version) }
            if record.stateBefore != nil || record.stateAfter != nil {
                line.field("state", record.stateBefore ?? "none", "->", record.stateAfter ?? "none")
            }
            line.field("verb", record.verb)
            if let digits = record.digits { line.field("digits", digits) }
            if let note = record.note { line.field("note", note) }
            line.traffic(record)
            if status != 200 { line.field("status", number: status) }
            line.field("us", number: microseconds)
        }
    }

    /// Logs a call whose session expired before its flow ended it (kind `expired`).
    public func expired(_ record: EventRecord) {
        write(kind: "expired") { line in
            if let callId = record.callId { line.field("callId", callId: callId) }
            if let flow = record.flow { line.field("flow", flow) }
            if let version = record.flowVersion { line.field("version", number: version) }
            line.traffic(record)
        }
    }

    /// Logs a server event (start, refusal, shutdown) with a message.
    public func notice(_ message: String, _ fields: [(StaticString, String)] = []) {
        guard format != .off else { return }
        line(kind: "server", [("msg", .string(message))] + fields.map { ($0.0, .string($0.1)) })
    }

    /// Writes the collected lines.
    public func flush() {
        let bytes = pending.withLock { pending -> [UInt8] in
            let out = pending.bytes
            pending.bytes.removeAll(keepingCapacity: true)
            return out
        }
        if !bytes.isEmpty { sink(bytes) }
    }

    enum LogValue {
        case string(String)
        case number(Int)
        /// `true`.
        case flag
        /// A push's edges, named from its flow.
        case edges(EdgeTrail, CompiledFlow)
    }

    /// Writes one line of `kind` with `fields`, in order, with the same writer as ``event(_:microseconds:status:)``.
    func line(kind: StaticString, _ fields: [(StaticString, LogValue)]) {
        write(kind: kind) { line in
            for (key, value) in fields {
                switch value {
                case .string(let text): line.field(key, text)
                case .number(let number): line.field(key, number: number)
                case .flag: line.flag(key)
                case .edges(let trail, let flow): line.edges(key, trail, of: flow)
                }
            }
        }
    }

    /// Appends one line to the pending lines: time and kind, then what `fields` writes.
    private func write(kind: StaticString, _ fields: (inout LineWriter) -> Void) {
        guard format != .off else { return }
        let now = TimeText.now()
        pending.withLock { pending in
            let time = pending.time(now)
            var line = LineWriter(format: format, out: pending.bytes)
            pending.bytes = []  // `line` owns the buffer while it writes (no copy)
            line.start(time: time, milliseconds: Int(now.nanoseconds / 1_000_000), kind: kind)
            fields(&line)
            line.end()
            pending.bytes = line.out
        }
    }

    /// Plain when safe, quoted otherwise; control characters never reach the terminal.
    static func appendText(_ s: String, into out: inout [UInt8]) {
        var s = s
        // One look at the contiguous bytes, then one copy (the UTF-8 view goes byte by byte).
        let plain = s.withUTF8 { bytes in
            guard isPlainText(bytes, allowEmpty: false) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if !plain { out.appendJSONString(s, escapingDelete: true) }
    }

    /// Printable ASCII without `"` and `=`: written in text logs as it is.
    static func isPlainText(_ s: String, allowEmpty: Bool) -> Bool {
        var s = s
        return s.withUTF8 { isPlainText($0, allowEmpty: allowEmpty) }
    }

    static func isPlainText(_ bytes: UnsafeBufferPointer<UInt8>, allowEmpty: Bool) -> Bool {
        (allowEmpty || !bytes.isEmpty) && bytes.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "=") }
    }
}

extension EventLogger.Pending {
    /// `2026-11-27T16:46:51.` for the second of `now`, formatted when the second changes.
    mutating func time(_ now: (seconds: Int64, nanoseconds: Int32)) -> [UInt8] {
        if now.seconds != second {
            second = now.seconds
            let text = TimeText.iso8601(now.seconds, nanoseconds: 0)  // ...SS.000Z
            timePrefix = Array(text.utf8.dropLast(4))
        }
        return timePrefix
    }
}

extension EventLogger {
    /// One log line written straight into a byte buffer, in the logger's text or JSON
    /// format: the one writer of every line (pushes field by field, server notices from a list).
    struct LineWriter {
        let format: LogFormat
        var out: [UInt8]

        mutating func start(time prefix: [UInt8], milliseconds: Int, kind: StaticString) {
            switch format {
            case .text:
                writeTime(prefix, milliseconds)
                out.append(UInt8(ascii: " "))
                out.appendLiteral(kind)
            case .json:
                out.appendLiteral("{\"time\":\"")
                writeTime(prefix, milliseconds)
                out.appendLiteral("\",\"kind\":\"")
                out.appendLiteral(kind)
                out.append(UInt8(ascii: "\""))
            case .off:
                break
            }
        }

        /// `2026-11-27T16:46:51.` then `123Z`.
        private mutating func writeTime(_ prefix: [UInt8], _ milliseconds: Int) {
            out.append(contentsOf: prefix)
            let ms = min(max(milliseconds, 0), 999)
            out.append(UInt8(ascii: "0") + UInt8(ms / 100))
            out.append(UInt8(ascii: "0") + UInt8(ms / 10 % 10))
            out.append(UInt8(ascii: "0") + UInt8(ms % 10))
            out.append(UInt8(ascii: "Z"))
        }

        /// ` key=` or `,"key":`. Keys are literals of our own code, plain names that need no
        /// escaping: no key ever comes from a request.
        private mutating func key(_ name: StaticString) {
            switch format {
            case .text:
                out.append(UInt8(ascii: " "))
                out.appendLiteral(name)
                out.append(UInt8(ascii: "="))
            case .json:
                out.appendLiteral(",\"")
                out.appendLiteral(name)
                out.appendLiteral("\":")
            case .off:
                break
            }
        }

        mutating func field(_ name: StaticString, _ value: String) {
            key(name)
            text(value)
        }

        mutating func field(_ name: StaticString, number: Int) {
            key(name)
            out.appendDecimal(number)
        }

        /// Plain or quoted in text, a JSON string in JSON.
        private mutating func text(_ text: String) {
            if format == .text {
                EventLogger.appendText(text, into: &out)
            } else {
                out.appendJSONString(text, escapingDelete: true)
            }
        }

        /// A value made of two texts and a plain separator, written without joining them.
        mutating func field(_ name: StaticString, _ first: String, _ separator: StaticString, _ second: String) {
            key(name)
            if format == .text && EventLogger.isPlainText(first, allowEmpty: true) && EventLogger.isPlainText(second, allowEmpty: true) {
                out.append(contentsOf: first.utf8)
                out.appendLiteral(separator)
                out.append(contentsOf: second.utf8)
                return
            }
            // Escaping goes byte by byte, so the parts escaped one after the other are the whole escaped.
            out.append(UInt8(ascii: "\""))
            out.appendLogEscaped(first)
            out.appendLiteral(separator)
            out.appendLogEscaped(second)
            out.append(UInt8(ascii: "\""))
        }

        mutating func field(_ name: StaticString, callId: CallID) {
            guard callId.isPlainHex else { return field(name, callId.rawValue) }
            // Hex digits are plain in text and need no escape in JSON.
            key(name)
            if format == .json { out.append(UInt8(ascii: "\"")) }
            callId.appendUTF8(to: &out)
            if format == .json { out.append(UInt8(ascii: "\"")) }
        }

        /// What a record says about the call's way through its flow, for `touchtone report`:
        /// `variant`, `started`, `edges`, `waitedMs`, `lookupState`, `lookupMs`, `ending`, `endingState`.
        mutating func traffic(_ record: EventRecord) {
            if let variant = record.variant { field("variant", variant) }
            if record.started { flag("started") }
            if !record.edges.isEmpty, let flow = record.flowGraph { edges("edges", record.edges, of: flow) }
            if let waited = record.waitedMilliseconds { field("waitedMs", number: waited) }
            if let state = record.lookupState, let milliseconds = record.lookupMilliseconds {
                field("lookupState", state)
                field("lookupMs", number: milliseconds)
            }
            if let ending = record.ending, let state = record.endingState {
                field("ending", ending.rawValue)
                field("endingState", state)
            }
        }

        /// `name=true`, or `"name":true`.
        mutating func flag(_ name: StaticString) {
            key(name)
            out.appendLiteral("true")
        }

        /// `[["from","via","to"],...]` in JSON; `"from -[via]-> to; ..."` in text.
        mutating func edges(_ name: StaticString, _ trail: EdgeTrail, of flow: CompiledFlow) {
            key(name)
            if format == .json {
                out.append(UInt8(ascii: "["))
                for (position, index) in trail.enumerated() where Int(index) < flow.edges.count {
                    let edge = flow.edges[Int(index)]
                    if position > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(UInt8(ascii: "["))
                    out.appendJSONString(flow.stateName(edge.from), escapingDelete: true)
                    out.append(UInt8(ascii: ","))
                    out.appendJSONString(edge.label.description, escapingDelete: true)
                    out.append(UInt8(ascii: ","))
                    out.appendJSONString(edge.destination, escapingDelete: true)
                    out.append(UInt8(ascii: "]"))
                }
                out.append(UInt8(ascii: "]"))
                return
            }
            var text = ""
            for (position, index) in trail.enumerated() where Int(index) < flow.edges.count {
                let edge = flow.edges[Int(index)]
                if position > 0 { text += "; " }
                text += flow.stateName(edge.from) + " -[" + edge.label.description + "]-> " + edge.destination
            }
            self.text(text)
        }

        mutating func end() {
            if format == .json { out.append(UInt8(ascii: "}")) }
            out.append(UInt8(ascii: "\n"))
        }
    }
}
