/// The fields of one JSON log line that the report counts, names as numbers of a
/// ``NameTable`` (-1: absent). Filled by ``LogLineParser``, one value reused for every line.
struct LogLine {
    /// The line's `kind`.
    enum Kind {
        /// `"kind":"push"`: one push and what it did.
        case push
        /// `"kind":"expired"`: a call forgotten after its time without pushes.
        case expired
        /// Another kind (`server`), or none.
        case other
    }

    var kind = Kind.other
    /// `time`, in milliseconds since 1970; `nil` when absent or not a time.
    var time: Int64?
    var flow: Int32 = -1
    var version: Int?
    /// The two sides of `state` (`before->after`); `none` is -1.
    var stateBefore: Int32 = -1
    var stateAfter: Int32 = -1
    /// `started`: the push that began a call in the flow.
    var started = false
    /// `edges`, three numbers each: from, via, to.
    var edges: [Int32] = []
    var variant: Int32 = -1
    var waitedMs: Int?
    var lookupState: Int32 = -1
    var lookupMs: Int?
    var ending: Int32 = -1
    var endingState: Int32 = -1
    /// A field the report reads had a value of the wrong type (`"version":"2"`).
    var hasWrongType = false

    /// The number of edges.
    var edgeCount: Int { edges.count / 3 }

    /// Edge `i` as from, via and to.
    func edge(_ i: Int) -> (from: Int32, via: Int32, to: Int32) {
        (edges[3 * i], edges[3 * i + 1], edges[3 * i + 2])
    }

    /// Empties the line for the next one, keeping the edges' storage.
    mutating func reset() {
        kind = .other
        time = nil
        flow = -1
        version = nil
        stateBefore = -1
        stateAfter = -1
        started = false
        edges.removeAll(keepingCapacity: true)
        variant = -1
        waitedMs = nil
        lookupState = -1
        lookupMs = nil
        ending = -1
        endingState = -1
        hasWrongType = false
    }
}

/// What a line of the log is to the report.
enum LineVerdict: Equatable {
    /// Empty, or white space only: not counted at all.
    case blank
    /// A push or expiry line of a flow, with its fields in the parser's ``LogLine``.
    case traffic
    /// A line of another kind (`"kind":"server"`), a push without a flow (an unknown call),
    /// or a line that is not JSON at all (the server's start-up banner, the text log format):
    /// counted, skipped.
    case other
    /// A JSON line that is cut off, too long or broken, or a push or expiry line with a field
    /// of the wrong type: counted, and the first one is named.
    case notUnderstood
}
