#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads logs line by line into a ``TrafficTally``, keeping the lines of `--flow` and of
/// the `--since`/`--until` window, and sorting out the rest: several files (or instances)
/// add up to one tally.
///
/// ```swift
/// var logs = LogTally(filter: LogFilter(flow: "hotline"))
/// try logs.read(path: "app.log", input: 0)
/// let report = TrafficReport(tally: logs.tally, names: logs.parser.names, routes: routes)
/// ```
struct LogTally {
    let parser = LogLineParser()
    private(set) var tally = TrafficTally()
    private let filter: LogFilter
    /// The number of `filter.flow`'s name; `nil` when every flow counts.
    private let flow: Int32?

    init(filter: LogFilter) {
        self.filter = filter
        let parser = self.parser
        flow = filter.flow.map { parser.names.intern($0) }
    }

    /// Reads the file at `path`, or `input` for `-`. Throws the message for a file that
    /// cannot be opened or read.
    mutating func read(path: String, input: Int32) throws(LogTallyError) {
        let fd = path == "-" ? input : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LogTallyError(path: path, code: errno) }
        defer { if path != "-" { close(fd) } }
        if let code = LogReader.lines(of: fd, { number, line in take(line, at: path, number) }) {
            throw LogTallyError(path: path, code: code)
        }
    }

    /// Counts lines given as text, as if read from a file called `name` (tests).
    mutating func read(text: String, name: String = "-") {
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = String(line)
            line.withUTF8 { take($0, at: name, i + 1) }
        }
    }

    /// Sorts out one line (`nil`: too long).
    mutating func take(_ bytes: UnsafeBufferPointer<UInt8>?, at path: String, _ number: Int) {
        let verdict = bytes.map { parser.parse($0) } ?? .notUnderstood
        switch verdict {
        case .blank:
            return
        case .other:
            tally.lines.other += 1
        case .notUnderstood:
            tally.lines.notUnderstood += 1
            if tally.lines.firstNotUnderstood == nil { tally.lines.firstNotUnderstood = "\(path):\(number)" }
        case .traffic:
            let line = parser.line
            if let flow, line.flow != flow {
                tally.lines.otherFlows += 1
            } else if let time = line.time, !filter.contains(time) {
                tally.lines.outsideWindow += 1
            } else {
                tally.count(line, names: parser.names)
            }
        }
        tally.lines.read += 1
    }
}

/// Which lines a report counts: one flow's, within a time window.
struct LogFilter: Sendable, Hashable {
    /// Only this flow (`--flow`); `nil`: every flow.
    var flow: String?
    /// From this time on (`--since`), in milliseconds since 1970.
    var since: Int64?
    /// Before this time (`--until`).
    var until: Int64?

    /// Whether a line at `time` counts: since <= time < until.
    func contains(_ time: Int64) -> Bool {
        (since.map { time >= $0 } ?? true) && (until.map { time < $0 } ?? true)
    }
}

/// A log that could not be opened or read.
struct LogTallyError: Error, Sendable, CustomStringConvertible {
    let path: String
    let code: Int32

    /// `cannot read 'app.log': No such file or directory`.
    var description: String {
        "cannot read \(UsageError.quoted(path == "-" ? "standard input" : path)): \(String(cString: strerror(code)))"
    }
}
