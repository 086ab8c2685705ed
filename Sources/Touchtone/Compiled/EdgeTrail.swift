/// The edges one push took, as indices into its flow's ``CompiledFlow/edges``, in order.
///
/// Every push records them (the log line, `/metrics` and coverage count from them), so it
/// is a plain value of 40 bytes, with nothing to allocate, retain or release: it holds up to
/// ``capacity`` edges. A push that passes more states without waiting for the caller (an
/// unusual chain of announcements and branches; `CallMachine.maxHops` allows 64) keeps its
/// first 16 and says so in ``isTruncated``; the log line's note says it too.
public struct EdgeTrail: Sendable, Hashable, Sequence {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var stored: UInt8 = 0
    /// True when edges past ``capacity`` were left out.
    public private(set) var isTruncated = false

    /// The most edges a trail holds.
    public static let capacity = 16

    /// No edges.
    public init() {}

    /// How many edges.
    public var count: Int { Int(stored) }

    /// Whether the push took no edge.
    public var isEmpty: Bool { stored == 0 }

    /// Adds the edge with index `edge`.
    mutating func append(_ edge: UInt16) {
        guard Int(stored) < Self.capacity else {
            isTruncated = true
            return
        }
        let bits = UInt64(edge) << (16 * UInt64(stored % 4))
        switch stored / 4 {
        case 0: words.0 |= bits
        case 1: words.1 |= bits
        case 2: words.2 |= bits
        default: words.3 |= bits
        }
        stored += 1
    }

    /// Adds `other`'s edges after these.
    mutating func append(contentsOf other: EdgeTrail) {
        for edge in other { append(edge) }
        if other.isTruncated { isTruncated = true }
    }

    /// The edge at `position`, below ``count``.
    private func edge(at position: Int) -> UInt16 {
        let word =
            switch position / 4 {
            case 0: words.0
            case 1: words.1
            case 2: words.2
            default: words.3
            }
        return UInt16(truncatingIfNeeded: word >> (16 * UInt64(position % 4)))
    }

    /// Whether two trails hold the same edges.
    public static func == (lhs: EdgeTrail, rhs: EdgeTrail) -> Bool {
        lhs.stored == rhs.stored && lhs.isTruncated == rhs.isTruncated && lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1
            && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    /// Hashes what ``==(_:_:)`` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(stored)
        hasher.combine(isTruncated)
        for edge in self { hasher.combine(edge) }
    }

    /// The edge indices in order.
    public func makeIterator() -> Iterator { Iterator(trail: self) }

    /// Walks the edges in order.
    public struct Iterator: IteratorProtocol {
        let trail: EdgeTrail
        var position = 0

        /// The next edge index.
        public mutating func next() -> UInt16? {
            guard position < trail.count else { return nil }
            defer { position += 1 }
            return trail.edge(at: position)
        }
    }
}
