import FoundationEssentials

/// The state file: live sessions saved on shutdown and restored on start, as JSON Lines.
///
/// The first line names the format and its version, `{"touchtone-sessions":1}`, and the
/// states of each flow version that saved it (`"flows":[...]`, for ``Engine/adopt(_:)``);
/// every further line is one ``Session`` as a JSON object, dates in seconds since 1970.
/// Sensitive variables (PINs) are not written (see ``Variables``).
///
/// ```swift
/// try SessionFile.write(store.allSessions(), to: "/var/lib/touchtone/sessions.jsonl")
/// let contents = try SessionFile.read(from: "/var/lib/touchtone/sessions.jsonl")
/// for problem in contents.problems { log("state file: \(problem)") }
/// store.restore(contents.sessions, now: clock.now())
/// ```
public enum SessionFile {
    /// The format version this build writes and reads.
    public static let formatVersion = 1
    /// The header line's only key.
    public static let headerKey = "touchtone-sessions"

    /// Bounds on what ``read(from:limits:)`` accepts, so that a damaged or hostile file
    /// cannot make it allocate without limit.
    public struct Limits: Sendable, Hashable {
        /// Longer lines are skipped (and reported), never decoded.
        public var maxLineBytes: Int
        /// Sessions past this many are not read (and that is reported).
        public var maxSessions: Int
        /// A larger file is refused as a whole.
        public var maxFileBytes: Int
        /// Problems past this many are counted in ``SessionFileContents/skippedLines`` only.
        public var maxReportedProblems: Int

        /// Limits for reading; the defaults (64 KiB lines, a million sessions, 1 GiB files, 100 reported problems)
        /// suit any real state file.
        public init(
            maxLineBytes: Int = 64 * 1024, maxSessions: Int = 1_000_000,
            maxFileBytes: Int = 1 << 30, maxReportedProblems: Int = 100
        ) {
            self.maxLineBytes = maxLineBytes
            self.maxSessions = maxSessions
            self.maxFileBytes = maxFileBytes
            self.maxReportedProblems = maxReportedProblems
        }
    }

    /// A line that was skipped, and why.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// 1-based; line 1 is the header.
        public var line: Int
        /// What was wrong with the line, e.g. `missing field 'callId'`.
        public var reason: String

        /// A problem with line `line` (1-based).
        public init(line: Int, reason: String) {
            self.line = line
            self.reason = reason
        }

