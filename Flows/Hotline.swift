import Touchtone

/// The states of the support hotline.
public enum Hotline: String, FlowState {
    case entry, welcome, menuSplit, mainMenu, quickMenu, supportMenu
    case sales, technical, orders, operatorDesk
    case afterHours, holiday
    case chooseLanguage
}

/// When the hotline is staffed: Monday to Friday, 08:00 to 18:00 in Berlin, closed on
/// German public holidays (computed for every year, so this year and next are covered).
public let hotlineHours = OpeningHours(zone: "Europe/Berlin") {
    Open(.monday ... .friday, from: "08:00", to: "18:00")
    Closed(on: .germany)
}

/// Callers who get a busy signal instead of the menu.
public let blockedCallers: Set<String> = ["4915100000666", "4930999999999"]

/// The support hotline: opening hours, an A/B split between the main menu (sales, support,
/// the account line, operator) and a shorter quick menu (sales, support, operator), a support
/// sub-menu with back and main-menu keys, escalating re-prompts, after-hours and holiday
/// announcements that end in voicemail, and a block list; in German and English.
///
/// ```
/// chooseLanguage -> German for German numbers (49...), English for the others; then entry
/// entry -> blocked? reject busy | holiday? holiday | closed? afterHours | welcome
/// welcome -> menuSplit: 50% mainMenu, 50% quickMenu (by calling number)
/// mainMenu: 1 sales, 2 supportMenu, 3 account line (a hand-off), 0 operator, 8 Deutsch, 9 English
/// quickMenu: 1 sales, 2 supportMenu, 0 operator, 8 Deutsch, 9 English
/// supportMenu: 1 technical, 2 orders, 8 back, 9 main menu (the caller's share of the split)
/// ```
///
/// Version 3: version 2 spoke English only (``hotlineVersion2``); version 1 had no split
/// and no quick menu (``hotlineVersion1``). Its prompts are in `Audio/de/` and `Audio/en/`.
public let hotline = Flow("hotline", version: 3, states: Hotline.self, start: .chooseLanguage) {
    Decide(.chooseLanguage) {
        When(.fromPrefix("49"), .language("de", then: .go(.entry)))
        Otherwise(.language("en", then: .go(.entry)))
    }
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
        // "For your account, press 3": the account line goes on with the call, in its language (issue #14).
        Key("3", .handOff(to: "account-line"))
        Key("0", .go(.operatorDesk))
        Key("8", .language("de", then: .mainMenu))
        Key("9", .language("en", then: .mainMenu))
        NoInput(play: "no-input")
        WrongKey(play: "invalid-option")
    }
    .reprompts("main-menu-short", "main-menu-last")
    .attempts(3, then: .go(.operatorDesk))
    // No account key: account questions reach the operator.
    Menu(.quickMenu, prompt: "quick-menu") {
        Key("1", .go(.sales))
        Key("2", .go(.supportMenu))
        Key("0", .go(.operatorDesk))
        Key("8", .language("de", then: .mainMenu))
        Key("9", .language("en", then: .mainMenu))
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
    Announce(.operatorDesk, play: "connecting-operator", then: .transfer(to: "4921199999999"))
    Announce(.afterHours, play: "after-hours", then: .voicemail)
    Announce(.holiday, play: "holiday", then: .voicemail)
}
// "Main menu" (and "back" with nothing to go back to) is the split: it keeps the caller's
// share, so a caller of the quick menu is not sent to the long one.
.mainMenu(.menuSplit)
.languages(["de", "en"], default: "de")
