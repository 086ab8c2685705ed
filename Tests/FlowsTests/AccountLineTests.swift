import Flows
import Testing
import Touchtone
import TouchtoneTesting

/// Shared by the account line's scenario tests and its coverage test.
let accountLineCoverage = FlowCoverage()

/// The account line's number in `routes`.
let accountLineNumber = "4921100001"

/// A phone with the shipped routing table (the demo accounts).
func accountLinePhone() throws -> TestPhone {
    try TestPhone(routes: routes, prompts: audioFolder, coverage: accountLineCoverage)
}

/// A phone whose account line asks `directory`.
func accountLinePhone(directory: some AccountDirectory) throws -> TestPhone {
    try TestPhone(
        routes: RoutingTable { Route.default(accountLine(directory: directory)) }, prompts: audioFolder,
        coverage: accountLineCoverage)
}

/// The recordings that read `digits` out, one per key.
func spoken(_ digits: String) -> [String] { digits.map { "digit-\($0)" } }

/// Prompts, then a wait for keys.
func turn(_ prompts: [String], waitingFor digits: Int = 1, timeout: Duration = .seconds(5)) -> CallerHears {
    CallerHears(prompts: prompts, then: .waitsForKeys(digits: digits, timeout: timeout))
}

/// The PIN turn: 4 digits and `#`, 8 s.
func pinTurn(_ prompts: String...) -> CallerHears { turn(prompts, waitingFor: 5, timeout: .seconds(8)) }

/// The customer number turn: up to 8 digits and `#`, 8 s.
func customerTurn(_ prompts: String...) -> CallerHears { turn(prompts, waitingFor: 9, timeout: .seconds(8)) }

/// The read-back: the digits, then "press 1 if correct" (1 key, 8 s).
func readBack(_ digits: String) -> CallerHears {
    turn(["you-entered"] + spoken(digits) + ["press-1-if-correct"], waitingFor: 1, timeout: .seconds(8))
}

/// A directory that records what it was asked and answers from a list, or throws.
final class ScriptedDirectory: AccountDirectory {
    struct Unavailable: Error {}
    private let asked = Lock<[String]>([])
    let answer: AccountRecord?
    let fails: Bool

    init(answer: AccountRecord? = nil, fails: Bool = false) {
        self.answer = answer
        self.fails = fails
    }

    var questions: [String] { asked.withLock { $0 } }

    func account(customer: String, pin: String) async throws -> AccountRecord? {
        asked.withLock { $0.append("\(customer)/\(pin)") }
        if fails { throw Unavailable() }
        return answer
    }
}

@Suite struct AccountLineTests {
    /// Calls the account line and gets as far as the read-back of `customer`.
    func callUpToReadBack(_ phone: TestPhone, pin: String, customer: String) async -> SimulatedCall {
        let call = await phone.call(to: accountLineNumber, hears: pinTurn("account-welcome", "enter-pin")) { $0.state = "pin" }
        await call.press(pin + "#", hears: customerTurn("enter-customer-number")) {
            $0.state = "customerNumber"
            $0.variables = ["pin": pin]
        }
        await call.press(customer + "#", hears: readBack(customer)) { $0.variables["customer"] = customer }
        return call
    }

    // MARK: Calls

