extension SplitTraffic {
    /// The splits of `tally`: the variants from the split edges (`[state, "share NAME (P%)",
    /// to]`), and per variant the calls that ended in it, how, and where callers hung up, from
    /// the `variant` of ending lines (`state=NAME`, several joined by `,`: each counts for its
    /// variant). Calls are counted at their ending, once each: a call that passes its split
    /// again (back through the main menu) takes the split's edge again but keeps its share.
    static func splits(of tally: FlowTally, names: NameTable, stateOrder: [String]) -> [SplitTraffic] {
        var variants: [Variant: Counts] = [:]
        for (key, _) in tally.splits {
            let variant = Variant(state: names.name(key.from), share: shareName(names.name(key.via)))
            variants[variant] = variants[variant] ?? Counts()
        }
        for (text, endings) in tally.variantEndings {
            for variant in Variant.all(in: names.name(text)) {
                variants[variant, default: Counts()].endings.add(endings)
                variants[variant, default: Counts()].calls += endings.total
            }
        }
        for (key, count) in tally.variantHangups {
            let state = names.name(key.state)
            for variant in Variant.all(in: names.name(key.variant)) {
                variants[variant, default: Counts()].hangups[state, default: 0] += count
            }
        }
        let position = Dictionary(stateOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let byState = Dictionary(grouping: variants, by: \.key.state)
        return byState.keys.sorted { (position[$0] ?? .max, $0) < (position[$1] ?? .max, $1) }.map { state in
            let shares = (byState[state] ?? []).sorted { $0.key.share < $1.key.share }
            return SplitTraffic(
                state: state,
                variants: shares.map { variant, counts in
                    let hangups = counts.hangups.sorted { (position[$0.key] ?? .max, $0.key) < (position[$1.key] ?? .max, $1.key) }
                    return VariantTraffic(
                        share: variant.share, calls: counts.calls, endings: counts.endings, hangups: hangups.map { ($0.key, $0.value) })
                })
        }
    }

    /// `short` of `share short (50%)`: the text after `share `, without a last ` (P%)`.
    static func shareName(_ via: String) -> String {
        var name = Substring(via)
        if name.hasPrefix("share ") { name = name.dropFirst(6) }
        if name.hasSuffix("%)"), let open = name.lastIndex(of: "("), open > name.startIndex, name[name.index(before: open)] == " " {
            name = name[..<name.index(before: open)]
        }
        return String(name)
    }

    /// One variant: the split state and the share's name.
    private struct Variant: Hashable {
        let state: String
        let share: String

        /// The variants of a line's `variant` text: `entry=short,support=long`.
        static func all(in text: String) -> [Variant] {
            text.split(separator: ",").compactMap { part in
                guard let equals = part.firstIndex(of: "=") else { return nil }
                return Variant(state: String(part[..<equals]), share: String(part[equals...].dropFirst()))
            }
        }
    }

    /// What one variant adds up to.
    private struct Counts {
        var calls = 0
        var endings = EndingCounts()
        var hangups: [String: Int] = [:]
    }
}
