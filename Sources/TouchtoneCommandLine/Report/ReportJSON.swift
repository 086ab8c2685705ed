import Touchtone

/// The report as JSON for programs (`touchtone report --format json`). Keys are stable and
/// always present (a missing value is `null`); shares and rates are numbers from 0 to 1,
/// durations whole milliseconds (percentiles within 1.6%, `max` exact).
///
/// ```
/// {"lines": {"read", "counted", "other", "notUnderstood", "firstNotUnderstood", "outsideWindow", "otherFlows"},
///  "flows": [{"flow", "version", "diagramVersion", "calls", "noEndingSeen",
///    "endings": {"transfer", "voicemail", "reject", "hangup", "caller-hangup", "expired", "handoff", "other"},
///    "states": [{"state", "visits", "callerHangups", "hangupShare", "marked", "exits", "silenceRate",
///                "wrongKeyRate", "timeSpentMs": {"samples", "p50", "p90"}, "endings": {...},
///                "next": [{"via", "to", "calls", "share"}]}],
///    "lookups": [{"state", "outcomes": [{"via", "to", "calls", "share"}], "held",
///                 "latencyMs": {"samples", "p50", "p90", "p99", "max"}}],
///    "splits": [{"state", "variants": [{"share", "calls", "endings": {...}, "completionRate",
///                "dropOffRate", "callerHangups": {"STATE": N}}]}]}]}
/// ```
enum ReportJSON {
    /// The report as one JSON document, two-space indented, ending in a newline.
    static func json(_ report: TrafficReport) -> String {
        var out: [UInt8] = []
        document(report).write(into: &out, indent: 0)
        out.append(UInt8(ascii: "\n"))
        return String(decoding: out, as: UTF8.self)
    }

    static func document(_ report: TrafficReport) -> Value {
        let lines = report.lines
        return .object([
            (
                "lines",
                .object([
                    ("read", .int(lines.read)), ("counted", .int(lines.counted)), ("other", .int(lines.other)),
                    ("notUnderstood", .int(lines.notUnderstood)),
                    ("firstNotUnderstood", lines.firstNotUnderstood.map(Value.string) ?? .null),
                    ("outsideWindow", .int(lines.outsideWindow)), ("otherFlows", .int(lines.otherFlows)),
                ])
            ),
            ("flows", .array(report.flows.map(flow))),
        ])
    }

    static func flow(_ flow: FlowTraffic) -> Value {
        .object([
            ("flow", .string(flow.name)), ("version", flow.version.map(Value.int) ?? .null),
            ("diagramVersion", flow.diagram.map { .int($0.version) } ?? .null), ("calls", .int(flow.calls)),
            ("noEndingSeen", .int(flow.noEndingSeen)), ("endings", endings(flow.endings)),
            ("states", .array(flow.states.map(state))),
            ("lookups", .array(flow.lookups.map(lookup))),
            ("splits", .array(flow.splits.map(split))),
        ])
    }

    static func state(_ state: StateTraffic) -> Value {
        let exits = state.edgesOut
        return .object([
            ("state", .string(state.name)), ("visits", .int(state.visits)), ("callerHangups", .int(state.callerHangups)),
            ("hangupShare", share(state.hangupShare)), ("marked", .bool(state.isMarked)), ("exits", .int(exits)),
            ("silenceRate", share(state.silences, of: exits)), ("wrongKeyRate", share(state.wrongKeys, of: exits)),
            (
                "timeSpentMs",
                .object([
                    ("samples", .int(state.waited.count)), ("p50", milliseconds(state.waited.percentile(0.5))),
                    ("p90", milliseconds(state.waited.percentile(0.9))),
                ])
            ),
            ("endings", endings(state.endings)),
            ("next", .array(state.edges.map { edge($0, of: exits) })),
        ])
    }

    static func lookup(_ lookup: LookupTraffic) -> Value {
        let total = lookup.outcomes.reduce(0) { $0 + $1.count }
        let latency = lookup.latency
        return .object([
            ("state", .string(lookup.state)),
            ("outcomes", .array(lookup.outcomes.map { edge($0, of: total) })),
            ("held", .int(lookup.held)),
            (
                "latencyMs",
                .object([
                    ("samples", .int(latency.count)), ("p50", milliseconds(latency.percentile(0.5))),
                    ("p90", milliseconds(latency.percentile(0.9))), ("p99", milliseconds(latency.percentile(0.99))),
                    ("max", latency.count > 0 ? .int(latency.maximum) : .null),
                ])
            ),
        ])
    }

    static func split(_ split: SplitTraffic) -> Value {
        .object([
            ("state", .string(split.state)),
            (
                "variants",
                .array(
                    split.variants.map { variant in
                        .object([
                            ("share", .string(variant.share)), ("calls", .int(variant.calls)), ("endings", endings(variant.endings)),
                            ("completionRate", share(variant.completionRate)), ("dropOffRate", share(variant.dropOffRate)),
                            ("callerHangups", .object(variant.hangups.map { ($0.state, .int($0.count)) })),
                        ])
                    })
            ),
        ])
    }

    static func edge(_ edge: EdgeTraffic, of total: Int) -> Value {
        .object([
            ("via", .string(edge.via)), ("to", .string(edge.to)), ("calls", .int(edge.count)), ("share", share(edge.count, of: total)),
        ])
    }

    static func endings(_ endings: EndingCounts) -> Value {
        .object(NameTable.Known.endings.enumerated().map { ($1, .int(endings[$0])) } + [("other", .int(endings.unknown))])
    }

    static func share(_ part: Int, of whole: Int) -> Value { whole == 0 ? .null : share(Double(part) / Double(whole)) }

    /// A share rounded to four decimals.
    static func share(_ value: Double?) -> Value { value.map { .number(($0 * 10_000).rounded() / 10_000) } ?? .null }

    static func milliseconds(_ value: Int?) -> Value { value.map(Value.int) ?? .null }

    /// A JSON value whose objects keep their keys in order.
    indirect enum Value {
        case object([(String, Value)])
        case array([Value])
        case string(String)
        case int(Int)
        case number(Double)
        case bool(Bool)
        case null

        /// Writes the value, nested values indented by two more spaces than `indent`.
        func write(into out: inout [UInt8], indent: Int) {
            switch self {
            case .object(let fields):
                writeList(fields, open: "{", close: "}", into: &out, indent: indent) { field, out in
                    out.appendJSONString(field.0)
                    out.appendLiteral(": ")
                    field.1.write(into: &out, indent: indent + 2)
                }
            case .array(let values):
                writeList(values, open: "[", close: "]", into: &out, indent: indent) { value, out in
                    value.write(into: &out, indent: indent + 2)
                }
            case .string(let text): out.appendJSONString(text)
            case .int(let number): out.appendDecimal(number)
            case .number(let number): out.appendUTF8(number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : "\(number)")
            case .bool(let flag): out.appendUTF8(flag ? "true" : "false")
            case .null: out.appendLiteral("null")
            }
        }

        private func writeList<Element>(
            _ elements: [Element], open: Unicode.Scalar, close: Unicode.Scalar, into out: inout [UInt8], indent: Int,
            _ element: (Element, inout [UInt8]) -> Void
        ) {
            out.append(UInt8(ascii: open))
            guard !elements.isEmpty else { return out.append(UInt8(ascii: close)) }
            for (i, item) in elements.enumerated() {
                out.appendUTF8((i == 0 ? "\n" : ",\n") + String(repeating: " ", count: indent + 2))
                element(item, &out)
            }
            out.appendUTF8("\n" + String(repeating: " ", count: indent))
            out.append(UInt8(ascii: close))
        }
    }
}