    @Test func aCallerHearsTheBalanceDigitByDigitAndTheStatus() async throws {
        let phone = try accountLinePhone()
        let call = await callUpToReadBack(phone, pin: "2580", customer: "4170007")
        await call.press("1", hears: turn(["please-wait", "account-menu"])) {
            $0.state = "accountMenu"
            $0.variables["balanceEuros"] = "1234"
            $0.variables["balanceCents"] = "56"
            $0.variables["overdrawn"] = "no"
        }
        await call.press("1", hears: turn(["balance-is"] + spoken("1234") + ["euro", "and"] + spoken("56") + ["cent", "account-menu"]))
        await call.press("2", hears: turn(["status-active", "account-menu"]))
        await call.press("0", hears: .dial(accountTeamNumber, after: "connecting-operator")) {
            $0.state = "operatorDesk"
            $0.trail = ["accountMenu"]
            $0.finished = true
        }
        call.expectTranscript(
            """
            < play [en] account-welcome, enter-pin (waiting for 5 digits, 8 s)
            > ****
            < play [en] enter-customer-number (waiting for 9 digits, 8 s)
            > 4170007#
            < play [en] you-entered, digit-4, digit-1, digit-7, digit-0, digit-0, digit-0, digit-7, press-1-if-correct (waiting for 1 digit, 8 s)
            > 1
            < play [en] please-wait, account-menu (waiting for 1 digit, 5 s)
            > 1
            < play [en] balance-is, digit-1, digit-2, digit-3, digit-4, euro, and, digit-5, digit-6, cent, account-menu (waiting for 1 digit, 5 s)
            > 2
            < play [en] status-active, account-menu (waiting for 1 digit, 5 s)
            > 0
            < play [en] connecting-operator, then dial 4921199999999
            """)
    }

    @Test func anOverdrawnBalanceIsReadWithMinus() async throws {
        let phone = try accountLinePhone()
        let call = await callUpToReadBack(phone, pin: "8264", customer: "41700014")
        await call.press("1", hears: turn(["please-wait", "account-menu"])) {
            $0.state = "accountMenu"
            $0.variables["balanceEuros"] = "75"
            $0.variables["balanceCents"] = "5"
            $0.variables["overdrawn"] = "yes"
        }
        await call.press(
            "1", hears: turn(["balance-is", "minus"] + spoken("75") + ["euro", "and"] + spoken("5") + ["cent", "account-menu"]))
        await call.hangUp { $0.ended = true }
    }

    @Test func aWrongPINThreeTimesEndsTheCall() async throws {
        let phone = try accountLinePhone()
        let call = await phone.call(to: accountLineNumber, hears: pinTurn("account-welcome", "enter-pin")) { $0.state = "pin" }
        await call.press("0000#", hears: pinTurn("pin-invalid", "enter-pin")) { $0.wrongKeys = 1 }
        await call.press("12#", hears: pinTurn("pin-invalid", "enter-pin")) { $0.wrongKeys = 2 }
        await call.press("1234#", hears: .hangup(after: "too-many-attempts", "goodbye")) {
            $0.state = "tooManyAttempts"
            $0.wrongKeys = 0
            $0.finished = true
        }
        call.expectTranscript(
            """
            < play [en] account-welcome, enter-pin (waiting for 5 digits, 8 s)
            > ****
            < play [en] pin-invalid, enter-pin (waiting for 5 digits, 8 s)
            > ****
            < play [en] pin-invalid, enter-pin (waiting for 5 digits, 8 s)
            > ****
            < play [en] too-many-attempts, goodbye, then hang up
            """)
    }

    @Test func onePINEntryDeliveredTwiceIsOneFailedAttempt() async throws {
        // The issue's own case: sipgate (or a proxy) delivers the same dtmf push twice.
        let phone = try accountLinePhone()
        let call = await phone.call(to: accountLineNumber, hears: pinTurn("account-welcome", "enter-pin")) { $0.state = "pin" }
        await call.press("0000#", hears: pinTurn("pin-invalid", "enter-pin")) { $0.wrongKeys = 1 }
        await call.repeatLastPush()
        await call.press("12#", hears: pinTurn("pin-invalid", "enter-pin")) { $0.wrongKeys = 2 }
        #expect(phone.engine.counters.repeatedPushes == 1)
        call.expectTranscript(
            """
            < play [en] account-welcome, enter-pin (waiting for 5 digits, 8 s)
            > ****
            < play [en] pin-invalid, enter-pin (waiting for 5 digits, 8 s)
            > **** (again)
            < play [en] pin-invalid, enter-pin (waiting for 5 digits, 8 s)
            > ****
            < play [en] pin-invalid, enter-pin (waiting for 5 digits, 8 s)
            """)
    }

