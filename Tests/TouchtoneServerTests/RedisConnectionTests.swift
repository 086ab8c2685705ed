import Testing

@testable import TouchtoneServer

extension RedisConnection {
    /// Feeds `text` as bytes from the server.
    mutating func receive(_ text: String, now: UInt64) -> Action {
        Array(text.utf8).withUnsafeBytes { bytesReceived($0, now: now) }
    }

    /// The bytes waiting to be sent, as text.
    mutating func pending() -> String {
        withPendingOutput { String(decoding: $0, as: UTF8.self) }
    }

    /// Sends everything pending in one go.
    mutating func sendAll(now: UInt64) -> Action {
        let count = withPendingOutput { $0.count }
        return sent(count, now: now)
    }
}

/// The Redis connection's state machine alone: events in, actions out, no socket, no clock.
@Suite("Redis connection state machine")
struct RedisConnectionTests {
    static let ms: UInt64 = 1_000_000

    static func settings(_ change: (inout RedisSettings) -> Void = { _ in }) -> RedisSettings {
        var settings = RedisSettings()
        settings.commandTimeout = .milliseconds(100)
        settings.connectTimeout = .milliseconds(500)
        settings.keepaliveInterval = .seconds(10)
        settings.clientName = nil
        change(&settings)
        return settings
    }

    static func get(_ key: String) -> RESPCommand { RESPCommand("GET", key) }

    /// A connection past its handshake (none to do), at time `now`.
    static func ready(
        _ change: (inout RedisSettings) -> Void = { _ in }, url: RedisURL = RedisURL(host: "127.0.0.1"),
        now: UInt64 = 0
    ) -> RedisConnection {
        var c = RedisConnection(url: url, settings: settings(change), now: now, seed: 1)
        #expect(c.timerFired(now: now) == .connect)
        #expect(c.connectInProgress(now: now) == .wait(.writable))
        _ = c.connected(now: now)
        return c
    }

    /// The completions as `token: reply-or-error-kind` lines, for compact expectations.
    static func summary(_ completions: [RedisCompletion]) -> [String] {
        completions.map { completion in
            switch completion.result {
            case .success(let reply): return "\(completion.token): \(reply)"
            case .failure(let error): return "\(completion.token): \(error.kind) \(error.mayHaveRun ? "sent" : "unsent")"
            }
        }
    }

    // MARK: - Connecting and the handshake

    @Test func withNothingToSayTheConnectionIsReadyOnceConnected() {
        var c = Self.ready()
        #expect(c.isReady)
        #expect(c.interest == .readable)
        #expect(c.send(Self.get("k"), token: 1, now: 0) == .send)
        #expect(c.pending() == "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
        #expect(c.sendAll(now: 0) == .wait(.readable))
        #expect(c.receive("$1\r\nv\r\n", now: 1) == .wait(.readable))
        #expect(Self.summary(c.takeCompletions()) == ["1: bulkString([118])"])
    }

