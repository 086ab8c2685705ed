import Touchtone

/// The states of the account line.
public enum AccountLineState: String, FlowState {
    case welcome, pin, customerNumber, pleaseWait, lookup
    case accountMenu, balance, inCredit, overdrawn, statusActive
    case statusBlocked, notFound, unavailable, tooManyAttempts, operatorDesk, goodbye
}

// MARK: The account directory

/// One customer account, as the account directory knows it.
public struct AccountRecord: Sendable, Hashable {
    /// Whether the account may be used.
    public enum Status: String, Sendable, Hashable {
        case active, blocked
    }

    /// The customer number, check digit included.
    public let customer: String
    public let status: Status
    /// The balance in cents; negative when the account is overdrawn.
    public let balanceCents: Int

    public init(customer: String, status: Status, balanceCents: Int) {
        self.customer = customer
        self.status = status
        self.balanceCents = balanceCents
    }
}

/// Where the account line finds accounts: a CRM or core banking system in production,
/// ``InMemoryAccountDirectory`` for demos and tests.
public protocol AccountDirectory: Sendable {
    /// The account with this customer number if `pin` is its PIN; `nil` when there is no
    /// such account or the PIN is wrong (the caller must not learn which). Throws when
    /// the directory cannot be asked.
    func account(customer: String, pin: String) async throws -> AccountRecord?
}

/// An account directory held in memory: a stand-in for the real service.
public struct InMemoryAccountDirectory: AccountDirectory {
    private let accounts: [String: (record: AccountRecord, pin: String)]
    private let slow: [String: Duration]

    /// A directory of `accounts`, each with its PIN; a later entry for the same customer
    /// number replaces an earlier one. The customer numbers in `slow` answer only after
    /// their time, as a directory under load would.
    public init(_ accounts: [(record: AccountRecord, pin: String)], slow: [String: Duration] = [:]) {
        var byCustomer: [String: (record: AccountRecord, pin: String)] = [:]
        for entry in accounts { byCustomer[entry.record.customer] = entry }
        self.accounts = byCustomer
        self.slow = slow
    }

    public func account(customer: String, pin: String) async throws -> AccountRecord? {
        if let delay = slow[customer] { try await Task.sleep(for: delay) }
        guard let entry = accounts[customer] else { return nil }
        return constantTimeEquals(entry.pin, pin) ? entry.record : nil
    }

    /// The demo accounts `touchtone serve` answers with (customer number / PIN):
    /// - 4170007 / 2580: active, 1234.56 euro
    /// - 41700014 / 8264: active, overdrawn by 75.05 euro
    /// - 20250015 / 1397: blocked
    /// - 314153 / 4711: active, 0.99 euro
    /// - 7770001 / 3690: active, 42.00 euro, found only after 4 seconds (the caller is held)
    public static let demo = InMemoryAccountDirectory(
        [
            (AccountRecord(customer: "4170007", status: .active, balanceCents: 123_456), "2580"),
            (AccountRecord(customer: "41700014", status: .active, balanceCents: -7_505), "8264"),
            (AccountRecord(customer: "20250015", status: .blocked, balanceCents: 0), "1397"),
            (AccountRecord(customer: "314153", status: .active, balanceCents: 99), "4711"),
            (AccountRecord(customer: "7770001", status: .active, balanceCents: 4_200), "3690"),
        ], slow: ["7770001": .seconds(4)])
}

// MARK: Checks of what the caller types

/// Whether `digits` ends in a correct Luhn check digit (the scheme of credit card numbers).
///
/// From the right, every second digit is doubled (minus 9 when that exceeds 9); the number
/// is valid when the sum of all digits is a multiple of 10. It catches every single mistyped
/// digit and most swaps of neighbours. Anything but the digits 0-9, or fewer than two of
/// them, is not valid.
///
/// ```swift
/// luhnIsValid("4170007")   // true
/// luhnIsValid("4170070")   // false: two digits swapped
/// ```
public func luhnIsValid(_ digits: String) -> Bool {
    guard digits.utf8.count >= 2, let payload = luhnPayloadSum(digits.utf8, doublingFirst: false) else { return false }
    return payload % 10 == 0
}

