import Flows
import Testing
import Touchtone
import TouchtoneTesting

/// Shared by the guard's scenario tests and its coverage test.
let outgoingGuardCoverage = FlowCoverage()

func outgoingGuardPhone() throws -> TestPhone {
    try TestPhone(routes: routes, prompts: audioFolder, coverage: outgoingGuardCoverage)
}

@Suite struct OutgoingGuardTests {
    /// A call Alice (or `user`) places to `to`.
    func dial(
        _ phone: TestPhone, _ to: String, user: String = "Alice", hears: CallerHears, state: String,
        variables: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        await phone.call(
            from: "4921100010", to: to, direction: .outgoing, users: user.isEmpty ? [] : [user], hears: hears,
            changes: {
                $0.state = state
                $0.variables = variables
                $0.finished = true
            }, sourceLocation: sourceLocation)
    }

    @Test func germanNumbersGoOutWithTheUsersOwnNumber() async throws {
        let phone = try outgoingGuardPhone()
        await dial(phone, "4930123456", hears: .dial("4930123456", callerId: "4921100010"), state: "check")
        await dial(phone, "4915799912345", user: "Bob", hears: .dial("4915799912345", callerId: "4921100020"), state: "check")
        // Users without a number of their own show the main number.
        await dial(phone, "4930123456", user: "Carol", hears: .dial("4930123456", callerId: "4921100000"), state: "check")
        await dial(phone, "4930123456", user: "", hears: .dial("4930123456", callerId: "4921100000"), state: "check")
        // A user calling the hotline goes out too, and comes back in as a new call.
        await dial(phone, "4921100000", hears: .dial("4921100000", callerId: "4921100010"), state: "check")
    }

    @Test func premiumRateNumbersAreRefusedInEveryForm() async throws {
        let phone = try outgoingGuardPhone()
        for number in [
            "4990012345", "4913712345", "491805123456", "4911833", "0900123456", "01805123456",
            "004990012345", "+4990012345", "0137123456", "011833",
        ] {
            await dial(phone, number, hears: .reject(.rejected, after: "number-blocked"), state: "premiumRate")
        }
    }

    @Test func foreignNumbersAreRefused() async throws {
        let phone = try outgoingGuardPhone()
        for number in ["33123456789", "0033123456789", "12125550100", "+441632960000", "0043123456"] {
            await dial(phone, number, hears: .reject(.rejected, after: "number-blocked"), state: "foreign")
        }
    }

    @Test func nationalFormsAreDialledInE164() async throws {
        let phone = try outgoingGuardPhone()
        await dial(
            phone, "030123456", hears: .dial("4930123456", callerId: "4921100010"), state: "normalise",
            variables: ["e164": "4930123456"])
        await dial(
            phone, "004930123456", user: "Bob", hears: .dial("4930123456", callerId: "4921100020"), state: "normalise",
            variables: ["e164": "4930123456"])
        await dial(
            phone, "+4915799912345", hears: .dial("4915799912345", callerId: "4921100010"), state: "normalise",
            variables: ["e164": "4915799912345"])
    }

    @Test func emergencyCallsAlwaysGoThrough() async throws {
        let phone = try outgoingGuardPhone()
        await dial(phone, "112", hears: .dial("112", callerId: "4921100010"), state: "check")
        await dial(phone, "110", user: "Carol", hears: .dial("110", callerId: "4921100000"), state: "check")
    }

    @Test func whatIsNotANumberIsRefusedWithoutAWord() async throws {
        let phone = try outgoingGuardPhone()
        for number in ["", "anonymous", "49030123456", "0", "00", "+", "1234567890123456", "0211*123", "0211#1"] {
            await dial(phone, number, hears: .reject(.rejected), state: "check")
        }
    }