    @Test func silenceAtThePINCountsAsATry() async throws {
        let phone = try accountLinePhone()
        let call = await phone.call(to: accountLineNumber, hears: pinTurn("account-welcome", "enter-pin")) { $0.state = "pin" }
        await call.silence(hears: pinTurn("no-input", "enter-pin")) { $0.noInputs = 1 }
        await call.press("7777#", hears: pinTurn("pin-invalid", "enter-pin")) { $0.wrongKeys = 1 }
        await call.silence(hears: .hangup(after: "too-many-attempts", "goodbye")) {
            $0.state = "tooManyAttempts"
            $0.noInputs = 0
            $0.wrongKeys = 0
            $0.finished = true
        }
    }

    @Test func anInvalidCustomerNumberIsAskedForAgainThenTheTeamHelps() async throws {
        let phone = try accountLinePhone()
        let call = await phone.call(to: accountLineNumber, hears: pinTurn("account-welcome", "enter-pin")) { $0.state = "pin" }
        await call.press("2580#", hears: customerTurn("enter-customer-number")) {
            $0.state = "customerNumber"
            $0.variables = ["pin": "2580"]
        }
        await call.silence(hears: customerTurn("no-input", "enter-customer-number")) { $0.noInputs = 1 }
        // Two digits swapped: the check digit catches it.
        await call.press("4170070#", hears: customerTurn("customer-number-invalid", "enter-customer-number")) { $0.wrongKeys = 1 }
        // Too short: 5 digits. The third failed try ends with the team.
        await call.press("41700#", hears: .dial(accountTeamNumber, after: "connecting-operator")) {
            $0.state = "operatorDesk"
            $0.noInputs = 0
            $0.wrongKeys = 0
            $0.finished = true
        }
    }

    @Test func aRejectedReadBackAsksForTheNumberAgain() async throws {
        let phone = try accountLinePhone()
        let call = await callUpToReadBack(phone, pin: "2580", customer: "4170015")
        await call.press("2", hears: customerTurn("enter-customer-number")) {
            $0.variables["customer"] = nil
            $0.wrongKeys = 1
        }
        await call.press("4170007#", hears: readBack("4170007")) { $0.variables["customer"] = "4170007" }
        // Silence is no confirmation either.
        await call.silence(hears: customerTurn("enter-customer-number")) {
            $0.variables["customer"] = nil
            $0.noInputs = 1
        }
        await call.press("4170007#", hears: readBack("4170007")) { $0.variables["customer"] = "4170007" }
        await call.press("2", hears: .dial(accountTeamNumber, after: "connecting-operator")) {
            $0.state = "operatorDesk"
            $0.variables["customer"] = nil
            $0.noInputs = 0
            $0.wrongKeys = 0
            $0.finished = true
        }
    }

    @Test func anUnknownAccountOrWrongPINLetsTheCallerTryTwiceMore() async throws {
        let phone = try accountLinePhone()
        // A valid customer number with the wrong PIN, then a number nobody has.
        let call = await callUpToReadBack(phone, pin: "9753", customer: "4170007")
        await call.press("1", hears: pinTurn("please-wait", "account-not-found", "enter-pin")) {
            $0.state = "pin"
            $0.variables["failedLookups"] = "1"
        }
        await call.press("2580#", hears: customerTurn("enter-customer-number")) {
            $0.state = "customerNumber"
            $0.variables["pin"] = "2580"
        }
        await call.press("1234566#", hears: readBack("1234566")) { $0.variables["customer"] = "1234566" }
        #expect(isValidCustomerNumber("1234566"))
        await call.press("1", hears: pinTurn("please-wait", "account-not-found", "enter-pin")) {
            $0.state = "pin"
            $0.variables["failedLookups"] = "2"
        }
        await call.press("9753#", hears: customerTurn("enter-customer-number")) {
            $0.state = "customerNumber"
            $0.variables["pin"] = "9753"
        }
        await call.press("4170007#", hears: readBack("4170007")) { $0.variables["customer"] = "4170007" }
        await call.press("1", hears: .hangup(after: "please-wait", "too-many-attempts", "goodbye")) {
            $0.state = "tooManyAttempts"
            $0.variables["failedLookups"] = "3"
            $0.finished = true
        }
    }

