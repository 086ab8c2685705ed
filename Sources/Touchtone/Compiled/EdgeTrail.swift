/// The edges one push took, as indices into its flow's ``CompiledFlow/edges``, in order.
///
/// Every push records them (the log line, `/metrics` and coverage count from them), so the
/// common case costs nothing extra: up to four edges are kept inline, more in an array.
public struct EdgeTrail: Sendable, Hashable, Sequence {
    private var packed: UInt64 = 0
    private var inlineCount: UInt8 = 0
    private var more: [UInt16] = []

    /// No edges.
    public init() {}

    /// How many edges.
    public var count: Int { Int(inlineCount) + more.count }

    /// Whether the push took no edge.
    public var isEmpty: Bool { inlineCount == 0 }

    /// Adds the edge with index `edge`.
    mutating func append(_ edge: UInt16) {
        if inlineCount < 4 {
            packed |= UInt64(edge) << (16 * UInt64(inlineCount))
            inlineCount += 1
        } else {
            more.append(edge)
        }
    }

    /// Adds `other`'s edges after these.
    mutating func append(contentsOf other: EdgeTrail) {
        for edge in other { append(edge) }
    }

    /// The edge indices in order.
    public func makeIterator() -> Iterator { Iterator(trail: self) }

    /// Walks the inline edges, then the rest.
    public struct Iterator: IteratorProtocol {
        let trail: EdgeTrail
        var position = 0

        /// The next edge index.
        public mutating func next() -> UInt16? {
            defer { position += 1 }
            if position < Int(trail.inlineCount) { return UInt16(truncatingIfNeeded: trail.packed >> (16 * UInt64(position))) }
            let rest = position - Int(trail.inlineCount)
            return rest < trail.more.count ? trail.more[rest] : nil
        }
    }
}
