import Touchtone

/// The states of the support hotline.
public enum Hotline: String, FlowState {
    case entry, welcome, mainMenu, supportMenu, sales, technical, orders, billing, operatorDesk, goodbye
}

/// The support hotline: a main menu (sales, support, billing, operator) and a support sub-menu.
public let hotline = Flow("hotline", version: 1, states: Hotline.self, start: .entry) {
    Decide(.entry) {
        When(.from(["4915100000666"]), .reject(.busy))
        Otherwise(.go(.welcome))
    }
    Announce(.welcome, play: "welcome", then: .go(.mainMenu))
    Menu(.mainMenu, prompt: "main-menu") {
        Key("1", .go(.sales))
        Key("2", .go(.supportMenu))
        Key("3", .go(.billing))
        Key("0", .go(.operatorDesk))
        NoInput(play: "no-input")
        WrongKey(play: "invalid-option")
    }
    .reprompts("main-menu-short")
    .attempts(3, then: .go(.operatorDesk))
    Menu(.supportMenu, prompt: "support-menu") {
        Key("1", .go(.technical))
        Key("2", .go(.orders))
        Key("8", .back)
        Key("9", .mainMenu)
        NoInput(play: "no-input")
        WrongKey(play: "invalid-option")
    }
    .reprompts("support-menu-short")
    .attempts(3, then: .go(.operatorDesk))
    Announce(.sales, play: "connecting", then: .transfer(to: "4915799912345", "4915799912346"))
    Announce(.technical, play: "connecting", then: .transfer(to: "4915799912347"))
    Announce(.orders, play: "connecting", then: .transfer(to: "4915799912348"))
    Announce(.billing, play: "connecting", then: .transfer(to: "4915799912349"))
    Announce(.operatorDesk, play: "connecting-operator", then: .transfer(to: "4921199999999"))
    Announce(.goodbye, play: "goodbye", then: .hangup)
}
