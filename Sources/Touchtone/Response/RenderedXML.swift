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
    /// The XML for the first turns, spliced once: most calls end within them, and sending
    /// one is then a single copy, as before turns existed.
    private let firstTurns: [[UInt8]]
    static let splicedTurns: UInt32 = 8
    /// The answer's final verb, for logs and metrics.
    let verb: AnswerVerb

    init(bytes: [UInt8], turnSlots: [TurnSlot], verb: AnswerVerb) {
        self.bytes = bytes
        self.turnSlots = turnSlots
        self.verb = verb
        var firstTurns: [[UInt8]] = []
        if !turnSlots.isEmpty {
            for turn in 0..<Self.splicedTurns {
                var out: [UInt8] = []
                Self.splice(bytes, turnSlots, turn, into: &out)
                firstTurns.append(out)
            }
        }
        self.firstTurns = firstTurns
    }

    /// Appends the XML, with `turn` in each callback URL when it is given.
    @inline(__always)
    func write(turn: UInt32?, into out: inout [UInt8]) {
        guard let turn, !turnSlots.isEmpty else {
            out.append(contentsOf: bytes)
            return
        }
        if turn < Self.splicedTurns {
            out.append(contentsOf: firstTurns[Int(turn)])
        } else {
            Self.splice(bytes, turnSlots, turn, into: &out)
        }
    }

    /// The bytes between the slots, and the turn's text (spelt once) at each.
    private static func splice(_ bytes: [UInt8], _ turnSlots: [TurnSlot], _ turn: UInt32, into out: inout [UInt8]) {
        // `&amp;t=` and up to ten digits: 17 bytes on the stack, spelt once.
        var text: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &text) { raw in
            let spelt = TurnSlot.spell(turn, into: raw)
            // Typed bytes: an array appends them with one copy (raw ones go byte by byte).
            let text = UnsafeBufferPointer(raw.bindMemory(to: UInt8.self))
            out.reserveCapacity(out.count + bytes.count + turnSlots.count * spelt.count)
            bytes.withUnsafeBufferPointer { all in
                var start = 0
                for slot in turnSlots {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: all[start..<slot.offset]))
                    // `?t=` is the end of `&amp;t=` after its first four bytes, with `?` for `;`.
                    if slot.afterQuery {
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: text[spelt]))
                    } else {
                        out.append(UInt8(ascii: "?"))
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: text[(spelt.lowerBound + 5)..<spelt.upperBound]))
                    }
                    start = slot.offset
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: all[start...]))
            }
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

    /// Writes `&amp;t=N` into `buffer` (at least 17 bytes) and returns where it is.
    @inline(__always)
    static func spell(_ turn: UInt32, into buffer: UnsafeMutableRawBufferPointer) -> Range<Int> {
        var end = 17
        var rest = turn
        repeat {
            end -= 1
            buffer[end] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        } while rest > 0
        let start = end - 7
        for (i, byte) in "&amp;t=".utf8.enumerated() { buffer[start + i] = byte }
        return start..<17
    }

    static func length(_ turn: UInt32, afterQuery: Bool) -> Int {
        var digits = 1
        var rest = turn / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
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