    @Test func aBlockedAccountIsPutThroughToTheTeam() async throws {
        let phone = try accountLinePhone()
        let call = await callUpToReadBack(phone, pin: "1397", customer: "20250015")
        await call.press("1", hears: .dial(accountTeamNumber, after: "please-wait", "status-blocked")) {
            $0.state = "statusBlocked"
            $0.finished = true
        }
        await call.answer(by: "Bob") { $0.answered = true }
    }

    @Test func theDirectoryIsAskedWithTheEnteredNumberAndPIN() async throws {
        let directory = ScriptedDirectory(answer: AccountRecord(customer: "314153", status: .active, balanceCents: 99))
        let phone = try accountLinePhone(directory: directory)
        let call = await callUpToReadBack(phone, pin: "4711", customer: "314153")
        await call.press("1", hears: turn(["please-wait", "account-menu"])) {
            $0.state = "accountMenu"
            $0.variables["balanceEuros"] = "0"
            $0.variables["balanceCents"] = "99"
            $0.variables["overdrawn"] = "no"
        }
        #expect(directory.questions == ["314153/4711"])
        await call.press("1", hears: turn(["balance-is", "digit-0", "euro", "and", "digit-9", "digit-9", "cent", "account-menu"]))
    }

    @Test func aDirectoryThatFailsSendsTheCallerToTheTeamWithAnExplanation() async throws {
        let directory = ScriptedDirectory(fails: true)
        let phone = try accountLinePhone(directory: directory)
        let call = await callUpToReadBack(phone, pin: "2580", customer: "4170007")
        await call.press("1", hears: .dial(accountTeamNumber, after: "please-wait", "lookup-unavailable")) {
            $0.state = "unavailable"
            $0.finished = true
        }
        #expect(directory.questions == ["4170007/2580"])
    }

    @Test func stubbedLookUps_foundFailedAndLate() async throws {
        let phone = try accountLinePhone()
        phone.stubLookup(
            AccountLineState.lookup, answer: AccountFound.active,
            setting: ["balanceEuros": "10", "balanceCents": "0", "overdrawn": "no"])
        let found = await callUpToReadBack(phone, pin: "2580", customer: "4170007")
        await found.press("1", hears: turn(["please-wait", "account-menu"])) {
            $0.state = "accountMenu"
            $0.variables["balanceEuros"] = "10"
            $0.variables["balanceCents"] = "0"
            $0.variables["overdrawn"] = "no"
        }
        await found.press("1", hears: turn(["balance-is", "digit-1", "digit-0", "euro", "and", "digit-0", "cent", "account-menu"]))

        phone.stubLookup(AccountLineState.lookup, .fail("CRM down"))
        let failed = await callUpToReadBack(phone, pin: "2580", customer: "4170007")
        await failed.press("1", hears: .dial(accountTeamNumber, after: "please-wait", "lookup-unavailable")) {
            $0.state = "unavailable"
            $0.finished = true
        }

        phone.stubLookup(AccountLineState.lookup, .late)
        let late = await callUpToReadBack(phone, pin: "2580", customer: "4170007")
        await late.press("1", hears: .dial(accountTeamNumber, after: "please-wait", "lookup-unavailable")) {
            $0.state = "unavailable"
            $0.finished = true
        }

        phone.stubLookup(AccountLineState.lookup, answer: AccountFound.notFound, setting: ["failedLookups": "1"])
        let notFound = await callUpToReadBack(phone, pin: "2580", customer: "4170007")
        await notFound.press("1", hears: pinTurn("please-wait", "account-not-found", "enter-pin")) {
            $0.state = "pin"
            $0.variables["failedLookups"] = "1"
        }
    }

