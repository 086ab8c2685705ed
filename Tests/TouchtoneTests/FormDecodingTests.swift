import Testing

@testable import Touchtone

// The form layer on its own: FormScanner, unescaping and quoting, seen through
// FormDecoding.pairs, which lists every pair the way the push decoder reads it.

private func pairs(_ body: String, limits: PushLimits = .default) throws(PushDecodingError) -> [String] {
    try FormDecoding.pairs(Array(body.utf8), limits: limits).map { "\($0.key)=\($0.value)" }
}

private func expectFormError(
    _ body: String, _ description: String, limits: PushLimits = .default,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        let read = try pairs(body, limits: limits)
        Issue.record("read \(read), expected \(description)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.description == description, sourceLocation: sourceLocation)
    }
}

@Suite struct FormDecodingTests {
    @Test func plusIsASpaceAndAnEscapedPlusIsAPlus() throws {
        #expect(try pairs("user=Jane+Doe&from=%2B49+211&a+b=c") == ["user=Jane Doe", "from=+49 211", "a b=c"])
    }

    @Test func percentEscapesTakeEitherCaseOfHex() throws {
        #expect(try pairs("a=%41%62%2a%2A%3d%26%25%00") == ["a=Ab**=&%\u{0}"])
    }

    @Test func escapedUTF8BecomesText() throws {
        #expect(try pairs("user=J%C3%BCrgen+M%c3%bcller&n=%E2%82%AC%F0%9F%93%9E") == ["user=Jürgen Müller", "n=€📞"])
        #expect(try pairs("user=Jürgen") == ["user=Jürgen"])
    }

    @Test func bracketsMayBeLiteralOrEscaped() throws {
        #expect(try pairs("user[]=A&user%5B%5D=B&user%5b%5d=C") == ["user[]=A", "user[]=B", "user[]=C"])
    }

    @Test func repeatedKeysStayInOrder() throws {
        #expect(try pairs("k=3&j=0&k=1&k=2") == ["k=3", "j=0", "k=1", "k=2"])
    }

    @Test func emptyPairsAreSkippedAndAKeyWithoutEqualsHasAnEmptyValue() throws {
        #expect(try pairs("&&a=1&&&b&=c&d==e&") == ["a=1", "b=", "=c", "d==e"])
        #expect(try pairs("&&&").isEmpty)
        #expect(try pairs("").isEmpty)
    }

    @Test(arguments: [
        ("a=%ZZ", "a: bad percent escape"),
        ("a=%G1", "a: bad percent escape"),
        ("a=%1G", "a: bad percent escape"),
        ("a=%4", "a: bad percent escape"),
        ("a=1%", "a: bad percent escape"),
        ("a=%%41", "a: bad percent escape"),
        ("a%Z=1", "key: bad percent escape"),
    ])
    func badEscapesAreRefused(body: String, description: String) {
        expectFormError(body, description)
    }

    @Test(arguments: ["a=%FF", "a=%C3", "a=%C3%28", "a=%C0%80", "a=%ED%A0%80", "a=%F4%90%80%80", "%FF=1"])
    func invalidUTF8IsRefused(body: String) {
        let field = body.hasPrefix("a=") ? "a" : "key"
        expectFormError(body, "\(field): not valid UTF-8")
    }

    @Test func keysThatCouldBreakALogLineAreQuotedInErrors() {
        expectFormError("a%0Ab=%ZZ", #""a\nb": bad percent escape"#)
    }

    @Test func fieldsAndValuesAreBounded() throws {
        let limits = PushLimits(maxBodyBytes: 32, maxFields: 3, maxFieldBytes: 4)
        #expect(try pairs("a=1&&b=2&&c=3", limits: limits) == ["a=1", "b=2", "c=3"])
        expectFormError("a=1&b=2&c=3&d", "body: more than 3 fields", limits: limits)
        #expect(try pairs("a=1234&b=%31%32%33%34", limits: limits) == ["a=1234", "b=1234"])
        expectFormError("a=12345", "a: longer than 4 bytes", limits: limits)
        expectFormError("a=%31%32%33%34%35", "a: longer than 4 bytes", limits: limits)
        expectFormError(String(repeating: "a", count: 33), "body: larger than 32 bytes", limits: limits)
    }

    @Test func theScannerReportsOffsetsAndEscapes() throws {
        let body = Array("&k%5B%5D=a+b&plain&x=".utf8)
        var found: [FormPair] = []
        try body.withUnsafeBufferPointer { bytes throws(PushDecodingError) in
            var scanner = FormScanner(bytes, maxFields: 10)
            while let pair = try scanner.next() { found.append(pair) }
            #expect(scanner.fieldCount == 3)
        }
        #expect(
            found == [
                FormPair(key: 1..<8, value: 9..<12, keyIsEscaped: true, valueIsEscaped: true),
                FormPair(key: 13..<18, value: 18..<18, keyIsEscaped: false, valueIsEscaped: false),
                FormPair(key: 19..<20, value: 21..<21, keyIsEscaped: false, valueIsEscaped: false),
            ])
    }

