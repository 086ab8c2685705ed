import Touchtone

/// The states of the front desk.
public enum Desk: String, FlowState {
    case menu
}

/// A front desk: 1 for the team, 2 for voicemail.
public let desk = Flow("desk", version: 1, states: Desk.self, start: .menu) {
    Menu(.menu, prompt: ["welcome", "main-menu"]) {
        Key("1", .transfer(to: "4921199999999"))
        Key("2", .voicemail)
        NoInput(play: "no-input")
        WrongKey(play: "invalid-option")
    }
    .attempts(3, then: .voicemail)
}

/// Every call reaches the desk.
public let routes = RoutingTable {
    Route.default(desk)
}
