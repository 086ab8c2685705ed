import Touchtone

/// The states of the outgoing call guard.
public enum OutgoingGuardState: String, FlowState {
    case check, premiumRate, foreign, normalise
}

/// What kind of number a user dialled, as the outgoing guard sees it.
public enum DialledNumberKind: String, Sendable, Hashable, CaseIterable {
    /// 110 or 112: always let through.
    case emergency
    /// A German premium-rate or special-tariff service (0900, 0137, 0180, 0118).
    case premiumRate
    /// A number outside Germany.
    case foreign
    /// Any other German number.
    case german
    /// Not a number that can be dialled (empty, letters, too long, `49` followed by `0`).
    case unusable
}

/// German services users may not call from the company's phones, as the start of the
/// national number (after `0` or `49`): premium rate (0900), televoting and mass calls
/// (0137), shared-cost service numbers (0180) and directory enquiries (0118).
public let premiumRatePrefixes = ["900", "137", "180", "118"]

/// Numbers that are always let through, whatever else the guard blocks.
public let emergencyNumbers: Set<String> = ["110", "112"]

/// The number each user shows when calling out; everyone else shows the main number.
public let outgoingCallerIds = ["Alice": "4921100010", "Bob": "4921100020"]

/// The caller id of users not in ``outgoingCallerIds``: the hotline's main number.
public let defaultOutgoingCallerId = "4921100000"

/// The dialled number `to` as E.164 digits (no `+`), for `Dial`, or `nil` when it cannot be
/// one. sipgate sends E.164 digits (`4921112345`); users' phones may still pass on what was
/// typed, so these are read too: `+4921112345`, `004921112345` (international), `021112345`
/// (national, Germany). Emergency numbers stay as they are.
///
/// ```swift
/// e164(dialled: "0211123456")    // "49211123456"
/// e164(dialled: "0033123456789") // "33123456789"
/// e164(dialled: "anonymous")     // nil
/// ```
public func e164(dialled to: String) -> String? {
    if emergencyNumbers.contains(to) { return to }
    var number = Substring(to)
    if number.hasPrefix("+") {
        number = number.dropFirst()
    } else if number.hasPrefix("00") {
        number = number.dropFirst(2)
    } else if number.hasPrefix("0") {
        guard number.count > 1 else { return nil }
        number = "49" + number.dropFirst()
    }
    let e164 = String(number)
    // E.164: 2 to 15 digits, the first not 0; a German number has no 0 after the 49.
    guard E164Number.isValid(e164), e164.first != "+", !e164.hasPrefix("490") else { return nil }
    return e164
}

/// Sorts a dialled number (`to` as sipgate gives it) into what the guard does with it.
public func classify(dialled to: String) -> DialledNumberKind {
    if emergencyNumbers.contains(to) { return .emergency }
    guard let number = e164(dialled: to) else { return .unusable }
    guard number.hasPrefix("49") else { return .foreign }
    let national = number.dropFirst(2)
    return premiumRatePrefixes.contains { national.hasPrefix($0) } ? .premiumRate : .german
}

extension Condition {
    /// The dialled number is of this kind.
    static func dialled(_ kind: DialledNumberKind) -> Condition {
        .custom("dialled \(kind.rawValue) number") { classify(dialled: $0.call.to) == kind }
    }
}

/// What the `normalise` step made of the dialled number: its E.164 form, in the variable
/// `e164`. A number without one never reaches the step (it is refused before).
public enum Normalised: String, LookupOutcome {
    case normalised
}

/// The dialled number has no E.164 form.
struct NotDialable: Error {}

/// The call as the user dialled it, with the user's caller id.
let dialledAsIs = Transfer(numbers: [.dialled], callerId: .perUser(outgoingCallerIds, default: defaultOutgoingCallerId))

/// The call to the number the `normalise` step worked out, with the user's caller id.
let dialledNormalised = Transfer(numbers: [.variable("e164")], callerId: .perUser(outgoingCallerIds, default: defaultOutgoingCallerId))

/// The guard for calls users place (`direction=out`): emergency calls always go through;
/// premium-rate and foreign numbers are refused with a short explanation; anything that is
/// not a dialable number is refused; every other call goes out showing the user's own
/// number (``outgoingCallerIds``).
///
/// ```
/// check -> 110/112: dial as dialled
///       -> not a number: reject
///       -> 0900, 0137, 0180, 0118 (any form): premiumRate -> "number blocked", reject
///       -> not +49: foreign -> "number blocked", reject
///       -> German, not in E.164 (0211..., 0049211...): normalise -> dial 49211...
///       -> otherwise: dial as dialled
/// ```
///
/// `Dial` takes only E.164 numbers, and a `Decide` cannot set variables, so national forms
/// go through `normalise`, a look-up that does no I/O and sets the `e164` variable.
public let outgoingGuard = Flow("outgoing-guard", version: 1, states: OutgoingGuardState.self, start: .check) {
    Decide(.check) {
        When(.dialled(.emergency), .transfer(dialledAsIs))
        When(.dialled(.unusable), .reject(.rejected))
        When(.dialled(.premiumRate), .go(.premiumRate))
        When(.dialled(.foreign), .go(.foreign))
        When(.custom("German number not in E.164 form") { e164(dialled: $0.call.to) != $0.call.to }, .go(.normalise))
        Otherwise(.transfer(dialledAsIs))
    }
    Announce(.premiumRate, play: "number-blocked", then: .reject(.rejected))
    Announce(.foreign, play: "number-blocked", then: .reject(.rejected))
    Lookup(.normalise, outcomes: Normalised.self, deadline: .seconds(1), fallback: .reject(.rejected)) { call in
        guard let number = e164(dialled: call.call.to) else { throw NotDialable() }
        return .init(.normalised, setting: ["e164": number])
    } then: { _ in
        .transfer(dialledNormalised)
    }
}
