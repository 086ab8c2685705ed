import Testing

@testable import TouchtoneServer

/// The connection's state machine alone: events in, actions out, no socket and no clock.
@Suite("Connection state machine")
struct ConnectionStateMachineTests {
    static let ms: UInt64 = 1_000_000
    static let date = Array("Sun, 06 Dec 2026 08:00:00 GMT".utf8)
    static let get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

    static func limits(_ change: (inout ServerLimits) -> Void = { _ in }) -> Connection.Limits {
        var limits = ServerLimits()
        limits.requestTimeout = .milliseconds(100)
        limits.idleTimeout = .milliseconds(1000)
        limits.lingerTime = .milliseconds(500)
        limits.lingerTimeout = .milliseconds(50)
        limits.lingerBytes = 1000
        change(&limits)
        return Connection.Limits(limits)
    }

    static func connection(_ change: (inout ServerLimits) -> Void = { _ in }) -> Connection {
        Connection(parserLimits: HTTPParserLimits(maxBodyBytes: 100), limits: limits(change), now: 0)
    }

    static let ok = HTTPResponse.text(.ok, "ok")

    // MARK: - Reading and answering

    @Test func aRequestIsHandedOutAndItsAnswerSent() {
        var c = Self.connection()
        guard case .handle(let request) = c.receive(Self.get, now: 1) else {
            Issue.record("no request")
            return
        }
        #expect(request.path == "/healthz")
        #expect(c.answered(Self.ok, date: Self.date, serverStopping: false, now: 1) == .send)
        #expect(c.pending.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(!c.pending.contains("Connection:"))
        #expect(c.sent(c.pendingCount, now: 1) == .wait(.readable))
        #expect(c.isIdle)
    }

    @Test func aPartialSendGoesOnWhenTheSocketIsWritable() {
        var c = Self.connection()
        _ = c.receive(Self.get, now: 1)
        _ = c.answered(Self.ok, date: Self.date, serverStopping: false, now: 1)
        let total = c.pendingCount
        #expect(c.sent(5, now: 2) == .send)
        #expect(c.sendWouldBlock() == .wait([.readable, .writable]))
        // More bytes while blocked: no request, so no attempt to send either.
        #expect(c.receive("GET /x", now: 3) == .wait([.readable, .writable]))
        #expect(c.writable(now: 4) == .send)
        #expect(c.pendingCount == total - 5)
        #expect(c.sent(total - 5, now: 5) == .wait(.readable))
    }

    @Test func pipelinedRequestsAreHandedOutInOrderAndAnsweredInOneSend() {
        var c = Self.connection()
        guard case .handle(let first) = c.receive(Self.get + "GET /second HTTP/1.1\r\nHost: x\r\n\r\n", now: 1) else {
            Issue.record("no first request")
            return
        }
        #expect(first.path == "/healthz")
        guard case .handle(let second) = c.answered(Self.ok, date: Self.date, serverStopping: false, now: 1) else {
            Issue.record("no second request")
            return
        }
        #expect(second.path == "/second")
        #expect(c.answered(Self.ok, date: Self.date, serverStopping: false, now: 1) == .send)
        #expect(c.pending.ranges(of: "HTTP/1.1 200 OK").count == 2)
        #expect(c.servedRequests == 2)
    }

    @Test func aLookUpHoldsBackTheRequestsBehindIt() {
        var c = Self.connection()
        _ = c.receive(Self.get + "GET /second HTTP/1.1\r\nHost: x\r\n\r\n", now: 1)
        #expect(c.lookupStarted(now: 1) == .wait([]))
        #expect(c.timerFired(now: 10_000 * Self.ms) == .wait([]))
        guard case .handle(let second) = c.answered(Self.ok, date: Self.date, serverStopping: false, now: 2) else {
            Issue.record("the request behind the look-up was not handed out")
            return
        }
        #expect(second.path == "/second")
    }