    @Test func unescapeRefusesAnOutputBufferThatIsTooSmall() {
        let raw = Array("abc".utf8)
        let written = raw.withUnsafeBufferPointer { raw in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2) { FormDecoding.unescape(raw, into: $0) }
        }
        #expect(written == nil)
    }

    @Test func quotingEscapesControlsAndCutsLongValues() {
        func quoted(_ bytes: [UInt8], limit: Int = 40) -> String {
            bytes.withUnsafeBufferPointer { FormDecoding.quoted($0, limit: limit) }
        }
        #expect(quoted(Array("sideways".utf8)) == #""sideways""#)
        #expect(
            quoted(Array("a\"b\\c\t\r\n\u{0}\u{7F}\u{85}\u{2028}\u{2066}".utf8))
                == #""a\"b\\c\t\r\n\u{0000}\u{007F}\u{0085}\u{2028}\u{2066}""#)
        #expect(quoted(Array("Jürgen".utf8)) == #""Jürgen""#)
        #expect(quoted([0x41, 0xFF, 0x42]) == "\"A\u{FFFD}B\"")
        #expect(quoted(Array("abcdef".utf8), limit: 3) == #""abc…""#)
        #expect(quoted(Array("abc".utf8), limit: 3) == #""abc""#)
        #expect(quoted(Array("üüüü".utf8), limit: 3) == #""üüü…""#)
        #expect(quoted(Array(repeating: 0xF0, count: 1) + Array("😀😀😀😀".utf8), limit: 3) == "\"\u{FFFD}😀😀…\"")
        #expect(quoted(Array(repeating: 0x61, count: 10_000)) == "\"" + String(repeating: "a", count: 40) + "…\"")
    }

    @Test func everyPushKeyIsMatchedByItsOwnBytesOnly() {
        for key in PushKey.allCases {
            let bytes = Array(key.name.utf8)
            #expect(bytes.withUnsafeBufferPointer(PushKey.match) == key)
            // One changed byte anywhere and it is no key at all.
            for index in bytes.indices {
                var changed = bytes
                changed[index] ^= 0x20
                #expect(changed.withUnsafeBufferPointer(PushKey.match) == nil, "\(String(decoding: changed, as: UTF8.self))")
            }
            #expect((bytes + [0x61]).withUnsafeBufferPointer(PushKey.match) == nil)
            #expect(bytes.dropLast().withUnsafeBufferPointer(PushKey.match) == nil)
        }
    }

    /// The scanner reads eight bytes at a time; checked against a byte-by-byte reading
    /// for every placement of the special bytes around word boundaries and body ends.
    @Test func theScannerFindsEverySpecialByteWhereverItFallsInAWord() throws {
        // A plain byte, the four that matter, bytes the word test may flag without cause
        // (the rest of 0x20-0x2F, `<` after `=`), and non-ASCII.
        let alphabet = Array("a&=%+-<.".utf8) + [0xC3, 0x80, 0xFF]
        var random = Xorshift(state: 0x70C4_70E5_5EED)
        for length in 0...40 {
            for _ in 0..<200 {
                let body = (0..<length).map { _ in alphabet.randomElement(using: &random)! }
                #expect(try scannedPairs(body) == referencePairs(body), "\(body)")
            }
        }
    }

    @Test func smallASCIIValuesAreBuiltLikeTheLibraryBuildsThem() {
        #if _pointerBitWidth(_64) && _endian(little)
            #expect(SmallASCII.isUsable)
        #endif
        let source = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)
        for length in 0...source.count {
            let bytes = Array(source.prefix(length))
            let made = bytes.withUnsafeBufferPointer { FormDecoding.asciiString($0) }
            let expected = String(decoding: bytes, as: UTF8.self)
            #expect(made == expected)
            #expect(made.hashValue == expected.hashValue)
            #expect(Array(made.utf8) == bytes)
            #expect(made.count == length)
            #expect(made + "!" == expected + "!")
        }
    }
}

/// The pairs `FormScanner` finds, as (key start, key end, value start, value end, key escaped,
/// value escaped, ASCII).
private func scannedPairs(_ body: [UInt8]) throws(PushDecodingError) -> [[Int]] {
    var found: [[Int]] = []
    try body.withUnsafeBufferPointer { bytes throws(PushDecodingError) in
        var scanner = FormScanner(bytes, maxFields: .max)
        while let pair = try scanner.next() {
            found.append([
                pair.key.lowerBound, pair.key.upperBound, pair.value.lowerBound, pair.value.upperBound,
                pair.keyIsEscaped ? 1 : 0, pair.valueIsEscaped ? 1 : 0, pair.isASCII ? 1 : 0,
            ])
        }
    }
    return found
}

/// The same, read one byte at a time as the grammar says.
private func referencePairs(_ body: [UInt8]) -> [[Int]] {
    var found: [[Int]] = []
    var start = 0
    while start < body.count {
        var end = start
        while end < body.count && body[end] != UInt8(ascii: "&") { end += 1 }
        if end > start {
            let pair = body[start..<end]
            let equals = pair.firstIndex(of: UInt8(ascii: "=")) ?? end
            let key = body[start..<equals]
            let value = equals < end ? body[(equals + 1)..<end] : body[end..<end]
            func isEscaped(_ bytes: ArraySlice<UInt8>) -> Int {
                bytes.contains { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") } ? 1 : 0
            }
            found.append([
                start, equals, equals < end ? equals + 1 : end, end,
                isEscaped(key), isEscaped(value), pair.allSatisfy { $0 < 0x80 } ? 1 : 0,
            ])
        }
        start = end + 1
    }
    return found
}

/// A fixed-seed generator, so that the test reads the same bodies every run.
private struct Xorshift: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
