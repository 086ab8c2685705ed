import CTouchtoneSystem
import Testing
import Touchtone

@testable import TouchtoneServer

/// The link against a real `redis-server` the tests start and stop (``RedisTestServer``).
/// Every wait is bounded: by the link's own timeouts and by ``RedisLink/run(for:until:)``.
@Suite("Redis link against redis-server", .serialized, .enabled(if: RedisTestServer.enabled, RedisTestServer.skipReason))
struct RedisLinkTests {
    static func settings(_ change: (inout RedisSettings) -> Void = { _ in }) -> RedisSettings {
        var settings = RedisSettings()
        settings.firstReconnectDelay = .milliseconds(20)
        settings.maxReconnectDelay = .milliseconds(200)
        change(&settings)
        return settings
    }

    static func reply(_ result: Result<RESPReply, RedisError>) -> RESPReply? {
        if case .success(let reply) = result { return reply }
        return nil
    }

    static func error(_ result: Result<RESPReply, RedisError>?) -> RedisError? {
        if case .failure(let error) = result { return error }
        return nil
    }

    static var now: UInt64 { Clock.monotonicNanoseconds() }

    @Test func setGetAndEvalRoundTrips() throws {
        let server = try RedisTestServer()
        let link = try RedisLink(url: server.url(), settings: Self.settings())
        let value: [UInt8] = Array(0...255)
        let results = link.roundTrip([
            RESPCommand("SET", "touchtone:{a}", value, "PX", 60_000),
            RESPCommand("GET", "touchtone:{a}"),
            RESPCommand("GET", "touchtone:{missing}"),
            RESPCommand("EVAL", "return {KEYS[1], ARGV[1], 42, {1, false}}", 1, "touchtone:{a}", "x"),
            RESPCommand("EVAL", "return redis.error_reply('BAD thing')", 0),
            RESPCommand("CLIENT", "GETNAME"),
            RESPCommand("NOSUCHCOMMAND"),
        ])
        #expect(results.count == 7)
        #expect(Self.reply(results[0]) == .simpleString("OK"))
        #expect(Self.reply(results[1]) == .bulkString(value))
        #expect(Self.reply(results[2]) == .null)
        #expect(
            Self.reply(results[3])
                == .array([
                    .bulkString(Array("touchtone:{a}".utf8)), .bulkString([0x78]), .integer(42),
                    .array([.integer(1), .null]),
                ]))
        #expect(Self.error(results[4])?.kind == .server)
        #expect(Self.error(results[4])?.message == "EVAL: BAD thing")
        #expect(Self.reply(results[5]) == .bulkString(Array("touchtone".utf8)))
        #expect(Self.error(results[6])?.kind == .server)
        #expect(Self.error(results[6])?.message.hasPrefix("NOSUCHCOMMAND: ERR unknown command") == true)
        #expect(link.isReady)
    }

    @Test func aThousandPipelinedCommandsComeBackInOrder() throws {
        let server = try RedisTestServer()
        let link = try RedisLink(url: server.url(), settings: Self.settings())
        #expect(link.run(for: .seconds(5)) { link.isReady })
        for token in 0..<1000 {
            link.send(RESPCommand("INCR", "counter"), token: UInt64(token), now: Self.now, flush: false)
        }
        link.flush(now: Self.now)
        var completions: [RedisCompletion] = []
        #expect(
            link.run(for: .seconds(5)) {
                completions += link.takeCompletions()
                return completions.count == 1000
            })
        #expect(completions.map(\.token) == (0..<1000).map(UInt64.init))
        #expect(completions.map { Self.reply($0.result) } == (1...1000).map { Optional(RESPReply.integer($0)) })
        // And once more through the blocking round trip.
        let results = link.roundTrip((0..<1000).map { RESPCommand("GET", "k\($0)") })
        #expect(results.allSatisfy { Self.reply($0) == .null })
    }

    @Test func aWrongPasswordGivesAClearErrorAndTheRightOneLogsIn() throws {
        let server = try RedisTestServer(["--requirepass", "right-password", "--user", "alice", "on", ">wonderland", "~*", "&*", "+@all"])
        let wrong = try RedisLink(url: server.url(password: "wrong-password"), settings: Self.settings())
        let error = Self.error(wrong.roundTrip(RESPCommand("PING")))
        #expect(error?.kind == .authenticationFailed)
        #expect(error?.mayHaveRun == false)
        #expect(
            error?.description.hasPrefix("redis: PING: AUTH refused by 127.0.0.1:\(server.port): WRONGPASS") == true,
            "\(error?.description ?? "")")
        #expect(error?.description.contains("wrong-password") == false)

        let right = try RedisLink(url: server.url(password: "right-password"), settings: Self.settings())
        #expect(Self.reply(right.roundTrip(RESPCommand("PING"))) == .simpleString("PONG"))
        let alice = try RedisLink(url: server.url(user: "alice", password: "wonderland"), settings: Self.settings())
        #expect(Self.reply(alice.roundTrip(RESPCommand("ACL", "WHOAMI"))) == .bulkString(Array("alice".utf8)))
        let none = try RedisLink(url: server.url(), settings: Self.settings())
        #expect(Self.error(none.roundTrip(RESPCommand("PING")))?.kind == .authenticationFailed)
    }

    @Test func theDatabaseIsSelected() throws {
        let server = try RedisTestServer()
        let three = try RedisLink(url: server.url(database: 3), settings: Self.settings())
        let zero = try RedisLink(url: server.url(), settings: Self.settings())
        #expect(Self.reply(three.roundTrip(RESPCommand("SET", "k", "three"))) == .simpleString("OK"))
        #expect(Self.reply(zero.roundTrip(RESPCommand("GET", "k"))) == .null)
        #expect(Self.reply(three.roundTrip(RESPCommand("GET", "k"))) == .bulkString(Array("three".utf8)))
    }

    @Test func aServerThatStopsFailsTheCommandsInFlightAndTheLinkReconnectsWhenItIsBack() throws {
        let server = try RedisTestServer()
        let link = try RedisLink(url: server.url(), settings: Self.settings())
        #expect(Self.reply(link.roundTrip(RESPCommand("PING"))) == .simpleString("PONG"))
        // A command the server holds (a blocking pop), in flight when the server dies.
        link.send(RESPCommand("BLPOP", "nothing", 1), token: 1, now: Self.now)
        link.flush(now: Self.now)
        server.kill()
        var completions: [RedisCompletion] = []
        #expect(
            link.run(for: .seconds(5)) {
                completions += link.takeCompletions()
                return !completions.isEmpty
            })
        #expect(Self.error(completions.first?.result)?.kind == .connectionLost)
        #expect(Self.error(completions.first?.result)?.mayHaveRun == true)

        // Down: a command fails fast, well within its timeout.
        #expect(link.run(for: .seconds(5)) { link.queuedCount == 0 && !link.isReady })
        let started = Self.now
        let down = Self.error(link.roundTrip(RESPCommand("PING")))
        #expect(down?.kind == .connectFailed || down?.kind == .connectionLost, "\(down?.description ?? "no error")")
        #expect(Self.now - started < link.settings.commandTimeout.nanoseconds)

        // Back on the same port: the link finds it by itself.
        try server.start()
        #expect(link.run(for: .seconds(5)) { link.isReady })
        #expect(Self.reply(link.roundTrip(RESPCommand("PING"))) == .simpleString("PONG"))
    }

    @Test func aLateReplyTimesOutAndTheLinkRecovers() throws {
        let server = try RedisTestServer()
        let link = try RedisLink(url: server.url(), settings: Self.settings { $0.commandTimeout = .milliseconds(200) })
        #expect(Self.reply(link.roundTrip(RESPCommand("PING"))) == .simpleString("PONG"))
        let started = Self.now
        // The server answers a blocking pop on an empty list after 2 seconds: too late.
        let results = link.roundTrip([RESPCommand("BLPOP", "empty", 2), RESPCommand("PING")])
        let elapsed = Self.now - started
        #expect(Self.error(results[0])?.kind == .timedOut)
        #expect(Self.error(results[0])?.description == "redis: BLPOP: no reply from 127.0.0.1:\(server.port) within 200 ms")
        #expect(Self.error(results[1])?.kind == .connectionLost)
        #expect(elapsed >= 200_000_000 && elapsed < 1_500_000_000, "took \(elapsed / 1_000_000) ms")
        // A new connection, at once: it worked before.
        #expect(Self.reply(link.roundTrip(RESPCommand("PING"))) == .simpleString("PONG"))
    }

    @Test func theLinkRunsInsideAnotherEpollSet() throws {
        let server = try RedisTestServer()
        let link = try RedisLink(url: server.url(), settings: Self.settings())
        let epoll = try Poller(.epoll)
        try epoll.add(link.pollFD, .readable, token: 99)
        var ready = Poller.ReadyList()
        link.send(RESPCommand("ECHO", "through the loop"), token: 5, now: Self.now)
        var completions: [RedisCompletion] = []
        let limit = Self.now + 5_000_000_000
        while completions.isEmpty && Self.now < limit {
            let wait = link.nextDeadline.map { $0 > Self.now ? Int32(min(($0 - Self.now) / 1_000_000 + 1, 100)) : 0 } ?? 100
            let n = epoll.wait(into: &ready, timeoutMilliseconds: wait)
            for i in 0..<max(Int(n), 0) where ready[i].token == 99 { link.handleEvents(now: Self.now) }
            if let due = link.nextDeadline, Self.now >= due { link.timerFired(now: Self.now) }
            completions += link.takeCompletions()
        }
        #expect(completions.map(\.token) == [5])
        #expect(completions.first.flatMap { Self.reply($0.result) } == .bulkString(Array("through the loop".utf8)))
    }
}

