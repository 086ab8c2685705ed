import Touchtone

/// The benchmark's reference flow, served by `touchtone serve --flows reference` in any package,
/// so an operator can measure a deployment with the same flow the benchmark peers implement
/// (../shared/bench/node-peer.js): a menu with one prompt; 1 transfers to 4915799912345, 2 goes
/// to voicemail; three misses hang up.
///
/// ```swift
/// let engine = try Engine(routes: ReferenceFlow.routes, store: InMemorySessionStore(), settings: settings)
/// ```
public enum ReferenceFlow {
    /// The states of the reference flow.
    public enum State: String, FlowState {
        /// The flow's only state: plays `welcome`; 1 transfers to 4915799912345, 2 goes to voicemail, three misses hang up.
        case menu
    }

    /// The flow.
    public static let flow = Flow("reference", states: State.self, start: .menu) {
        Menu(.menu, prompt: "welcome") {
            Key("1", .transfer(to: "4915799912345"))
            Key("2", .voicemail)
        }
        .attempts(3, then: .hangup)
    }

    /// Every call gets the reference flow.
    public static let routes = RoutingTable {
        Route.default(flow)
    }
}
