import Testing
import Touchtone

@testable import TouchtoneCommandLine

/// The states of a flow whose look-up holds its caller.
enum HoldingDesk: String, FlowState { case account, found }

/// The outcome of its look-up.
enum HoldingDeskAccount: String, LookupOutcome { case found }

/// A look-up that holds its caller is served with the memory store only, for now.
@Suite struct HoldingServeTests {
    let routes = RoutingTable {
        Route.default(
            Flow("desk", states: HoldingDesk.self, start: .account) {
                Lookup(.account, outcomes: HoldingDeskAccount.self, deadline: .seconds(60), fallback: .go(.found)) { _ in
                    .init(.found)
                } then: { _ in
                    .go(.found)
                }
                .holding(play: "connecting")
                Announce(.found, play: "connecting", then: .hangup)
            })
    }

    @Test func serveRefusesAHoldingLookupWithRedis() {
        let streams = CollectedStreams()
        let status = TouchtoneCommand.run(
            ["serve", "--session-store", "redis://127.0.0.1:1", "--port", "0", "--flows", "all"], environment: [:], routes: routes,
            streams: streams.streams())
        #expect(status == 1)
        #expect(
            streams.errors.contains(
                "serve: look-up desk.account holds its caller (.holding), which needs the memory store for now"), "\(streams.errors)")
    }
}