/// The Luhn check digit to append to `payload` (digits only), or `nil` when `payload` is
/// empty or holds anything but the digits 0-9.
///
/// ```swift
/// luhnCheckDigit(for: "417000")   // "7": customer number 4170007
/// ```
public func luhnCheckDigit(for payload: String) -> Character? {
    guard !payload.isEmpty, let sum = luhnPayloadSum(payload.utf8, doublingFirst: true) else { return nil }
    return Character(String((10 - sum % 10) % 10))
}

/// The Luhn sum of `digits` from the right; `doublingFirst` when the rightmost digit is
/// doubled (it is when a check digit is still to be appended).
private func luhnPayloadSum(_ digits: String.UTF8View, doublingFirst: Bool) -> Int? {
    var sum = 0
    var double = doublingFirst
    for byte in digits.reversed() {
        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
        var digit = Int(byte - UInt8(ascii: "0"))
        if double {
            digit *= 2
            if digit > 9 { digit -= 9 }
        }
        sum += digit
        double.toggle()
    }
    return sum
}

/// Whether `digits` is a customer number: 6 to 8 digits whose last is a Luhn check digit.
public func isValidCustomerNumber(_ digits: String) -> Bool {
    (6...8).contains(digits.utf8.count) && luhnIsValid(digits)
}

/// Whether `pin` may be a PIN: 4 digits, not all the same (0000, 7777) and not a run up or
/// down (1234, 6543), the guesses an attacker tries first. The directory decides whether
/// it is the right one.
public func isAcceptablePIN(_ pin: String) -> Bool {
    let digits = pin.utf8.map { Int($0) - Int(UInt8(ascii: "0")) }
    guard digits.count == 4, digits.allSatisfy({ (0...9).contains($0) }) else { return false }
    let steps = Set(zip(digits, digits.dropFirst()).map { $1 - $0 })
    return steps != [0] && steps != [1] && steps != [-1]
}

// MARK: The flow

/// The desk that takes callers the account line cannot help.
public let accountTeamNumber = "4921199999999"

/// Failed look-ups (no such account, or wrong PIN) a call may make before it is ended,
/// so nobody can try PIN after PIN.
public let maxFailedAccountLookups = 3

/// What the account look-up found: the outcomes of the account line's ``Lookup``.
public enum AccountFound: String, LookupOutcome {
    /// An account with that number and PIN, which may be used.
    case active
    /// An account with that number and PIN, blocked.
    case blocked
    /// No account with that number and PIN (the caller may try again).
    case notFound = "not found"
    /// No account, and the call has used up its tries.
    case tooManyFailures = "too many failures"
}

/// What the look-up found once the directory answered, and the variables it sets:
/// `balanceEuros` and `balanceCents` (digits, no leading zeros), `overdrawn` (`yes`/`no`)
/// for a found account, `failedLookups` (a count) when none was found.
///
/// - Parameters:
///   - record: what the directory found (`nil`: no account with that number and PIN).
///   - failedBefore: the failed look-ups of this call so far.
public func accountLookupResult(_ record: AccountRecord?, failedBefore: Int) -> LookupResult<AccountFound> {
    guard let record else {
        let failed = failedBefore + 1
        return .init(failed >= maxFailedAccountLookups ? .tooManyFailures : .notFound, setting: ["failedLookups": String(failed)])
    }
    switch record.status {
    case .blocked:
        return .init(.blocked)
    case .active:
        // `magnitude` keeps Int.min from trapping.
        let cents = record.balanceCents.magnitude
        return .init(
            .active,
            setting: [
                "balanceEuros": String(cents / 100),
                "balanceCents": String(cents % 100),
                "overdrawn": record.balanceCents < 0 ? "yes" : "no",
            ])
    }
}

