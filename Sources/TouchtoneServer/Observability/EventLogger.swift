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
/// Lines hold what ``EventRecord`` holds (digits already masked), never credentials.
public final class EventLogger: Sendable {
    /// Text, JSON or nothing.
    public let format: LogFormat
    private let sink: @Sendable ([UInt8]) -> Void
    private let pending: Lock<[UInt8]>

    /// - Parameter sink: where finished lines go; standard output by default.
    public init(format: LogFormat = .text, sink: (@Sendable ([UInt8]) -> Void)? = nil) {
        self.format = format
        self.sink = sink ?? { writeAll(fd: 1, $0) }
        pending = Lock([])
    }

    /// Logs one push.
    public func event(_ record: EventRecord, microseconds: Int, status: Int = 200) {
        guard format != .off else { return }
        var fields: [(String, LogValue)] = []
        if let callId = record.callId { fields.append(("callId", .string(callId.rawValue))) }
        if let event = record.event { fields.append(("event", .string(event.rawValue))) }
        if let flow = record.flow { fields.append(("flow", .string(flow))) }
        if record.stateBefore != nil || record.stateAfter != nil {
            fields.append(("state", .string("\(record.stateBefore ?? "none")->\(record.stateAfter ?? "none")")))
        }
        fields.append(("verb", .string(record.verb)))
        if let digits = record.digits { fields.append(("digits", .string(digits))) }
        if let note = record.note { fields.append(("note", .string(note))) }
        if status != 200 { fields.append(("status", .number(status))) }
        fields.append(("us", .number(microseconds)))
        line(kind: "push", fields)
    }

    /// Logs a server event (start, refusal, shutdown) with a message.
    public func notice(_ message: String, _ fields: [(String, String)] = []) {
        guard format != .off else { return }
        line(kind: "server", [("msg", .string(message))] + fields.map { ($0.0, .string($0.1)) })
    }

    /// Writes the collected lines.
    public func flush() {
        let bytes = pending.withLock { buffer -> [UInt8] in
            let out = buffer
            buffer.removeAll(keepingCapacity: true)
            return out
        }
        if !bytes.isEmpty { sink(bytes) }
    }

    enum LogValue {
        case string(String)
        case number(Int)
    }

    private func line(kind: String, _ fields: [(String, LogValue)]) {
        let now = TimeText.now()
        let time = TimeText.iso8601(now.seconds, nanoseconds: now.nanoseconds)
        var out = [UInt8]()
        out.reserveCapacity(160)
        switch format {
        case .off:
            return
        case .text:
            out.append(contentsOf: time.utf8)
            out.append(contentsOf: " \(kind)".utf8)
            for (key, value) in fields {
                out.append(UInt8(ascii: " "))
                out.append(contentsOf: key.utf8)
                out.append(UInt8(ascii: "="))
                switch value {
                case .number(let n): out.append(contentsOf: String(n).utf8)
                case .string(let s): Self.appendText(s, into: &out)
                }
            }
        case .json:
            out.append(contentsOf: "{\"time\":\"\(time)\",\"kind\":\"\(kind)\"".utf8)
            for (key, value) in fields {
                out.append(UInt8(ascii: ","))
                Self.appendJSONString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                switch value {
                case .number(let n): out.append(contentsOf: String(n).utf8)
                case .string(let s): Self.appendJSONString(s, into: &out)
                }
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "\n"))
        pending.withLock { $0.append(contentsOf: out) }
    }

    /// Plain when safe, quoted otherwise; control characters never reach the terminal.
    static func appendText(_ s: String, into out: inout [UInt8]) {
        let plain = !s.isEmpty && s.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "=") }
        if plain {
            out.append(contentsOf: s.utf8)
        } else {
            appendJSONString(s, into: &out)
        }
    }

    static func appendJSONString(_ s: String, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case UInt8(ascii: "\n"): out.append(contentsOf: "\\n".utf8)
            case UInt8(ascii: "\r"): out.append(contentsOf: "\\r".utf8)
            case UInt8(ascii: "\t"): out.append(contentsOf: "\\t".utf8)
            case 0..<0x20, 0x7F:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