        /// The line number and the reason, as `line 3: missing field 'callId'`.
        public var description: String { "line \(line): \(reason)" }
    }

    /// Writes `sessions` to `path`, replacing the file atomically: a crash while writing
    /// leaves the previous file (or none), never a half-written one.
    ///
    /// The whole file is built in memory first (about 410 bytes per session) and written
    /// with one call.
    /// - Returns: how many sessions were written. A session that cannot be encoded (a date
    ///   that is not finite) is left out rather than costing the others.
    /// - Throws: ``SessionFileError/unwritable(path:reason:)``.
    @discardableResult
    public static func write(_ sessions: some Sequence<Session>, to path: String, flows: [FlowStates] = []) throws -> Int {
        let (bytes, written) = encode(sessions, flows: flows)
        do {
            try bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }  // never: the header is there
                // Lent to Data rather than copied: the file's bytes are in memory only once.
                let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: raw.count, deallocator: .none)
                try data.write(to: URL(fileURLWithPath: path), options: .atomic)
            }
        } catch {
            throw SessionFileError.unwritable(path: path, reason: "\(error)")
        }
        return written
    }

    /// Reads the sessions saved at `path`.
    ///
    /// A missing file reads as no sessions (the first start). A line that does not decode
    /// is skipped and reported with its number; the other lines are still read.
    /// - Throws: ``SessionFileError`` when the file cannot be read, is too large, does not
    ///   start with a session file header, or has a format version this build does not know.
    public static func read(from path: String, limits: Limits = Limits()) throws -> SessionFileContents {
        let url = URL(fileURLWithPath: path)
        if let size = fileSize(atPath: path), size > limits.maxFileBytes {
            throw SessionFileError.tooLarge(path: path, bytes: size, limit: limits.maxFileBytes)
        }
        let data: Data
        do {
            // Mapped: reading a large file costs address space, not resident memory.
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
            return SessionFileContents()
        } catch {
            throw SessionFileError.unreadable(path: path, reason: "\(error)")
        }
        guard data.count <= limits.maxFileBytes else {
            throw SessionFileError.tooLarge(path: path, bytes: data.count, limit: limits.maxFileBytes)
        }
        return try decode(data, path: path, limits: limits)
    }

    // MARK: Encoding and decoding

    /// The file's bytes for `sessions`, and how many sessions they hold.
    static func encode(_ sessions: some Sequence<Session>, flows: [FlowStates] = []) -> (bytes: [UInt8], written: Int) {
        var bytes = header(flows: flows)
        // More than a session takes (about 410 bytes with sipgate's callIds), so that the
        // buffer is not copied to grow near the end; room never written is never touched.
        bytes.reserveCapacity(min(sessions.underestimatedCount, 4_000_000) * 512)
        var written = 0
        for session in sessions {
            // Strings escape control characters, so a line never contains a newline.
            guard SessionLineWriter.append(session, to: &bytes) else { continue }
            bytes.append(newline)
            written += 1
        }
        return (bytes, written)
    }

    /// The JSON of one session, as `JSONEncoder` with `.sortedKeys`,
    /// `.withoutEscapingSlashes` and `.secondsSince1970` writes it, written from the
    /// session's description (see ``JSONLineWriter``).
    enum SessionLineWriter {
        /// Appends `session` to `bytes`; false, and nothing appended, when a date is not finite.
        static func append(_ session: Session, to bytes: inout [UInt8]) -> Bool {
            let start = bytes.count
            var line = JSONLineWriter()
            swap(&line.bytes, &bytes)
            defer { swap(&line.bytes, &bytes) }
            do {
                try line.object(session)
                return true
            } catch {
                line.bytes.removeSubrange(start...)
                return false
            }
        }
    }

    /// The sessions in a file's bytes; `path` only names the file in errors.
    static func decode(_ data: Data, path: String, limits: Limits = Limits()) throws -> SessionFileContents {
        try data.withUnsafeBytes { try decode($0, path: path, limits: limits) }
    }

    private static func decode(_ file: UnsafeRawBufferPointer, path: String, limits: Limits) throws -> SessionFileContents {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        var contents = SessionFileContents()
        var lineNumber = 0
        var start = file.startIndex

        while start < file.endIndex {
            let end = file[start...].firstIndex(of: newline) ?? file.endIndex
            var lineEnd = end
            if lineEnd > start && file[lineEnd - 1] == carriageReturn { lineEnd -= 1 }
            let line = UnsafeRawBufferPointer(rebasing: file[start..<lineEnd])
            start = end < file.endIndex ? end + 1 : end
            lineNumber += 1

            if lineNumber == 1 {
                contents.flows = try checkHeader(line, path: path, limits: limits)
                continue
            }
            if line.isEmpty { continue }
            if line.count > limits.maxLineBytes {
                contents.skip(line: lineNumber, "longer than \(limits.maxLineBytes) bytes", limits: limits)
                continue
            }
            if contents.sessions.count >= limits.maxSessions {
                contents.skip(
                    line: lineNumber, "more than \(limits.maxSessions) sessions; this and later lines were not read",
                    limits: limits)
                break
            }
            switch readSession(line, decoder: decoder) {
            case .success(let session): contents.sessions.append(session)
            case .failure(let problem): contents.skip(line: lineNumber, problem.reason, limits: limits)
            }
        }
        if lineNumber == 0 {
            throw SessionFileError.notASessionFile(path: path, reason: "the file is empty; a session file starts with a header line")
        }
        return contents
    }

    private struct LineProblem: Error {
        var reason: String
    }

    private static func readSession(_ line: UnsafeRawBufferPointer, decoder: JSONDecoder) -> Result<Session, LineProblem> {
        // Lines as this build writes them take the fast path; anything else gets
        // JSONDecoder, which also explains what is wrong.
        let session: Session
        if let fast = SessionLineReader.parse(line) {
            session = fast
        } else {
            do {
                session = try decoder.decode(Session.self, from: Data(line))
            } catch let error as DecodingError {
                return .failure(LineProblem(reason: describe(error)))
            } catch {
                return .failure(LineProblem(reason: "\(error)"))
            }
        }
        if let reason = invalidity(of: session) {
            return .failure(LineProblem(reason: reason))
        }
        return .success(session)
    }

    /// Reads a line exactly as ``SessionLineWriter`` writes it, about ten times faster
    /// than `JSONDecoder` (see ``JSONLineReader``); nil for anything else.
    enum SessionLineReader {
        static func parse(_ line: UnsafeRawBufferPointer) -> Session? {
            var reader = JSONLineReader(line)
            guard let session = reader.object(Session.self), reader.isAtEnd else { return nil }
            return session
        }
    }

    static let unparsable = "not valid JSON, or a number out of range"
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    /// A flow version's states in order, written in the header so that a build serving
    /// another version can find a saved session's state by name (see ``Engine/adopt(_:)``).
    public struct FlowStates: Sendable, Hashable, Codable {
        /// The flow's name in the routing table.
        public var name: String
        /// The flow version these states belong to.
        public var version: Int
        /// The names of the version's states, in the order of its state enum: a session's `state` indexes it.
        public var states: [String]

        /// The states of version `version` of flow `name`.
        public init(name: String, version: Int, states: [String]) {
            self.name = name
            self.version = version
            self.states = states
        }
    }

    private struct Header: Codable {
        var version: Int
        var flows: [FlowStates]?
        enum CodingKeys: String, CodingKey {
            case version = "touchtone-sessions"
            case flows
        }
    }

    /// `{"flows":[...],"touchtone-sessions":1}` and its newline; the flows left out when there are none.
    private static func header(flows: [FlowStates]) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let line =
            (try? encoder.encode(Header(version: formatVersion, flows: flows.isEmpty ? nil : flows)))
            .map { Array($0) } ?? Array("{\"\(headerKey)\":\(formatVersion)}".utf8)
        return line + [newline]
    }

    private static func checkHeader(_ line: UnsafeRawBufferPointer, path: String, limits: Limits) throws -> [FlowStates] {
        guard line.count <= limits.maxLineBytes else {
            throw SessionFileError.notASessionFile(path: path, reason: "the first line is too long to be a header")
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(line))
        } catch {
            throw SessionFileError.notASessionFile(
                path: path, reason: "the first line is not {\"\(headerKey)\":<version>}")
        }
        guard header.version == formatVersion else {
            throw SessionFileError.unsupportedVersion(path: path, found: header.version, supported: formatVersion)
        }
        return header.flows ?? []
    }

    /// Why a decoded session must not be restored, if it must not.
    private static func invalidity(of session: Session) -> String? {
        let length = session.callId.storage.utf8Count
        if length == 0 { return "empty callId" }
        let maxLength = PushLimits().maxCallIdLength
        if length > maxLength { return "callId longer than \(maxLength) bytes" }
        return nil
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let names = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return names.isEmpty ? "the line" : names.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = context.codingPath.isEmpty ? "" : " in \(path(context))"
            return "missing field '\(key.stringValue)'\(parent)"
        case .typeMismatch(let type, let context):
            return "\(path(context)) is not a \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context)) is null, expected \(type)"
        case .dataCorrupted(let context):
            // The decoder reports a number too large for its field like broken JSON.
            return context.codingPath.isEmpty ? Self.unparsable : "invalid value at \(path(context))"
        @unknown default:
            return "cannot decode a session"
        }
    }

    private static func fileSize(atPath path: String) -> Int? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        switch attributes[.size] {
        case let size as Int: return size
        case let size as UInt64: return Int(clamping: size)
        case let size as Int64: return Int(clamping: size)
        default: return nil
        }
    }
}