    @Test func whileALookUpRunsTheConnectionReadsUntilANextRequestBegins() {
        var c = Self.connection()
        _ = c.receive(Self.get, now: 1)
        // Still readable: a client that sends nothing costs no change of interest.
        #expect(c.lookupStarted(now: 1) == .wait(.readable))
        // The next request's first bytes: held, and reading stops until the answer is out.
        #expect(c.receive("GET /sec", now: 1) == .wait([]))
        #expect(c.receive("ond HTTP/1.1\r\nHost: x\r\n\r\n", now: 1) == .wait([]))
        guard case .handle(let second) = c.answered(Self.ok, date: Self.date, serverStopping: false, now: 2) else {
            Issue.record("the request behind the look-up was not handed out")
            return
        }
        #expect(second.path == "/second")
    }

    @Test func aClientThatClosesDuringALookUpStillGetsItsAnswer() {
        var c = Self.connection()
        _ = c.receive(Self.get, now: 1)
        #expect(c.lookupStarted(now: 1) == .wait(.readable))
        #expect(c.peerClosed(now: 1) == .wait([]))
        #expect(c.answered(Self.ok, date: Self.date, serverStopping: false, now: 2) == .send)
        #expect(c.pending.hasPrefix("HTTP/1.1 200 OK"))
        #expect(c.sent(c.pendingCount, now: 2) == .close)
    }

