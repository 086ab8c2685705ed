import Touchtone

/// The per-flow families of `/metrics`: calls, edges, endings and look-ups, labelled only
/// by what the flow's graph names (flow, version, states, edge labels, endings, A/B shares).
extension PrometheusText {
    static func renderFlows(_ traffic: TrafficCounters) -> String {
        var out = ""
        out += "# HELP touchtone_flow_calls_total Calls that started in a flow.\n# TYPE touchtone_flow_calls_total counter\n"
        for counts in traffic.flows {
            out += "touchtone_flow_calls_total{\(flowLabels(counts.flow))} \(counts.calls.value)\n"
        }
        out += "# HELP touchtone_flow_edges_total Edges of a flow's graph taken by calls.\n# TYPE touchtone_flow_edges_total counter\n"
        for counts in traffic.flows {
            let flow = counts.flow
            for (index, edge) in flow.edges.enumerated() {
                let labels =
                    "\(flowLabels(flow)),from=\"\(escaped(flow.stateName(edge.from)))\",to=\"\(escaped(edge.destination))\","
                    + "via=\"\(escaped(edge.label.description))\""
                out += "touchtone_flow_edges_total{\(labels)} \(counts.edges[index].value)\n"
            }
        }
        out += endings(traffic)
        out += lookups(traffic)
        return out
    }

    /// Where and how calls ended; only pairs that happened are listed.
    private static func endings(_ traffic: TrafficCounters) -> String {
        var out = "# HELP touchtone_flow_endings_total Calls that ended, by the state they were in, how, and their A/B share.\n"
        out += "# TYPE touchtone_flow_endings_total counter\n"
        for counts in traffic.flows {
            let flow = counts.flow
            let sorted = counts.endings.sorted {
                ($0.key.state, $0.key.how.rawValue, $0.key.variant) < ($1.key.state, $1.key.how.rawValue, $1.key.variant)
            }
            for (key, count) in sorted {
                let labels =
                    "\(flowLabels(flow)),state=\"\(escaped(flow.stateName(key.state)))\",how=\"\(key.how.rawValue)\","
                    + "variant=\"\(escaped(flow.variantText(key.variant) ?? ""))\""
                out += "touchtone_flow_endings_total{\(labels)} \(count)\n"
            }
        }
        return out
    }

    /// How long look-ups took, per look-up state (their outcomes are the look-up states' edges).
    private static func lookups(_ traffic: TrafficCounters) -> String {
        let name = "touchtone_flow_lookup_duration_seconds"
        var out = "# HELP \(name) How long a look-up state's look-ups took, from the push that reached it to its result.\n"
        out += "# TYPE \(name) histogram\n"
        let bounds = FlowCounters.LookupTimes.bucketsMilliseconds.map { $0 * 1000 }
        for counts in traffic.flows {
            let flow = counts.flow
            for (state, times) in counts.lookups.sorted(by: { $0.key < $1.key }) {
                out += histogramSeries(
                    name, labels: "\(flowLabels(flow)),state=\"\(escaped(flow.stateName(state)))\"", bounds: bounds,
                    counts: times.counts, sumMicroseconds: times.sumMilliseconds * 1000, count: times.count)
            }
        }
        return out
    }

    private static func flowLabels(_ flow: CompiledFlow) -> String {
        "flow=\"\(escaped(flow.name))\",version=\"\(flow.version)\""
    }

    /// A label value as Prometheus' text format wants it: `\`, `"` and line feeds escaped.
    static func escaped(_ value: String) -> String {
        // By scalar: "\r\n" is one Character, and a raw carriage return would break the line.
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
