import Touchtone

/// The states of version 2 of the support hotline, in their order of then: a call that
/// began on it is stored with these names and numbers.
public enum HotlineVersion2: String, FlowState {
    case entry, welcome, menuSplit, mainMenu, quickMenu, supportMenu
    case sales, technical, orders, billing, operatorDesk
    case afterHours, holiday
}

/// Version 2 of the support hotline, before it spoke German: one set of prompts in
/// `Audio/`. No new call reaches it; the routing table keeps it for the calls that began on
/// it before the deploy of version 3 (``hotline``). Drop it, and its `.keeping`, in a later deploy.
public let hotlineVersion2 = Flow("hotline", version: 2, states: HotlineVersion2.self, start: .entry) {
    Decide(.entry) {
        When(.from(blockedCallers), .reject(.busy))
        When(.holiday(hotlineHours), .go(.holiday))
        When(.closed(hotlineHours), .go(.afterHours))
        Otherwise(.go(.welcome))
    }
    Announce(.welcome, play: "welcome", then: .go(.menuSplit))
    // Does a shorter menu get callers to a desk sooner? The same caller always gets the
    // same menu; log lines (`variant`) and /metrics tell the two apart.
    Split(.menuSplit, by: .caller) {
        Share(50, .go(.mainMenu))
        Share(50, .go(.quickMenu))
    }
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
    // No billing key: billing questions reach the operator.
    Menu(.quickMenu, prompt: "quick-menu") {
        Key("1", .go(.sales))
        Key("2", .go(.supportMenu))
        Key("0", .go(.operatorDesk))
        NoInput(play: "no-input")
        WrongKey(play: "invalid-option")
    }
    .reprompts("quick-menu", "quick-menu-last")
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
    // Sales rings two desks at once; whoever answers first takes the call.
    Announce(.sales, play: "connecting", then: .transfer(to: "4915799912345", "4915799912346"))
    Announce(.technical, play: "connecting", then: .transfer(to: "4915799912347", "4915799912348", "4915799912349"))
    Announce(.orders, play: "connecting", then: .transfer(to: "4915799912350"))
    Announce(.billing, play: "connecting", then: .transfer(to: "4915799912351"))
    Announce(.operatorDesk, play: "connecting-operator", then: .transfer(to: "4921199999999"))
    Announce(.afterHours, play: "after-hours", then: .voicemail)
    Announce(.holiday, play: "holiday", then: .voicemail)
}
// "Main menu" (and "back" with nothing to go back to) is the split: it keeps the caller's
// share, so a caller of the quick menu is not sent to the long one.
.mainMenu(.menuSplit)
