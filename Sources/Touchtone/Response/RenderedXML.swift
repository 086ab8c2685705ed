/// An answer's XML, rendered once and shared by every copy of the answer, with the places
/// in its callback URLs where a push's turn number goes.
///
/// Sending it for turn 7 copies the bytes between those places and writes `&amp;t=7` (or
/// `?t=7` in a URL without a query) at each: no rendering, no allocation of its own.
final class RenderedXML: Sendable {
    /// The XML without turn numbers.
    let bytes: [UInt8]
    /// Where each callback URL ends, in order.
    let turnSlots: [TurnSlot]

    init(bytes: [UInt8], turnSlots: [TurnSlot]) {
        self.bytes = bytes
        self.turnSlots = turnSlots
    }

    /// Appends the XML, with `turn` in each callback URL when it is given.
    @inline(__always)
    func write(turn: UInt32?, into out: inout [UInt8]) {
        guard let turn, !turnSlots.isEmpty else {
            out.append(contentsOf: bytes)
            return
        }
        bytes.withUnsafeBufferPointer { all in
            var start = 0
            for slot in turnSlots {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: all[start..<slot.offset]))
                TurnSlot.write(turn, afterQuery: slot.afterQuery, into: &out)
                start = slot.offset
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: all[start...]))
        }
    }

    /// The length of ``write(turn:into:)``'s output.
    func count(turn: UInt32?) -> Int {
        guard let turn else { return bytes.count }
        var count = bytes.count
        for slot in turnSlots { count += TurnSlot.length(turn, afterQuery: slot.afterQuery) }
        return count
    }
}

/// The end of a callback URL in rendered XML, where a turn number is written.
struct TurnSlot: Sendable, Hashable {
    /// The byte offset of the URL's end (before the attribute's closing quote).
    var offset: Int
    /// The URL has a query already: the turn is joined with `&` (escaped), not `?`.
    var afterQuery: Bool

    /// Appends `&amp;t=N` or `?t=N`.
    @inline(__always)
    static func write(_ turn: UInt32, afterQuery: Bool, into out: inout [UInt8]) {
        if afterQuery { out.appendLiteral("&amp;t=") } else { out.appendLiteral("?t=") }
        out.appendDecimal(UInt(turn))
    }

    static func length(_ turn: UInt32, afterQuery: Bool) -> Int {
        var digits = 1
        var rest = turn / 10
        while rest > 0 { digits += 1; rest /= 10 }
        return (afterQuery ? 7 : 3) + digits
    }
}

/// What rendering does at the end of each callback URL: nothing, write a turn, or record
/// the place for a template.
struct TurnMarks {
    enum Mode {
        case none
        case write(UInt32)
        case record
    }

    let mode: Mode
    private(set) var slots: [TurnSlot] = []

    init(_ mode: Mode) { self.mode = mode }

    mutating func mark(after url: AbsoluteURL, in out: inout [UInt8]) {
        switch mode {
        case .none: break
        case .write(let turn): TurnSlot.write(turn, afterQuery: url.hasQuery, into: &out)
        case .record: slots.append(TurnSlot(offset: out.count, afterQuery: url.hasQuery))
        }
    }
}

extension AbsoluteURL {
    /// Whether the URL has a query (`?` after the authority): more parameters join with `&`.
    var hasQuery: Bool { text.utf8.contains(UInt8(ascii: "?")) }
}