    // MARK: A directory under load

    /// The hold: the look-up's "one moment" and "we are still looking, 0 for our team",
    /// waiting 8 s for a key (sipgate comes back then).
    static let held = turn(["please-wait", "please-hold"], timeout: .seconds(8))

    @Test func aSlowDirectoryHoldsTheCallerUntilTheAccountIsFound() async throws {
        let phone = try accountLinePhone()
        phone.stubLookup(
            AccountLineState.lookup,
            .after(.seconds(12), .answer(AccountFound.active, setting: ["balanceEuros": "42", "balanceCents": "0", "overdrawn": "no"])))
        let call = await callUpToReadBack(phone, pin: "3690", customer: "7770001")
        await call.press("1", hears: Self.held) { $0.state = "lookup" }
        // Still looking after the hold's 8 s: held again, without the "one moment".
        phone.advanceClock(by: .seconds(8))
        await call.silence(hears: turn(["please-hold"], timeout: .seconds(8)))
        // A key without a meaning while held changes nothing.
        phone.advanceClock(by: .seconds(8))
        await call.press("5", hears: turn(["account-menu"])) {
            $0.state = "accountMenu"
            $0.variables["balanceEuros"] = "42"
            $0.variables["balanceCents"] = "0"
            $0.variables["overdrawn"] = "no"
        }
    }

    @Test func aHeldCallerPressesZeroForTheTeam() async throws {
        let phone = try accountLinePhone()
        phone.stubLookup(AccountLineState.lookup, .after(.seconds(25), .answer(AccountFound.active)))
        let call = await callUpToReadBack(phone, pin: "3690", customer: "7770001")
        await call.press("1", hears: Self.held) { $0.state = "lookup" }
        phone.advanceClock(by: .seconds(4))
        await call.press("0", hears: .dial(accountTeamNumber, after: "connecting-operator")) {
            $0.state = "operatorDesk"
            $0.finished = true
        }
    }

    @Test func aDirectorySlowerThanThirtySecondsSendsTheHeldCallerToTheTeam() async throws {
        let phone = try accountLinePhone()
        phone.stubLookup(AccountLineState.lookup, .after(.seconds(45), .answer(AccountFound.active)))
        let call = await callUpToReadBack(phone, pin: "3690", customer: "7770001")
        await call.press("1", hears: Self.held) { $0.state = "lookup" }
        phone.advanceClock(by: .seconds(31))
        await call.silence(hears: .dial(accountTeamNumber, after: "lookup-unavailable")) {
            $0.state = "unavailable"
            $0.finished = true
        }
    }

    @Test func aCallerWhoChoosesNothingInTheAccountMenuIsSaidGoodbye() async throws {
        let phone = try accountLinePhone()
        let call = await callUpToReadBack(phone, pin: "4711", customer: "314153")
        await call.press("1", hears: turn(["please-wait", "account-menu"])) {
            $0.state = "accountMenu"
            $0.variables["balanceEuros"] = "0"
            $0.variables["balanceCents"] = "99"
            $0.variables["overdrawn"] = "no"
        }
        await call.silence(hears: turn(["no-input", "account-menu-short"])) { $0.noInputs = 1 }
        await call.press("7", hears: turn(["invalid-option", "account-menu-short"])) { $0.wrongKeys = 1 }
        await call.silence(hears: .hangup(after: "goodbye")) {
            $0.state = "goodbye"
            $0.noInputs = 0
            $0.wrongKeys = 0
            $0.finished = true
        }
    }

    @Test func thePINNeverShowsInTheTranscriptOrTheLog() async throws {
        let phone = try accountLinePhone()
        phone.exhaustivity = .off
        let call = await phone.call(to: accountLineNumber)
        await call.press("2580#")
        #expect(call.state.variables["pin"] == "2580")
        #expect(!call.transcript.contains("2580"))
        #expect(call.transcript.contains("> ****"))
    }

