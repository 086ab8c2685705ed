import FoundationEssentials
import Testing

@testable import Touchtone

/// A fresh directory per test, removed when the test ends.
private final class ScratchDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("touchtone-sessionfile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String = "sessions.jsonl") -> String { path + "/" + name }

    func write(_ text: String, to name: String = "sessions.jsonl") throws -> String {
        let target = file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        return target
    }

    func text(of name: String = "sessions.jsonl") throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: file(name))), as: UTF8.self)
    }
}

private func richSession() -> Session {
    var session = Session(
        callId: "123456789012345678901234567890123456789012345678901234567890abcdef0123456789",
        flow: "support/hotline", flowVersion: 3, state: 4, phase: .awaitingConfirmation,
        call: CallData(
            from: "4915790000001", to: "4921100000002", direction: .incoming,
            users: ["Alice", "Bob \"the builder\" Ünal"], diversion: "4930123456"),
        startedAt: Date(timeIntervalSince1970: 1_767_225_600.5))
    session.noInputCount = 1
    session.wrongKeyCount = 2
    session.silenceStreak = 3
    session.trail = MenuTrail([0, 2, 7])
    session.variables.set("customer", to: "K-1/99\nx")
    session.variables.set("pin", to: "4711", sensitive: true)
    session.variables.set("amount", to: "12.50")
    session.answered = true
    session.lastActivity = Date(timeIntervalSince1970: 1_767_225_655.25)
    return session
}

private func plainSession(_ id: String) -> Session {
    Session(
        callId: CallID(id), flow: "main", flowVersion: 1, state: 0,
        call: CallData(from: "anonymous", to: "4921100000002", direction: .outgoing),
        startedAt: Date(timeIntervalSince1970: 1_767_225_600))
}

/// Inserts `session`, which must be new to `store`.
private func add(_ session: Session, to store: InMemorySessionStore, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(store.insert(session) == .inserted, sourceLocation: sourceLocation)
}

/// One session as a file line, the way `SessionFile.write` writes it.
private func line(_ session: Session) throws -> String {
    let (data, _) = SessionFile.encode([session])
    let text = String(decoding: data, as: UTF8.self)
    return try #require(text.split(separator: "\n").dropFirst().first.map(String.init))
}

@Suite struct SessionFileTests {
    @Test func roundTripKeepsEverythingButSensitiveVariables() throws {
        let dir = try ScratchDirectory()
        let original = [richSession(), plainSession("second")]
        #expect(try SessionFile.write(original, to: dir.file()) == 2)

        let contents = try SessionFile.read(from: dir.file())
        #expect(contents.problems.isEmpty)
        #expect(contents.skippedLines == 0)

        var expected = richSession()
        expected.variables.remove("pin")
        #expect(contents.sessions == [expected, plainSession("second")])
        // Spelled out, so a failure says which part was lost.
        let restored = try #require(contents.sessions.first)
        #expect(restored.trail.states == [0, 2, 7])
        #expect(restored.call.users == ["Alice", "Bob \"the builder\" Ünal"])
        #expect(restored.call.diversion == "4930123456")
        #expect(restored.variables.entries.map(\.name) == ["customer", "amount"])
        #expect(restored.variables["customer"] == "K-1/99\nx")
        #expect(restored.variables["pin"] == nil)
        #expect(restored.startedAt == Date(timeIntervalSince1970: 1_767_225_600.5))
        #expect(restored.lastActivity == Date(timeIntervalSince1970: 1_767_225_655.25))
        #expect(restored.phase == .awaitingConfirmation)
        #expect(restored.answered)
    }