/// The link with no server to talk to: runs everywhere, `redis-server` or not.
@Suite("Redis link without a server")
struct RedisLinkWithoutServerTests {
    @Test func nobodyListeningFailsFastWithTheSystemsReason() throws {
        let port = try RedisTestServer.freePort()
        let started = Clock.monotonicNanoseconds()
        let results = try RedisLink.roundTrip(
            [RESPCommand("PING")], url: RedisURL(host: "127.0.0.1", port: port),
            settings: RedisLinkTests.settings())
        let error = RedisLinkTests.error(results[0])
        #expect(error?.kind == .connectFailed)
        #expect(error?.mayHaveRun == false)
        #expect(error?.description == "redis: PING: cannot connect to 127.0.0.1:\(port): Connection refused")
        #expect(Clock.monotonicNanoseconds() - started < 1_000_000_000)
    }

    @Test func aStoppedLinkFailsEveryCommandAtOnce() throws {
        let port = try RedisTestServer.freePort()
        let link = try RedisLink(url: RedisURL(host: "127.0.0.1", port: port), settings: RedisLinkTests.settings())
        link.stop(now: Clock.monotonicNanoseconds())
        link.send(RESPCommand("PING"), token: 1, now: Clock.monotonicNanoseconds())
        let completions = link.takeCompletions()
        #expect(completions.map(\.token) == [1])
        #expect(RedisLinkTests.error(completions.first?.result)?.kind == .stopped)
        #expect(link.nextDeadline == nil)
    }
}