    @Test func theAccountLineIsFullyCovered() async throws {
        try await aCallerHearsTheBalanceDigitByDigitAndTheStatus()
        try await anOverdrawnBalanceIsReadWithMinus()
        try await aWrongPINThreeTimesEndsTheCall()
        try await silenceAtThePINCountsAsATry()
        try await anInvalidCustomerNumberIsAskedForAgainThenTheTeamHelps()
        try await aRejectedReadBackAsksForTheNumberAgain()
        try await anUnknownAccountOrWrongPINLetsTheCallerTryTwiceMore()
        try await aBlockedAccountIsPutThroughToTheTeam()
        try await theDirectoryIsAskedWithTheEnteredNumberAndPIN()
        try await aDirectoryThatFailsSendsTheCallerToTheTeamWithAnExplanation()
        try await stubbedLookUps_foundFailedAndLate()
        try await aCallerWhoChoosesNothingInTheAccountMenuIsSaidGoodbye()
        try await aSlowDirectoryHoldsTheCallerUntilTheAccountIsFound()
        try await aHeldCallerPressesZeroForTheTeam()
        try await aDirectorySlowerThanThirtySecondsSendsTheHeldCallerToTheTeam()
        let phone = try accountLinePhone()
        phone.expectFullCoverage(of: "account-line")
    }
}

// MARK: The pieces

@Suite struct AccountLineCheckTests {
    @Test func luhnAcceptsNumbersWithTheirCheckDigit() {
        for number in ["4170007", "41700014", "20250015", "314153", "1234566", "79927398713", "00"] {
            #expect(luhnIsValid(number), "\(number)")
        }
    }

    @Test func luhnCatchesEverySingleWrongDigitAndSwappedNeighbours() {
        let number = Array("41700014")
        for position in number.indices {
            for digit in "0123456789" where digit != number[position] {
                var changed = number
                changed[position] = digit
                #expect(!luhnIsValid(String(changed)), "\(String(changed))")
            }
        }
        #expect(!luhnIsValid("4170070"))  // 07 swapped to 70
        #expect(!luhnIsValid("1470007"))  // 41 swapped to 14
    }

    @Test func luhnRejectsWhatIsNotANumber() {
        for text in ["", "0", "7", "41700a7", "4170 007", "+4170007", "４１７０００７", "41700-07"] {
            #expect(!luhnIsValid(text), "\(text)")
        }
    }

    @Test func theCheckDigitCompletesAPayload() {
        #expect(luhnCheckDigit(for: "417000") == "7")
        #expect(luhnCheckDigit(for: "4170001") == "4")
        #expect(luhnCheckDigit(for: "7992739871") == "3")
        #expect(luhnCheckDigit(for: "0") == "0")
        #expect(luhnCheckDigit(for: "") == nil)
        #expect(luhnCheckDigit(for: "12a4") == nil)
        for payload in ["1", "12", "31415", "999999", "8675309"] {
            guard let check = luhnCheckDigit(for: payload) else {
                Issue.record("no check digit for \(payload)")
                continue
            }
            #expect(luhnIsValid(payload + String(check)), "\(payload)")
        }
    }

    @Test func customerNumbersHaveSixToEightDigits() {
        #expect(isValidCustomerNumber("314153"))
        #expect(isValidCustomerNumber("4170007"))
        #expect(isValidCustomerNumber("41700014"))
        #expect(!isValidCustomerNumber("00"))  // Luhn-valid, too short
        #expect(!isValidCustomerNumber("59"))
        #expect(!isValidCustomerNumber("79927398713"))  // Luhn-valid, too long
        #expect(!isValidCustomerNumber("4170008"))
    }