    @Test(arguments: [
        richSession(),
        plainSession("plain"),
        {
            var odd = plainSession("quote\" backslash\\ slash/ nul\u{0} bell\u{7} bs\u{8} ff\u{C} tab\t cr\r lf\n del\u{7F} é 😀")
            odd.flow = "\u{1F}\u{2028}"
            odd.call.users = []
            odd.startedAt = Date(timeIntervalSince1970: -12.125)
            odd.lastActivity = Date(timeIntervalSince1970: 0.1)
            odd.flowVersion = -3
            odd.state = .max
            odd.trail = MenuTrail([1, 2, 3, 4, 5])
            return odd
        }(),
        {
            var large = plainSession("large")
            large.lastActivity = Date(timeIntervalSince1970: 1e17 + 0.5)
            large.startedAt = Date(timeIntervalSince1970: 4_102_444_800.999)
            large.phase = .finished
            return large
        }(),
    ])
    func handWrittenLinesMatchJSONEncoder(session: Session) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = String(decoding: try encoder.encode(session), as: UTF8.self)
        var bytes: [UInt8] = []
        let written = SessionFile.SessionLineWriter.append(session, to: &bytes)
        #expect(written)
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
        #expect(!bytes.contains(UInt8(ascii: "\n")))
    }

    /// The fast reader must return what JSONDecoder returns, or nothing (then JSONDecoder
    /// reads the line). Checked on written lines and on every one-byte change to them.
    @Test func fastReaderAgreesWithJSONDecoderOnWrittenAndDamagedLines() throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        func fast(_ line: [UInt8]) -> Session? {
            line.withUnsafeBytes { SessionFile.SessionLineReader.parse($0) }
        }
        var odd = plainSession("esc \" \\ / \n \r \t \u{8} \u{C} é 😀")
        odd.call.users = []
        odd.flowVersion = -42
        odd.startedAt = Date(timeIntervalSince1970: -0.5)
        odd.lastActivity = Date(timeIntervalSince1970: 1e17 + 0.5)
        odd.variables.set("a", to: "")
        var samples = [richSession(), plainSession("p"), odd]
        samples[1].trail = MenuTrail([1, 2, 3, 4, 5, 6])

        let replacements: [UInt8?] = [nil] + Array("09-+.eE\"\\/,:{}[]u atn ".utf8) + [0x01, 0x7F, 0x80, 0xFF]
        var accepted = 0
        for sample in samples {
            var line: [UInt8] = []
            _ = SessionFile.SessionLineWriter.append(sample, to: &line)
            let original = try #require(fast(line), "the fast reader must read what the writer writes")
            #expect(original == (try decoder.decode(Session.self, from: Data(line))))
            for position in line.indices {
                for replacement in replacements {
                    var damaged = line
                    if let replacement { damaged[position] = replacement } else { damaged.remove(at: position) }
                    guard let read = fast(damaged) else { continue }
                    accepted += 1
                    let reference = try? decoder.decode(Session.self, from: Data(damaged))
                    #expect(read == reference, "\(String(decoding: damaged, as: UTF8.self))")
                }
                var inserted = line
                inserted.insert(UInt8(ascii: "1"), at: position)
                if let read = fast(inserted) {
                    accepted += 1
                    #expect(
                        read == (try? decoder.decode(Session.self, from: Data(inserted))), "\(String(decoding: inserted, as: UTF8.self))")
                }
            }
        }
        // Changed digits and string contents still read fast; the test must compare some.
        #expect(accepted > 1_000)
    }

    @Test func sessionWithANonFiniteDateIsLeftOutAndTheOthersWritten() throws {
        let dir = try ScratchDirectory()
        var broken = plainSession("broken")
        broken.lastActivity = Date(timeIntervalSince1970: .infinity)
        #expect(try SessionFile.write([plainSession("a"), broken, plainSession("b")], to: dir.file()) == 2)
        #expect(try SessionFile.read(from: dir.file()).sessions.map(\.callId) == ["a", "b"])
    }

    @Test func sensitiveValuesNeverReachTheDisk() throws {
        let dir = try ScratchDirectory()
        try SessionFile.write([richSession()], to: dir.file())
        let text = try dir.text()
        #expect(!text.contains("4711"))
        #expect(!text.contains("\"pin\""))
        #expect(text.contains("customer"), "the non-sensitive variables are written")
    }

    @Test func fileIsAVersionHeaderThenOneSessionPerLineInSecondsSince1970() throws {
        let dir = try ScratchDirectory()
        try SessionFile.write([richSession(), plainSession("b"), plainSession("c")], to: dir.file())
        let lines = try dir.text().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 5, "header, three sessions, and the final newline's empty rest")
        #expect(lines.first == "{\"touchtone-sessions\":1}")
        #expect(lines.last == "")
        #expect(lines[1].contains("\"lastActivity\":1767225655.25"))
        #expect(lines[1].contains("\"callId\":\"123456789012345678901234567890123456789012345678901234567890abcdef0123456789\""))
    }

    @Test func emptyStoreWritesAFileThatReadsAsEmpty() throws {
        let dir = try ScratchDirectory()
        #expect(try SessionFile.write([], to: dir.file()) == 0)
        #expect(try dir.text() == "{\"touchtone-sessions\":1}\n")
        #expect(try SessionFile.read(from: dir.file()) == SessionFileContents())
    }

    @Test func missingFileReadsAsNoSessions() throws {
        let dir = try ScratchDirectory()
        let contents = try SessionFile.read(from: dir.file("never-written.jsonl"))
        #expect(contents.sessions.isEmpty)
        #expect(contents.problems.isEmpty)
    }

    @Test func writeReplacesTheOldFileAndLeavesNoTemporaryFiles() throws {
        let dir = try ScratchDirectory()
        try SessionFile.write([plainSession("old-1"), plainSession("old-2")], to: dir.file())
        try SessionFile.write([plainSession("new")], to: dir.file())
        #expect(try SessionFile.read(from: dir.file()).sessions == [plainSession("new")])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["sessions.jsonl"])
    }

    @Test func writeIntoAMissingDirectoryFailsWithThePath() throws {
        let dir = try ScratchDirectory()
        let target = dir.path + "/no/such/dir/sessions.jsonl"
        let error = try #require(throws: SessionFileError.self) {
            try SessionFile.write([plainSession("a")], to: target)
        }
        guard case .unwritable(let path, _) = error else {
            Issue.record("expected .unwritable, got \(error)")
            return
        }
        #expect(path == target)
        #expect(error.description.contains(target))
    }

    @Test func badLinesAreSkippedWithTheirLineNumbersAndTheGoodOnesKept() throws {
        let dir = try ScratchDirectory()
        var missingFlow = try line(plainSession("no-flow"))
        missingFlow = missingFlow.replacingOccurrences(of: "\"flow\":\"main\",", with: "")
        let wrongType = try line(plainSession("bad-state")).replacingOccurrences(of: "\"state\":0", with: "\"state\":\"zero\"")
        let tooBigState = try line(plainSession("big-state")).replacingOccurrences(of: "\"state\":0", with: "\"state\":70000")
        let emptyCallId = try line(plainSession(""))
        // Room for every session line here, but not for line 7.
        let lineLimit = [missingFlow, wrongType, tooBigState, emptyCallId, try line(plainSession("good-1"))].map(\.utf8.count).max()! + 10
        let text = [
            "{\"touchtone-sessions\":1}",  // 1
            try line(plainSession("good-1")),  // 2
            "this is not json",  // 3
            missingFlow,  // 4
            "",  // 5: blank lines are not problems
            wrongType,  // 6
            String(repeating: "x", count: lineLimit + 1),  // 7: over the line limit
            try line(plainSession("good-2")),  // 8
            tooBigState,  // 9
            emptyCallId,  // 10
            "{\"callId\": \"truncated",  // 11
            try line(plainSession("good-3")),  // 12, no final newline
        ].joined(separator: "\n")
        let path = try dir.write(text)

        let contents = try SessionFile.read(from: path, limits: .init(maxLineBytes: lineLimit))
        #expect(contents.sessions.map(\.callId) == ["good-1", "good-2", "good-3"])
        #expect(contents.problems.map(\.line) == [3, 4, 6, 7, 9, 10, 11])
        #expect(contents.skippedLines == 7)
        let reasons = Dictionary(uniqueKeysWithValues: contents.problems.map { ($0.line, $0.reason) })
        #expect(reasons[3] == SessionFile.unparsable)
        #expect(reasons[4] == "missing field 'flow'")
        #expect(reasons[6] == "state is not a UInt16")
        #expect(reasons[7] == "longer than \(lineLimit) bytes")
        #expect(reasons[9] == SessionFile.unparsable)
        #expect(reasons[10] == "empty callId")
        #expect(reasons[11] == SessionFile.unparsable)
        #expect(contents.problems.first?.description == "line 3: not valid JSON, or a number out of range")
    }

    @Test func overlongCallIdIsSkipped() throws {
        let dir = try ScratchDirectory()
        let path = try dir.write(
            "{\"touchtone-sessions\":1}\n" + line(plainSession(String(repeating: "9", count: 257))) + "\n"
                + line(plainSession("ok")) + "\n")
        let contents = try SessionFile.read(from: path)
        #expect(contents.sessions.map(\.callId) == ["ok"])
        #expect(contents.problems == [SessionFile.Problem(line: 2, reason: "callId longer than 256 bytes")])
    }

    @Test func windowsLineEndingsAreRead() throws {
        let dir = try ScratchDirectory()
        let path = try dir.write(
            "{\"touchtone-sessions\":1}\r\n" + line(plainSession("a")) + "\r\n" + line(plainSession("b")) + "\r\n")
        let contents = try SessionFile.read(from: path)
        #expect(contents.sessions.map(\.callId) == ["a", "b"])
        #expect(contents.problems.isEmpty)
    }

    @Test func sessionsBeyondTheLimitAreNotReadAndThatIsReported() throws {
        let dir = try ScratchDirectory()
        try SessionFile.write((0..<5).map { plainSession("call-\($0)") }, to: dir.file())
        let contents = try SessionFile.read(from: dir.file(), limits: .init(maxSessions: 3))
        #expect(contents.sessions.map(\.callId) == ["call-0", "call-1", "call-2"])
        #expect(contents.problems.map(\.line) == [5])
        #expect(contents.problems.first?.reason.contains("more than 3 sessions") == true)
    }

    @Test func reportedProblemsAreCappedButAllAreCounted() throws {
        let dir = try ScratchDirectory()
        let text = "{\"touchtone-sessions\":1}\n" + String(repeating: "garbage\n", count: 50) + (try line(plainSession("ok")))
        let path = try dir.write(text)
        let contents = try SessionFile.read(from: path, limits: .init(maxReportedProblems: 5))
        #expect(contents.sessions.map(\.callId) == ["ok"])
        #expect(contents.problems.map(\.line) == [2, 3, 4, 5, 6])
        #expect(contents.skippedLines == 50)
    }

    @Test func unknownFormatVersionIsRefused() throws {
        let dir = try ScratchDirectory()
        let path = try dir.write("{\"touchtone-sessions\":2}\n" + line(plainSession("a")) + "\n")
        let error = try #require(throws: SessionFileError.self) { try SessionFile.read(from: path) }
        #expect(error == .unsupportedVersion(path: path, found: 2, supported: 1))
        #expect(error.description.contains("version 2 is not supported"))
    }

    @Test func fileWithoutAHeaderIsRefused() throws {
        let dir = try ScratchDirectory()
        for (name, text) in [
            ("headerless", try line(plainSession("a")) + "\n"),
            ("other-json", "{\"version\":1}\n"),
            ("wrong-type", "{\"touchtone-sessions\":\"1\"}\n"),
            ("binary", "\u{0}\u{1}\u{2}"),
            ("empty", ""),
        ] {
            let path = try dir.write(text, to: name)
            let error = try #require(throws: SessionFileError.self, "\(name)") { try SessionFile.read(from: path) }
            guard case .notASessionFile(let reportedPath, _) = error else {
                Issue.record("\(name): expected .notASessionFile, got \(error)")
                continue
            }
            #expect(reportedPath == path)
        }
    }

    @Test func fileOverTheSizeLimitIsRefused() throws {
        let dir = try ScratchDirectory()
        try SessionFile.write((0..<10).map { plainSession("call-\($0)") }, to: dir.file())
        let error = try #require(throws: SessionFileError.self) {
            try SessionFile.read(from: dir.file(), limits: .init(maxFileBytes: 1_000))
        }
        guard case .tooLarge(_, let bytes, let limit) = error else {
            Issue.record("expected .tooLarge, got \(error)")
            return
        }
        #expect(bytes > 1_000)
        #expect(limit == 1_000)
    }

    @Test func directoryInsteadOfAFileIsUnreadable() throws {
        let dir = try ScratchDirectory()
        #expect(throws: SessionFileError.self) { try SessionFile.read(from: dir.path) }
    }

    @Test func storeSavedAndRestoredHoldsTheSameSessions() throws {
        let dir = try ScratchDirectory()
        let before = InMemorySessionStore(idleTimeout: .seconds(60), shards: 8)
        for i in 0..<100 { add(plainSession("call-\(i)"), to: before) }
        add(richSession(), to: before)
        try SessionFile.write(before.allSessions(), to: dir.file())

        let after = InMemorySessionStore(idleTimeout: .seconds(60), shards: 16)
        let contents = try SessionFile.read(from: dir.file())
        #expect(after.restore(contents.sessions, now: Date(timeIntervalSince1970: 1_767_225_660)) == 101)
        var expected = Set(before.allSessions())
        var rich = richSession()
        expected.remove(rich)
        rich.variables.remove("pin")
        expected.insert(rich)
        #expect(Set(after.allSessions()) == expected)
    }
}
