import Dispatch
import Testing
import Touchtone

@testable import TouchtoneCommandLine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The states of a flow whose look-up holds its caller.
enum HoldingDesk: String, FlowState { case account, found, operatorDesk }

/// Keeps the terminal call's look-up running until the test is done: the hold is certain.
let slowBackend = Lock<[CheckedContinuation<Void, Never>]>([])

/// The outcome of its look-up.
enum HoldingDeskAccount: String, LookupOutcome { case found }

/// A look-up that holds its caller: in the terminal simulator, and served with the memory
/// store only, for now.
@Suite struct HoldingCommandTests {
    let routes = RoutingTable {
        Route.default(
            Flow("desk", states: HoldingDesk.self, start: .account) {
                Lookup(.account, outcomes: HoldingDeskAccount.self, deadline: .seconds(60), fallback: .go(.found)) { _ in
                    .init(.found)
                } then: { _ in
                    .go(.found)
                }
                .holding(play: "connecting") {
                    Key("0", .go(.operatorDesk))
                }
                Announce(.found, play: "connecting", then: .hangup)
                Announce(.operatorDesk, play: "connecting", then: .hangup)
            })
    }

    @Test func theTerminalCallShowsTheHoldAndTakesAHoldKey() async throws {
        let slow = RoutingTable {
            Route.default(
                Flow("desk", states: HoldingDesk.self, start: .account) {
                    Lookup(.account, outcomes: HoldingDeskAccount.self, deadline: .seconds(60), fallback: .go(.found)) { _ in
                        await withCheckedContinuation { continuation in slowBackend.withLock { $0.append(continuation) } }
                        return .init(.found)
                    } then: { _ in
                        .go(.found)
                    }
                    .holding(after: .milliseconds(50), play: "please-hold", every: .seconds(2)) {
                        Key("0", .go(.operatorDesk))
                    }
                    Announce(.found, play: "found", then: .hangup)
                    Announce(.operatorDesk, play: "operator", then: .transfer(to: "4921199999999"))
                })
        }
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let input = Array("\n0\n".utf8)
        try #require(input.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) } == input.count)
        close(fds[1])
        let streams = CollectedStreams()
        let reading = fds[0]
        // The terminal waits on its own thread for the look-up: never on Swift's pool, where
        // the look-up runs.
        let status = await withCheckedContinuation { continuation in
            DispatchQueue(label: "terminal-call").async {
                continuation.resume(
                    returning: TouchtoneCommand.run(
                        ["call", "desk", "--audio", "/nonexistent/touchtone-audio"], environment: [:], routes: slow,
                        streams: streams.streams(input: reading)))
            }
        }
        for continuation in slowBackend.withLock({ list in
            defer { list = [] }
            return list
        }) { continuation.resume() }
        #expect(status == 0, "\(streams.errors)")
        #expect(
            streams.output.contains(
                """
                  [account: looking up, at most 60 s]
                  [account: still looking up after 50 ms: you are held]
                < please-hold
                  [account: waiting for 1 key, 2 s]
                > (silence)
                < please-hold
                  [account: waiting for 1 key, 2 s]
                > 0
                < operator
                  [transferring to 4921199999999]
                """), "\(streams.output)")
    }
}