    @Test func aNormalisingStepThatFailsOrIsLateRefusesTheCall() async throws {
        let phone = try outgoingGuardPhone()
        phone.stubLookup(OutgoingGuardState.normalise, .fail("overloaded"))
        await dial(phone, "030123456", hears: .reject(.rejected), state: "normalise")
        phone.stubLookup(OutgoingGuardState.normalise, .late)
        await dial(phone, "030123456", hears: .reject(.rejected), state: "normalise")
    }

    @Test func incomingCallsNeverMeetTheGuard() async throws {
        let phone = try outgoingGuardPhone()
        phone.exhaustivity = .off
        await phone.call(to: "4921100000", direction: .incoming, forcing: .mainMenu, hears: .prompts("welcome", "main-menu")) {
            $0.state = "mainMenu"
        }
        await phone.call(
            to: accountLineNumber, direction: .incoming,
            hears: .prompts("account-welcome", "enter-pin", waitingFor: 5, timeout: .seconds(8))
        ) { $0.state = "pin" }
        await phone.call(to: "4990012345", direction: .incoming, forcing: .mainMenu, hears: .prompts("welcome", "main-menu")) {
            $0.state = "mainMenu"
        }
        // Outgoing calls to the account line's number are guarded like any other.
        await phone.call(to: accountLineNumber, direction: .outgoing, hears: .dial(accountLineNumber, callerId: "4921100010")) {
            $0.state = "check"
        }
    }

    @Test func theOutgoingGuardIsFullyCovered() async throws {
        try await germanNumbersGoOutWithTheUsersOwnNumber()
        try await premiumRateNumbersAreRefusedInEveryForm()
        try await foreignNumbersAreRefused()
        try await nationalFormsAreDialledInE164()
        try await emergencyCallsAlwaysGoThrough()
        try await whatIsNotANumberIsRefusedWithoutAWord()
        try await aNormalisingStepThatFailsOrIsLateRefusesTheCall()
        try outgoingGuardPhone().expectFullCoverage(of: "outgoing-guard")
    }
}

@Suite struct DialledNumberTests {
    @Test func numbersAreReadInEveryFormAUserMightDial() {
        let cases: [(String, String?)] = [
            ("4921112345", "4921112345"),
            ("+4921112345", "4921112345"),
            ("004921112345", "4921112345"),
            ("021112345", "4921112345"),
            ("0033123456789", "33123456789"),
            ("33123456789", "33123456789"),
            ("112", "112"),
            ("110", "110"),
            ("49", "49"),
            ("", nil),
            ("anonymous", nil),
            ("0", nil),
            ("00", nil),
            ("000123", nil),
            ("+", nil),
            ("++4921112345", nil),
            ("490211", nil),
            ("00490211", nil),
            ("123456789012345", "123456789012345"),
            ("1234567890123456", nil),
            ("02111234567890123", nil),
            ("0211-12345", nil),
            ("0211 12345", nil),
            ("٠٢١١١٢٣٤٥", nil),
        ]
        for (dialled, expected) in cases {
            #expect(e164(dialled: dialled) == expected, "\(dialled)")
        }
    }

    @Test func numbersAreSortedIntoWhatTheGuardDoes() {
        let cases: [(String, DialledNumberKind)] = [
            ("112", .emergency), ("110", .emergency),
            ("49112", .german), ("0112", .german),
            ("4990012345", .premiumRate), ("090012345", .premiumRate), ("004990012345", .premiumRate),
            ("4913712345", .premiumRate), ("4918012345", .premiumRate), ("4911833", .premiumRate),
            ("49901", .german), ("4919012345", .german), ("4930900123", .german),
            ("33123456789", .foreign), ("0033123456789", .foreign), ("1900123456", .foreign), ("4", .unusable),
            ("anonymous", .unusable), ("", .unusable), ("490900123", .unusable),
        ]
        for (dialled, kind) in cases {
            #expect(classify(dialled: dialled) == kind, "\(dialled)")
        }
    }

    @Test func everyCallerIdIsE164() {
        for number in Array(outgoingCallerIds.values) + [defaultOutgoingCallerId] {
            #expect(E164Number.isValid(number), "\(number)")
        }
    }
}