/// The account line: a caller enters a PIN and a customer number, and hears the balance or
/// status of the account, found in `directory`.
///
/// ```
/// welcome -> pin (4 digits, #, 3 tries) -> customerNumber (6-8 digits, Luhn, read back)
///   -> pleaseWait -> lookup (up to 30 s; after 1.5 s the caller is held, 0 for our team):
///        active -> accountMenu: 1 balance (read digit by digit), 2 status, 0 our team
///        blocked -> statusBlocked -> our team
///        not found -> notFound -> pin again (3 look-ups at most, then tooManyAttempts)
///        late or failed -> unavailable -> our team
/// ```
///
/// The PIN is sensitive: it never shows in logs, transcripts or the state file.
///
/// It speaks English and German (prompts in `Audio/en/` and `Audio/de/`): a call dialled
/// straight to the line hears English; a call the hotline hands over ("for your account,
/// press 3") keeps the language the caller heard there.
public func accountLine(directory: some AccountDirectory) -> Flow<AccountLineState> {
    Flow("account-line", version: 1, states: AccountLineState.self, start: .welcome) {
        Announce(.welcome, play: "account-welcome", then: .go(.pin))
        Collect(.pin, into: "pin", digits: 4...4, prompt: "enter-pin", next: .go(.customerNumber)) {
            NoInput(play: "no-input")
            WrongKey(play: "pin-invalid")
        }
        .finishKey("#")
        .sensitive()
        .validate("not an obvious PIN", isAcceptablePIN)
        .attempts(3, then: .go(.tooManyAttempts))
        Collect(.customerNumber, into: "customer", digits: 6...8, prompt: "enter-customer-number", next: .go(.pleaseWait)) {
            NoInput(play: "no-input")
            WrongKey(play: "customer-number-invalid")
        }
        .finishKey("#")
        .validate("Luhn check digit", isValidCustomerNumber)
        .confirm(readBack: "you-entered", ask: "press-1-if-correct")
        .attempts(3, then: .go(.operatorDesk))
        // Plays once the look-up has answered: sipgate hears nothing from us until then.
        Announce(.pleaseWait, play: "please-wait", then: .go(.lookup))
        Lookup(.lookup, outcomes: AccountFound.self, deadline: .seconds(30), fallback: .go(.unavailable)) { call in
            let failedBefore = Int(call[variable: "failedLookups"] ?? "") ?? 0
            let record = try await directory.account(customer: call[variable: "customer"] ?? "", pin: call[variable: "pin"] ?? "")
            return accountLookupResult(record, failedBefore: failedBefore)
        } then: { found in
            switch found {
            case .active: .go(.accountMenu)
            case .blocked: .go(.statusBlocked)
            case .notFound: .go(.notFound)
            case .tooManyFailures: .go(.tooManyAttempts)
            }
        }
        // A directory under load: after 1.5 s the caller hears that we are still looking,
        // again every 8 s, and may give up waiting with 0.
        .holding(after: .milliseconds(1500), play: "please-hold", every: .seconds(8)) {
            Key("0", .go(.operatorDesk))
        }
        Menu(.accountMenu, prompt: "account-menu") {
            Key("1", .go(.balance))
            Key("2", .go(.statusActive))
            Key("0", .go(.operatorDesk))
            NoInput(play: "no-input")
            WrongKey(play: "invalid-option")
        }
        .reprompts("account-menu-short")
        .attempts(3, then: .go(.goodbye))
        Decide(.balance) {
            When(.variable("overdrawn", equals: "yes"), .go(.overdrawn))
            Otherwise(.go(.inCredit))
        }
        Announce(
            .inCredit, play: ["balance-is", .digits(of: "balanceEuros"), "euro", "and", .digits(of: "balanceCents"), "cent"],
            then: .back)
        Announce(
            .overdrawn, play: ["balance-is", "minus", .digits(of: "balanceEuros"), "euro", "and", .digits(of: "balanceCents"), "cent"],
            then: .back)
        Announce(.statusActive, play: "status-active", then: .back)
        Announce(.statusBlocked, play: "status-blocked", then: .transfer(to: accountTeamNumber))
        Announce(.notFound, play: "account-not-found", then: .go(.pin))
        Announce(.unavailable, play: "lookup-unavailable", then: .transfer(to: accountTeamNumber))
        Announce(.tooManyAttempts, play: ["too-many-attempts", "goodbye"], then: .hangup)
        Announce(.operatorDesk, play: "connecting-operator", then: .transfer(to: accountTeamNumber))
        Announce(.goodbye, play: "goodbye", then: .hangup)
    }
    // English for a call that has chosen no language (one dialled straight to the line);
    // a call the hotline hands over keeps the language it chose there.
    .languages(["en", "de"], default: "en")
}