/// What ``SessionFile/read(from:limits:)`` found.
public struct SessionFileContents: Sendable, Hashable {
    /// The sessions that decoded, in file order.
    public var sessions: [Session]
    /// The skipped lines, up to ``SessionFile/Limits/maxReportedProblems``.
    public var problems: [SessionFile.Problem]
    /// How many lines were skipped in all, reported or not.
    public var skippedLines: Int
    /// The states of the flow versions that wrote the file, from its header.
    public var flows: [SessionFile.FlowStates]

    /// Contents as given; by default those of an empty file (no sessions, problems or flows).
    public init(
        sessions: [Session] = [], problems: [SessionFile.Problem] = [], skippedLines: Int = 0,
        flows: [SessionFile.FlowStates] = []
    ) {
        self.sessions = sessions
        self.problems = problems
        self.skippedLines = skippedLines
        self.flows = flows
    }

    mutating func skip(line: Int, _ reason: String, limits: SessionFile.Limits) {
        skippedLines += 1
        if problems.count < limits.maxReportedProblems {
            problems.append(SessionFile.Problem(line: line, reason: reason))
        }
    }
}

/// Why the state file could not be read or written as a whole.
public enum SessionFileError: Error, Hashable, CustomStringConvertible {
    /// The file starts with a session file header of another format version.
    case unsupportedVersion(path: String, found: Int, supported: Int)
    /// The file does not start with a session file header.
    case notASessionFile(path: String, reason: String)
    /// The file is larger than ``SessionFile/Limits/maxFileBytes``.
    case tooLarge(path: String, bytes: Int, limit: Int)
    /// The file exists but could not be read (permissions, an I/O error); `reason` is the system's error.
    case unreadable(path: String, reason: String)
    /// The file could not be written (a missing folder, permissions, a full disk); `reason` is the system's error.
    case unwritable(path: String, reason: String)

    /// The error in one line, starting with the file's path.
    public var description: String {
        switch self {
        case .unsupportedVersion(let path, let found, let supported):
            return "\(path): session file format version \(found) is not supported (this build reads version \(supported))"
        case .notASessionFile(let path, let reason):
            return "\(path): not a Touchtone session file: \(reason)"
        case .tooLarge(let path, let bytes, let limit):
            return "\(path): session file of \(bytes) bytes exceeds the limit of \(limit) bytes"
        case .unreadable(let path, let reason):
            return "\(path): cannot read the session file: \(reason)"
        case .unwritable(let path, let reason):
            return "\(path): cannot write the session file: \(reason)"
        }
    }
}