    @Test func keepAliveIsWhatTheRequestAsksAndTheServerAllows() {
        let cases: [(String, Bool, String?, Bool)] = [
            (Self.get, false, nil, true),
            ("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false, "close", false),
            ("GET / HTTP/1.0\r\n\r\n", false, "close", false),
            ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false, "keep-alive", true),
            (Self.get, true, "close", false),
        ]
        for (text, stopping, field, keptOpen) in cases {
            var c = Self.connection()
            _ = c.receive(text, now: 1)
            _ = c.answered(Self.ok, date: Self.date, serverStopping: stopping, now: 1)
            #expect(c.pending.contains("Connection: ") == (field != nil), "\(text)")
            if let field { #expect(c.pending.contains("Connection: \(field)\r\n"), "\(text)") }
            #expect(c.sent(c.pendingCount, now: 1) == (keptOpen ? .wait(.readable) : .close), "\(text)")
        }
    }

    @Test func expectContinueGetsTheInterimAnswerFirst() {
        var c = Self.connection()
        let head = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"
        #expect(c.receive(head, now: 1) == .send)
        #expect(c.pending == "HTTP/1.1 100 Continue\r\n\r\n")
        #expect(c.sent(c.pendingCount, now: 1) == .wait(.readable))
        guard case .handle(let request) = c.receive("a=b", now: 2) else {
            Issue.record("no request")
            return
        }
        #expect(request.body == Array("a=b".utf8))
    }

    @Test func aClientThatClosedItsSideGetsItsAnswersThenTheConnectionCloses() {
        var c = Self.connection()
        _ = c.receive(Self.get + Self.get + "GET /partial", now: 1)
        _ = c.answered(Self.ok, date: Self.date, serverStopping: false, now: 1)
        _ = c.answered(Self.ok, date: Self.date, serverStopping: false, now: 1)
        #expect(c.peerClosed(now: 2) == .send)
        #expect(c.sent(c.pendingCount, now: 2) == .close)
    }

    @Test func aResetEndsTheConnection() {
        var c = Self.connection()
        _ = c.receive("GET /", now: 1)
        #expect(c.failed() == .close)
    }

    // MARK: - Back-pressure

    @Test func aClientThatDoesNotReadIsNotReadFromEither() {
        var c = Self.connection()
        let many = String(repeating: Self.get, count: 100)
        var action = c.receive(many, now: 1)
        let big = HTTPResponse.text(.ok, String(repeating: "x", count: 10_000))
        var answered = 0
        while case .handle = action {
            action = c.answered(big, date: Self.date, serverStopping: false, now: 1)
            answered += 1
        }
        // Answering stopped at the high-water mark, with requests still buffered.
        #expect(action == .send)
        #expect(answered < 100 && c.pendingCount >= 256 * 1024)
        #expect(c.sendWouldBlock() == .wait(.writable))
        #expect(c.writable(now: 2) == .send)
        guard case .handle = c.sent(c.pendingCount, now: 2) else {
            Issue.record("reading did not resume")
            return
        }
    }

    // MARK: - Refusals and the lingering close

    @Test(arguments: [
        ("\u{1}\u{2}\r\n\r\n", Refusal.badRequest),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", .contentTooLarge),
        ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", .httpVersion),
        ("GET / HTTP/1.1\r\nHost: x\r\nExpect: tea\r\n\r\n", .expectationFailed),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", .transferEncoding),
        ("GET / HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "y", count: 9000) + "\r\n\r\n", .headersTooLarge),
    ])
    func anUnreadableRequestIsRefusedSentAndLingeredOn(input: String, refusal: Refusal) {
        var c = Self.connection()
        guard case .refuse(let got, _) = c.receive(input, now: 1) else {
            Issue.record("not refused")
            return
        }
        #expect(got == refusal)
        #expect(c.answered(.text(refusal.status, "no"), date: Self.date, serverStopping: false, now: 1) == .send)
        #expect(c.pending.contains("Connection: close\r\n"))
        #expect(c.sent(c.pendingCount, now: 1) == .shutdownWrite)
        #expect(c.sendingSideShut(now: 1) == .wait(.readable))
        // What the client still sends is dropped, until it closes.
        #expect(c.receive(String(repeating: "z", count: 400), now: 2) == .wait(.readable))
        #expect(c.peerClosed(now: 3) == .close)
    }

    @Test func lingeringIsBoundedInBytes() {
        var c = Self.lingering()
        #expect(c.receive(String(repeating: "z", count: 600), now: 2) == .wait(.readable))
        #expect(c.receive(String(repeating: "z", count: 600), now: 3) == .close)
    }

    @Test func lingeringIsBoundedInSilence() {
        var c = Self.lingering()
        #expect(c.timerFired(now: 40 * Self.ms) == .wait(.readable))
        #expect(c.timerFired(now: 52 * Self.ms) == .close)
    }

    @Test func lingeringIsBoundedInAll() {
        var c = Self.lingering()
        var now: UInt64 = 0
        // A client that trickles a byte every 40 ms never goes silent for 50 ms...
        while now < 480 * Self.ms {
            now += 40 * Self.ms
            #expect(c.receive("z", now: now) == .wait(.readable))
            #expect(c.timerFired(now: now) == .wait(.readable))
        }
        // ...but lingering ends at 500 ms whatever it does.
        #expect(c.timerFired(now: 500 * Self.ms) == .close)
    }

    @Test func aClientThatClosedItsSideIsNotLingeredFor() {
        var c = Self.connection()
        _ = c.receive("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", now: 1)
        _ = c.answered(.text(.contentTooLarge, "no"), date: Self.date, serverStopping: false, now: 1)
        #expect(c.peerClosed(now: 1) == .send)
        #expect(c.sent(c.pendingCount, now: 1) == .close)
    }

    /// A connection that answered 413 and shut its sending side at time 0.
    static func lingering() -> Connection {
        var c = connection()
        _ = c.receive("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", now: 0)
        _ = c.answered(.text(.contentTooLarge, "no"), date: date, serverStopping: false, now: 0)
        _ = c.sent(c.pendingCount, now: 0)
        _ = c.sendingSideShut(now: 0)
        return c
    }

    // MARK: - Timeouts

    @Test func aRequestThatDoesNotArriveInTimeIs408AndLingers() {
        var c = Self.connection()
        #expect(c.receive("GET /healthz HTTP/1.1\r\n", now: 10 * Self.ms) == .wait(.readable))
        #expect(c.timerFired(now: 100 * Self.ms) == .wait(.readable))
        #expect(c.timerFired(now: 111 * Self.ms) == .refuse(.requestTimeout, "request not received in time"))
        #expect(c.answered(.text(.requestTimeout, "late"), date: Self.date, serverStopping: false, now: 111 * Self.ms) == .send)
        #expect(c.sent(c.pendingCount, now: 111 * Self.ms) == .shutdownWrite)
    }

    @Test func aBusyPipeliningClientStartsEachRequestsClockWhenTheOneBeforeCompleted() {
        var c = Self.connection()
        var now: UInt64 = 0
        _ = c.receive("GET /he", now: now)
        for _ in 0..<10 {
            now += 60 * Self.ms
            guard case .handle = c.receive("althz HTTP/1.1\r\nHost: x\r\n\r\nGET /he", now: now) else {
                Issue.record("no request")
                return
            }
            _ = c.answered(Self.ok, date: Self.date, serverStopping: false, now: now)
            _ = c.sent(c.pendingCount, now: now)
            #expect(c.timerFired(now: now + 90 * Self.ms) == .wait(.readable))
        }
    }

    @Test func aSilentNewConnectionGetsTheRequestTimeoutAnIdleOneTheIdleTimeout() {
        var fresh = Self.connection()
        #expect(fresh.timerFired(now: 100 * Self.ms) == .wait(.readable))
        #expect(fresh.timerFired(now: 101 * Self.ms) == .close)

        var served = Self.connection()
        _ = served.receive(Self.get, now: 0)
        _ = served.answered(Self.ok, date: Self.date, serverStopping: false, now: 0)
        _ = served.sent(served.pendingCount, now: 0)
        #expect(served.timerFired(now: 500 * Self.ms) == .wait(.readable))
        #expect(served.timerFired(now: 1001 * Self.ms) == .close)
    }

    @Test func aClientThatReadsNothingIsClosedAfterTheIdleTimeout() {
        var c = Self.connection()
        _ = c.receive(Self.get, now: 0)
        _ = c.answered(Self.ok, date: Self.date, serverStopping: false, now: 0)
        #expect(c.sendWouldBlock() == .wait([.readable, .writable]))
        #expect(c.timerFired(now: 900 * Self.ms) == .wait([.readable, .writable]))
        #expect(c.timerFired(now: 1001 * Self.ms) == .close)
    }

    // MARK: - Stopping

    @Test func anIdleConnectionLooksOnceForBytesThenCloses() {
        var idle = Self.connection()
        #expect(idle.stopRequested(deadline: 10_000 * Self.ms, now: 1) == .read)
        #expect(idle.readWouldBlock(now: 1) == .close)

        var late = Self.connection()
        #expect(late.stopRequested(deadline: 10_000 * Self.ms, now: 1) == .read)
        guard case .handle = late.receive(Self.get, now: 1) else {
            Issue.record("the last request was dropped")
            return
        }
        _ = late.answered(Self.ok, date: Self.date, serverStopping: true, now: 1)
        #expect(late.sent(late.pendingCount, now: 1) == .close)
    }

    @Test func aRequestInFlightIsFinishedThenTheConnectionCloses() {
        var c = Self.connection()
        _ = c.receive("GET /healthz HTTP/1.1\r\n", now: 0)
        #expect(c.stopRequested(deadline: 10_000 * Self.ms, now: 1) == .wait(.readable))
        guard case .handle = c.receive("Host: x\r\n\r\n", now: 2) else {
            Issue.record("no request")
            return
        }
        _ = c.answered(Self.ok, date: Self.date, serverStopping: true, now: 2)
        #expect(c.pending.contains("Connection: close\r\n"))
        #expect(c.sent(c.pendingCount, now: 2) == .close)
    }

    @Test func theGraceDeadlineClosesEvenALookUpInFlight() {
        var c = Self.connection()
        _ = c.receive(Self.get, now: 0)
        _ = c.lookupStarted(now: 0)
        #expect(c.stopRequested(deadline: 500 * Self.ms, now: 1) == .wait([]))
        #expect(c.timerFired(now: 499 * Self.ms) == .wait([]))
        #expect(c.timerFired(now: 500 * Self.ms) == .close)
    }
}

extension Connection {
    mutating func receive(_ text: String, now: UInt64) -> Action {
        Array(text.utf8).withUnsafeBytes { bytesReceived($0, now: now) }
    }

    var pending: String { mutating get { withPendingOutput { String(decoding: $0, as: UTF8.self) } } }
    var pendingCount: Int { mutating get { withPendingOutput { $0.count } } }
}