    @Test func theHandshakeLogsInSelectsAndNamesInOneWriteWhileCommandsWait() {
        let url = RedisURL(host: "127.0.0.1", user: "alice", password: "secret", database: 2)
        var c = RedisConnection(url: url, settings: Self.settings { $0.clientName = "touchtone" }, now: 0, seed: 1)
        #expect(c.timerFired(now: 0) == .connect)
        #expect(c.send(Self.get("early"), token: 1, now: 0) == .wait(.writable))
        #expect(c.connected(now: 1) == .send)
        #expect(
            c.pending() == "*3\r\n$4\r\nAUTH\r\n$5\r\nalice\r\n$6\r\nsecret\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n"
                + "*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$9\r\ntouchtone\r\n")
        #expect(c.sendAll(now: 1) == .wait(.readable))
        #expect(c.send(Self.get("later"), token: 2, now: 2) == .wait(.readable))
        #expect(!c.isReady)
        #expect(c.receive("+OK\r\n+OK\r\n", now: 3) == .wait(.readable))
        // The name refused (an ACL without CLIENT) is no failure; then the waiting commands go out in order.
        #expect(c.receive("-NOPERM no permissions\r\n", now: 4) == .send)
        #expect(c.isReady)
        #expect(c.pending() == "*2\r\n$3\r\nGET\r\n$5\r\nearly\r\n*2\r\n$3\r\nGET\r\n$5\r\nlater\r\n")
        #expect(c.takeCompletions().isEmpty)
    }

    @Test func aPasswordWithoutUserIsSentAlone() {
        var c = RedisConnection(url: RedisURL(host: "h", password: "pw"), settings: Self.settings(), now: 0, seed: 1)
        _ = c.timerFired(now: 0)
        #expect(c.connected(now: 0) == .send)
        #expect(c.pending() == "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n")
    }

    @Test func aRefusedPasswordFailsTheAttemptAndTheCommandsWithAClearErrorThatHidesIt() {
        var c = RedisConnection(url: RedisURL(host: "10.0.0.9", password: "hunter2"), settings: Self.settings(), now: 0, seed: 1)
        _ = c.timerFired(now: 0)
        _ = c.send(Self.get("k"), token: 1, now: 0)
        _ = c.connected(now: 0)
        _ = c.sendAll(now: 0)
        #expect(c.receive("-WRONGPASS invalid username-password pair or user is disabled.\r\n", now: 1) == .close)
        #expect(c.closed(now: 1) == .wait([]))
        let completions = c.takeCompletions()
        guard case .failure(let error) = completions.first?.result else {
            Issue.record("no failure")
            return
        }
        #expect(error.kind == .authenticationFailed && !error.mayHaveRun)
        #expect(
            error.description
                == "redis: GET: AUTH refused by 10.0.0.9:6379: WRONGPASS invalid username-password pair or user is disabled.")
        // Down now: a command fails at once, with the same reason.
        _ = c.send(Self.get("k"), token: 2, now: 2)
        guard case .failure(let again) = c.takeCompletions().first?.result else {
            Issue.record("no failure")
            return
        }
        #expect(again.kind == .authenticationFailed && !again.description.contains("hunter2"))
    }

    @Test func aRefusedSelectFailsTheAttempt() {
        var c = RedisConnection(url: RedisURL(host: "h", database: 9), settings: Self.settings(), now: 0, seed: 1)
        _ = c.timerFired(now: 0)
        _ = c.send(Self.get("k"), token: 1, now: 0)
        _ = c.connected(now: 0)
        #expect(c.receive("-ERR DB index is out of range\r\n", now: 1) == .close)
        guard case .failure(let error) = c.takeCompletions().first?.result else {
            Issue.record("no failure")
            return
        }
        #expect(error.kind == .handshakeFailed)
        #expect(error.message == "GET: SELECT 9 refused by h:6379: ERR DB index is out of range")
    }

    @Test func anAttemptThatTakesTooLongFails() {
        var c = RedisConnection(url: RedisURL(host: "h"), settings: Self.settings { $0.commandTimeout = .seconds(5) }, now: 0, seed: 1)
        _ = c.timerFired(now: 0)
        _ = c.connectInProgress(now: 0)
        _ = c.send(Self.get("k"), token: 1, now: 0)
        #expect(c.nextDeadline == 500 * Self.ms)
        #expect(c.timerFired(now: 499 * Self.ms) == .wait(.writable))
        #expect(c.timerFired(now: 500 * Self.ms) == .close)
        guard case .failure(let error) = c.takeCompletions().first?.result else {
            Issue.record("no failure")
            return
        }
        #expect(error.message == "GET: cannot connect to h:6379: no connection within 500 ms")
        #expect(error.kind == .connectFailed && !error.mayHaveRun)
    }

    // MARK: - Pipelining

    @Test func pipelinedCommandsGetTheirRepliesInOrderEvenSplitAcrossReads() {
        var c = Self.ready()
        for token in 1...4 { _ = c.send(Self.get("k\(token)"), token: UInt64(token), now: 0) }
        #expect(c.pending().components(separatedBy: "GET").count == 5)
        _ = c.sendAll(now: 0)
        #expect(c.receive("+first\r\n:2\r\n$3\r\nth", now: 1) == .wait(.readable))
        #expect(Self.summary(c.takeCompletions()) == ["1: simpleString(\"first\")", "2: integer(2)"])
        _ = c.receive("r\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", now: 2)
        let completions = c.takeCompletions()
        #expect(Self.summary(completions) == ["3: bulkString([116, 104, 114])", "4: server sent"])
        guard case .failure(let error) = completions.last?.result else { return }
        #expect(error.message == "GET: WRONGTYPE Operation against a key holding the wrong kind of value")
        #expect(c.queuedCount == 0)
    }

    @Test func errorRepliesAreTyped() {
        var c = Self.ready()
        for token in 1...4 { _ = c.send(Self.get("k"), token: UInt64(token), now: 0) }
        _ = c.receive("-LOADING Redis is loading\r\n-NOSCRIPT No matching script\r\n-NOAUTH Authentication required.\r\n-OOM x\r\n", now: 1)
        #expect(
            Self.summary(c.takeCompletions()) == ["1: loading sent", "2: noScript sent", "3: authenticationFailed sent", "4: server sent"])
    }

    @Test func aFullSocketWaitsForRoomAndKeepsReading() {
        var c = Self.ready()
        _ = c.send(Self.get("k"), token: 1, now: 0)
        #expect(c.sent(4, now: 0) == .send)
        #expect(c.sendWouldBlock() == .wait([.readable, .writable]))
        #expect(c.send(Self.get("j"), token: 2, now: 0) == .wait([.readable, .writable]))
        #expect(c.writable(now: 1) == .send)
        #expect(c.pending() == "$3\r\nGET\r\n$1\r\nk\r\n*2\r\n$3\r\nGET\r\n$1\r\nj\r\n")
    }

    @Test func tooManyQueuedCommandsFailAtOnce() {
        var c = Self.ready { $0.maxQueuedCommands = 2 }
        for token in 1...3 { _ = c.send(Self.get("k"), token: UInt64(token), now: 0) }
        #expect(Self.summary(c.takeCompletions()) == ["3: overloaded unsent"])
    }

    @Test func aReplyForNoCommandIsAProtocolViolation() {
        var c = Self.ready()
        #expect(c.receive("+OK\r\n", now: 1) == .close)
    }

    @Test func garbageFailsTheCommandInFlightAndClosesTheConnection() {
        var c = Self.ready()
        _ = c.send(Self.get("a"), token: 1, now: 0)
        _ = c.send(Self.get("b"), token: 2, now: 0)
        #expect(c.receive("%2\r\n", now: 1) == .close)
        let completions = c.takeCompletions()
        #expect(Self.summary(completions) == ["1: protocolViolation sent", "2: connectionLost sent"])
        guard case .failure(let error) = completions.first?.result else { return }
        #expect(error.message == "GET: unexpected reply type byte 0x25: not RESP2 from 127.0.0.1:6379")
    }

    // MARK: - Timeouts

    @Test func aLateReplyFailsItsCommandAndEveryOtherInFlightAndClosesTheConnection() {
        var c = Self.ready()
        _ = c.send(Self.get("a"), token: 1, now: 0)
        _ = c.send(Self.get("b"), token: 2, now: 50 * Self.ms)
        _ = c.sendAll(now: 50 * Self.ms)
        #expect(c.nextDeadline == 100 * Self.ms)
        #expect(c.timerFired(now: 99 * Self.ms) == .wait(.readable))
        #expect(c.timerFired(now: 100 * Self.ms) == .close)
        let completions = c.takeCompletions()
        #expect(Self.summary(completions) == ["1: timedOut sent", "2: connectionLost sent"])
        guard case .failure(let late) = completions[0].result, case .failure(let lost) = completions[1].result else { return }
        #expect(late.description == "redis: GET: no reply from 127.0.0.1:6379 within 100 ms")
        #expect(lost.description == "redis: connection to 127.0.0.1:6379 lost: closed after GET got no reply within 100 ms")
        #expect(c.queuedCount == 0)
    }

    @Test func aCommandWaitingForTheConnectionTimesOutUnsent() {
        var c = RedisConnection(url: RedisURL(host: "h"), settings: Self.settings { $0.connectTimeout = .seconds(5) }, now: 0, seed: 1)
        _ = c.timerFired(now: 0)
        _ = c.connectInProgress(now: 0)
        _ = c.send(Self.get("k"), token: 1, now: 10 * Self.ms)
        #expect(c.nextDeadline == 110 * Self.ms)
        #expect(c.timerFired(now: 110 * Self.ms) == .wait(.writable))
        let completions = c.takeCompletions()
        #expect(Self.summary(completions) == ["1: timedOut unsent"])
        guard case .failure(let error) = completions.first?.result else { return }
        #expect(error.message == "GET: not sent, no connection to h:6379 within 100 ms")
    }

    // MARK: - Reconnecting

    @Test func theBackoffDoublesWithJitterUpToItsMaximumAndResetsOnSuccess() {
        var c = RedisConnection(url: RedisURL(host: "h"), settings: Self.settings(), now: 0, seed: 42)
        var now: UInt64 = 0
        var waits: [UInt64] = []
        #expect(c.timerFired(now: now) == .connect)
        for ceiling: UInt64 in [50, 100, 200, 400, 800, 1600, 2000, 2000, 2000] {
            #expect(c.connectFailed("Connection refused", now: now) == .close)
            #expect(c.closed(now: now) == .wait([]))
            let retryAt = c.nextDeadline!
            let wait = retryAt - now
            #expect(wait >= ceiling * Self.ms / 2 && wait <= ceiling * Self.ms, "wait \(wait) for ceiling \(ceiling) ms")
            waits.append(wait)
            #expect(c.timerFired(now: retryAt - 1) == .wait([]))
            now = retryAt
            #expect(c.timerFired(now: now) == .connect)
        }
        #expect(Set(waits).count == waits.count, "jitter draws differ")
        #expect(c.failedAttempts == 9)
        _ = c.connected(now: now)
        _ = c.send(Self.get("k"), token: 1, now: now)
        _ = c.receive("$-1\r\n", now: now)
        // A connection that worked and broke is replaced at once.
        #expect(c.peerClosed(now: now) == .close)
        #expect(c.failedAttempts == 0)
        #expect(c.closed(now: now) == .connect)
    }

    @Test func withTheServerDownCommandsFailAtOnceUntilAnAttemptSucceeds() {
        var c = RedisConnection(url: RedisURL(host: "h"), settings: Self.settings(), now: 0, seed: 1)
        _ = c.timerFired(now: 0)
        _ = c.connectInProgress(now: 0)
        // The first attempt is under way: a command waits for it...
        _ = c.send(Self.get("a"), token: 1, now: 0)
        #expect(c.takeCompletions().isEmpty)
        // ...and fails with it.
        #expect(c.connectionFailed("Connection refused", now: 1) == .close)
        #expect(c.closed(now: 1) == .wait([]))
        _ = c.send(Self.get("b"), token: 2, now: 2)
        let completions = c.takeCompletions()
        #expect(Self.summary(completions) == ["1: connectFailed unsent", "2: connectFailed unsent"])
        guard case .failure(let error) = completions.last?.result else { return }
        #expect(error.message == "GET: cannot connect to h:6379: Connection refused")
        // The next attempt is under way: commands wait again, and go out when it succeeds.
        let retryAt = c.nextDeadline!
        #expect(c.timerFired(now: retryAt) == .connect)
        _ = c.send(Self.get("c"), token: 3, now: retryAt)
        #expect(c.connected(now: retryAt) == .send)
        #expect(c.pending() == "*2\r\n$3\r\nGET\r\n$1\r\nc\r\n")
    }

    @Test func aBrokenConnectionThatWorkedIsReplacedAndCommandsWaitForTheNewOne() {
        var c = Self.ready()
        _ = c.send(Self.get("a"), token: 1, now: 0)
        _ = c.receive("+OK\r\n", now: 1)
        _ = c.send(Self.get("b"), token: 2, now: 2)
        #expect(c.connectionFailed("Connection reset by peer", now: 3) == .close)
        let completions = c.takeCompletions()
        #expect(Self.summary(completions) == ["1: simpleString(\"OK\")", "2: connectionLost sent"])
        guard case .failure(let error) = completions.last?.result else { return }
        #expect(error.description == "redis: connection to 127.0.0.1:6379 lost: Connection reset by peer")
        #expect(c.closed(now: 3) == .connect)
        _ = c.send(Self.get("c"), token: 3, now: 4)
        #expect(c.takeCompletions().isEmpty)
        #expect(c.connected(now: 5) == .send)
        #expect(c.pending() == "*2\r\n$3\r\nGET\r\n$1\r\nc\r\n")
    }

    @Test func aServerThatAcceptsAndClosesAtOnceIsRetriedWithBackoff() {
        var c = Self.ready()
        #expect(c.peerClosed(now: 0) == .close)
        #expect(c.closed(now: 0) == .wait([]))
        #expect(c.failedAttempts == 1)
        _ = c.send(Self.get("k"), token: 1, now: 1)
        #expect(Self.summary(c.takeCompletions()) == ["1: connectionLost unsent"])
    }

    @Test func aConnectionDroppedRightAfterItsHandshakeIsRetriedWithBackoff() {
        var c = RedisConnection(url: RedisURL(host: "h", password: "pw"), settings: Self.settings(), now: 0, seed: 1)
        _ = c.timerFired(now: 0)
        _ = c.connected(now: 0)
        _ = c.sendAll(now: 0)
        _ = c.receive("+OK\r\n", now: 1)
        #expect(c.isReady)
        // Logged in, then dropped (a proxy that lets clients in and throws them out): no tight loop.
        #expect(c.peerClosed(now: 2) == .close)
        #expect(c.closed(now: 2) == .wait([]))
        #expect(c.failedAttempts == 1)
    }

    @Test func aReadOnlyReplicaIsReplacedOnceTheRepliesInFlightAreIn() {
        var c = Self.ready()
        _ = c.send(Self.get("a"), token: 1, now: 0)
        _ = c.send(Self.get("b"), token: 2, now: 0)
        _ = c.sendAll(now: 0)
        #expect(c.receive("-READONLY You can't write against a read only replica.\r\n", now: 1) == .wait(.readable))
        #expect(!c.isReady)
        // Nothing more is written to the replica.
        #expect(c.send(Self.get("c"), token: 3, now: 1) == .wait(.readable))
        #expect(c.receive("$-1\r\n", now: 2) == .close)
        #expect(Self.summary(c.takeCompletions()) == ["1: readOnly sent", "2: null"])
        #expect(c.closed(now: 2) == .connect)
        #expect(c.connected(now: 3) == .send)
        #expect(c.pending() == "*2\r\n$3\r\nGET\r\n$1\r\nc\r\n")
    }

    // MARK: - Keepalive and stopping

    @Test func aQuietConnectionIsPingedAndAMissingPongClosesIt() {
        var c = Self.ready()
        #expect(c.nextDeadline == 10_000 * Self.ms)
        #expect(c.timerFired(now: 9_999 * Self.ms) == .wait(.readable))
        #expect(c.timerFired(now: 10_000 * Self.ms) == .send)
        #expect(c.pending() == "*1\r\n$4\r\nPING\r\n")
        _ = c.sendAll(now: 10_000 * Self.ms)
        #expect(c.receive("+PONG\r\n", now: 10_001 * Self.ms) == .wait(.readable))
        #expect(c.takeCompletions().isEmpty)
        #expect(c.nextDeadline == 20_001 * Self.ms)
        // Traffic postpones the next PING.
        _ = c.send(Self.get("k"), token: 1, now: 15_000 * Self.ms)
        _ = c.sendAll(now: 15_000 * Self.ms)
        _ = c.receive("$-1\r\n", now: 15_001 * Self.ms)
        #expect(c.nextDeadline == 25_001 * Self.ms)
        #expect(c.timerFired(now: 25_001 * Self.ms) == .send)
        _ = c.sendAll(now: 25_001 * Self.ms)
        #expect(c.timerFired(now: 25_101 * Self.ms) == .close)
    }

    @Test func aTimeoutOfForeverNeverWrapsIntoThePast() {
        let late = UInt64.max - 10
        var c = Self.ready(
            {
                $0.commandTimeout = .seconds(Int64.max / 2)
                $0.keepaliveInterval = .seconds(Int64.max / 2)
            }, now: late)
        #expect(c.nextDeadline == UInt64.max)
        _ = c.send(Self.get("k"), token: 1, now: late)
        #expect(c.timerFired(now: late + 5) == .send)
        #expect(c.takeCompletions().isEmpty)
        #expect(c.nextDeadline == UInt64.max)
    }

    @Test func stoppingFailsEverythingNowAndLater() {
        var c = RedisConnection(url: RedisURL(host: "h"), settings: Self.settings(), now: 0, seed: 1)
        _ = c.timerFired(now: 0)
        _ = c.connected(now: 0)
        _ = c.send(Self.get("a"), token: 1, now: 0)
        #expect(c.stop(now: 1) == .close)
        #expect(c.closed(now: 1) == .wait([]))
        _ = c.send(Self.get("b"), token: 2, now: 2)
        #expect(Self.summary(c.takeCompletions()) == ["1: stopped sent", "2: stopped unsent"])
        #expect(c.nextDeadline == nil)
        #expect(c.timerFired(now: 1_000_000 * Self.ms) == .wait([]))
    }
}