    @Test func obviousPINsAreRefused() {
        for pin in ["0000", "1111", "9999", "1234", "3456", "6789", "9876", "4321", "3210", "0123"] {
            #expect(!isAcceptablePIN(pin), "\(pin)")
        }
        for pin in ["2580", "8264", "1397", "4711", "1235", "0001", "9753", "1122"] {
            #expect(isAcceptablePIN(pin), "\(pin)")
        }
        for pin in ["", "123", "12345", "12a4", "12#4", "١٢٣٤"] {
            #expect(!isAcceptablePIN(pin), "\(pin)")
        }
    }

    @Test func theDemoDirectoryNeedsTheRightPIN() async throws {
        let directory = InMemoryAccountDirectory.demo
        #expect(try await directory.account(customer: "4170007", pin: "2580")?.balanceCents == 123_456)
        #expect(try await directory.account(customer: "4170007", pin: "2581") == nil)
        #expect(try await directory.account(customer: "4170007", pin: "25800") == nil)
        #expect(try await directory.account(customer: "4170007", pin: "") == nil)
        #expect(try await directory.account(customer: "4170015", pin: "2580") == nil)
        #expect(try await directory.account(customer: "20250015", pin: "1397")?.status == .blocked)
        // Every demo number is one the flow accepts.
        for customer in ["4170007", "41700014", "20250015", "314153"] { #expect(isValidCustomerNumber(customer)) }
    }

    @Test func aLaterEntryForTheSameCustomerReplacesTheEarlier() async throws {
        let directory = InMemoryAccountDirectory([
            (AccountRecord(customer: "314153", status: .active, balanceCents: 1), "4711"),
            (AccountRecord(customer: "314153", status: .blocked, balanceCents: 2), "2580"),
        ])
        #expect(try await directory.account(customer: "314153", pin: "4711") == nil)
        #expect(try await directory.account(customer: "314153", pin: "2580")?.status == .blocked)
    }

    @Test func theLookUpResultCarriesTheBalanceInEurosAndCents() {
        func check(_ cents: Int, _ euros: String, _ rest: String, _ overdrawn: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let result = accountLookupResult(AccountRecord(customer: "314153", status: .active, balanceCents: cents), failedBefore: 0)
            #expect(result.outcome == .active, sourceLocation: sourceLocation)
            #expect(
                result.variables == ["balanceEuros": euros, "balanceCents": rest, "overdrawn": overdrawn], sourceLocation: sourceLocation)
        }
        check(123_456, "1234", "56", "no")
        check(0, "0", "0", "no")
        check(5, "0", "5", "no")
        check(-7_505, "75", "5", "yes")
        check(-1, "0", "1", "yes")
        check(Int.min, "92233720368547758", "8", "yes")
        check(Int.max, "92233720368547758", "7", "no")
    }

    @Test func theLookUpResultCountsFailuresAndStopsAtTheLimit() {
        let blocked = accountLookupResult(AccountRecord(customer: "20250015", status: .blocked, balanceCents: 500), failedBefore: 1)
        #expect(blocked.outcome == .blocked)
        #expect(blocked.variables == [:])
        let first = accountLookupResult(nil, failedBefore: 0)
        #expect(first.outcome == .notFound)
        #expect(first.variables == ["failedLookups": "1"])
        let second = accountLookupResult(nil, failedBefore: 1)
        #expect(second.outcome == .notFound)
        #expect(second.variables == ["failedLookups": "2"])
        let last = accountLookupResult(nil, failedBefore: maxFailedAccountLookups - 1)
        #expect(last.outcome == .tooManyFailures)
        #expect(last.variables == ["failedLookups": "\(maxFailedAccountLookups)"])
    }

    @Test func theAccountLineCompilesWithEveryPromptRecorded() throws {
        let problems = Engine.check(
            RoutingTable { Route.default(accountLine(directory: InMemoryAccountDirectory.demo)) },
            environment: CompileEnvironment(publicURL: try AbsoluteURL("https://ivr.example.com"), prompts: audioFolder))
        #expect(problems == [])
    }
}
