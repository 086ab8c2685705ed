import Touchtone

/// The states of the benchmark reference flow.
public enum ReferenceState: String, FlowState {
    case menu
}

/// The call flow the benchmark peers implement (../shared/bench/node-peer.js): a menu with
/// one prompt; 1 transfers to 4915799912345, 2 goes to voicemail; three misses hang up.
public let referenceFlow = Flow("reference", states: ReferenceState.self, start: .menu) {
    Menu(.menu, prompt: "welcome") {
        Key("1", .transfer(to: "4915799912345"))
        Key("2", .voicemail)
    }
    .attempts(3, then: .hangup)
}

/// Every call gets the reference flow (`touchtone serve --routes reference`, benchmarks).
public let referenceRoutes = RoutingTable {
    Route.default(referenceFlow)
}
