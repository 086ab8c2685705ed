/// The tables of one flow and version, the same for text and Markdown: how calls ended,
/// the states, where calls went next, the look-ups, the A/B splits (empty ones left out).
enum ReportTables {
    /// Every table of `flow`, in reading order.
    static func tables(of flow: FlowTraffic) -> [ReportTable] {
        var tables = [endings(flow), states(flow), exits(flow)]
        if !flow.lookups.isEmpty { tables += [lookupOutcomes(flow), lookupDurations(flow)] }
        tables += flow.splits.map(split)
        return tables.filter { !$0.rows.isEmpty }
    }

    /// The ending kinds as the report names them, in order.
    static let endingNames = NameTable.Known.endings

    /// How calls ended, with the calls without an ending last.
    static func endings(_ flow: FlowTraffic) -> ReportTable {
        var rows = endingNames.enumerated().map { i, name in
            [name, "\(flow.endings[i])", ReportNumbers.percent(flow.endings[i], of: flow.calls)]
        }
        if flow.endings.unknown > 0 {
            rows.append(["other", "\(flow.endings.unknown)", ReportNumbers.percent(flow.endings.unknown, of: flow.calls)])
        }
        rows.append(["no ending seen", "\(flow.noEndingSeen)", ReportNumbers.percent(flow.noEndingSeen, of: flow.calls)])
        return ReportTable(
            title: flow.calls == 1 ? "How the call ended" : "How the \(flow.calls) calls ended",
            columns: [.left("ending"), .right("calls"), .right("of calls")], rows: rows)
    }

    /// Per state: visits, caller hang-ups, silence and wrong-key rates, time spent.
    static func states(_ flow: FlowTraffic) -> ReportTable {
        let rows = flow.states.map { state in
            [
                state.name, "\(state.visits)", "\(state.callerHangups)",
                state.visits == 0 && state.callerHangups == 0 ? "-" : ReportNumbers.percent(state.hangupShare ?? 0),
                ReportNumbers.percent(state.silences, of: state.edgesOut), ReportNumbers.percent(state.wrongKeys, of: state.edgesOut),
                ReportNumbers.duration(state.waited.percentile(0.5)), ReportNumbers.duration(state.waited.percentile(0.9)),
                state.isMarked ? "many hang up" : "",
            ]
        }
        return ReportTable(
            title: "States",
            columns: [
                .left("state"), .right("visits"), .right("hang-ups"), .right("of visits"), .right("silence"), .right("wrong key"),
                .right("time p50"), .right("time p90"), .left(""),
            ],
            rows: rows)
    }

    /// Per state, each edge calls took out of it, with its share of the state's exits.
    static func exits(_ flow: FlowTraffic) -> ReportTable {
        var rows: [[String]] = []
        for state in flow.states {
            let total = state.edgesOut
            for (i, edge) in state.edges.enumerated() {
                rows.append([i == 0 ? state.name : "", edge.via, edge.to, "\(edge.count)", ReportNumbers.percent(edge.count, of: total)])
            }
        }
        return ReportTable(
            title: "Where calls went next", columns: [.left("from"), .left("via"), .left("to"), .right("calls"), .right("share")],
            rows: rows)
    }

    /// How each look-up ended.
    static func lookupOutcomes(_ flow: FlowTraffic) -> ReportTable {
        var rows: [[String]] = []
        for lookup in flow.lookups {
            let total = lookup.outcomes.reduce(0) { $0 + $1.count }
            for (i, edge) in lookup.outcomes.enumerated() {
                rows.append([i == 0 ? lookup.state : "", edge.via, "\(edge.count)", ReportNumbers.percent(edge.count, of: total)])
            }
            // Held calls left by one of the outcomes above: their share of those calls.
            if lookup.held > 0 {
                let held = ReportNumbers.percent(lookup.held, of: max(total, lookup.held))
                rows.append([lookup.outcomes.isEmpty ? lookup.state : "", "(held first)", "\(lookup.held)", held])
            }
        }
        return ReportTable(
            title: "Look-up outcomes", columns: [.left("look-up"), .left("outcome"), .right("calls"), .right("share")], rows: rows)
    }

    /// How long each look-up took.
    static func lookupDurations(_ flow: FlowTraffic) -> ReportTable {
        let rows = flow.lookups.map { lookup in
            let latency = lookup.latency
            return [
                lookup.state, "\(latency.count)", ReportNumbers.duration(latency.percentile(0.5)),
                ReportNumbers.duration(latency.percentile(0.9)),
                ReportNumbers.duration(latency.percentile(0.99)), ReportNumbers.duration(latency.count > 0 ? latency.maximum : nil),
            ]
        }
        return ReportTable(
            title: "Look-up durations",
            columns: [.left("look-up"), .right("timed"), .right("p50"), .right("p90"), .right("p99"), .right("max")], rows: rows)
    }

    /// A split's variants side by side: calls, endings, completion and drop-off, hang-ups by state.
    static func split(_ split: SplitTraffic) -> ReportTable {
        let variants = split.variants
        var rows: [[String]] = [["calls"] + variants.map { "\($0.calls)" }]
        for (i, name) in endingNames.enumerated() { rows.append([name] + variants.map { "\($0.endings[i])" }) }
        rows.append(["completed"] + variants.map { ReportNumbers.percent($0.completionRate) })
        rows.append(["dropped off"] + variants.map { ReportNumbers.percent($0.dropOffRate) })
        var states: [String] = []
        for variant in variants {
            for (state, _) in variant.hangups where !states.contains(state) { states.append(state) }
        }
        for state in states {
            rows.append(["hang-ups in \(state)"] + variants.map { variant in "\(variant.hangups.first { $0.state == state }?.count ?? 0)" })
        }
        return ReportTable(
            title: "A/B split at \(split.state)", columns: [.left("")] + variants.map { .right($0.share) }, rows: rows)
    }
}
