import Touchtone

/// The states of version 1 of the support hotline, in their order of then: a call that
/// began on it is stored with these names and numbers.
public enum HotlineVersion1: String, FlowState {
    case entry, welcome, mainMenu, supportMenu
    case sales, technical, orders, billing, operatorDesk
    case afterHours, holiday
}

/// Version 1 of the support hotline, before the A/B split: the welcome leads straight to
/// the main menu. No new call reaches it; the routing table keeps it for the calls that
/// began on it before the deploy of version 2 (``hotline``), so they go on exactly as they
/// began. Drop it, and its `.keeping`, in a later deploy.
public let hotlineVersion1 = Flow("hotline", version: 1, states: HotlineVersion1.self, start: .entry) {
    Decide(.entry) {
        When(.from(blockedCallers), .reject(.busy))
        When(.holiday(hotlineHours), .go(.holiday))
        When(.closed(hotlineHours), .go(.afterHours))
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
    .reprompts("main-menu-short", "main-menu-last")
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
    Announce(.technical, play: "connecting", then: .transfer(to: "4915799912347", "4915799912348", "4915799912349"))
    Announce(.orders, play: "connecting", then: .transfer(to: "4915799912350"))
    Announce(.billing, play: "connecting", then: .transfer(to: "4915799912351"))
    Announce(.operatorDesk, play: "connecting-operator", then: .transfer(to: "4921199999999"))
    Announce(.afterHours, play: "after-hours", then: .voicemail)
    Announce(.holiday, play: "holiday", then: .voicemail)
}
