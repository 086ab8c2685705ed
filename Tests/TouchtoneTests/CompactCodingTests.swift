import Testing

@testable import Touchtone

/// The binary form of values kept outside the process: what is written reads back, and
/// anything damaged reads as nil, never as a wrong value or a trap.
@Suite struct CompactCodingTests {
    @Test(arguments: [0, 1, 127, 128, 300, 16_383, 16_384, UInt64(UInt32.max), UInt64.max])
    func varintsRoundTrip(value: UInt64) {
        var bytes: [UInt8] = []
        bytes.appendVarint(value)
        var reader = CompactReader(bytes)
        #expect(reader.varint() == value)
        #expect(reader.isAtEnd)
    }

    @Test func malformedVarintsAreRefused() {
        var truncated = CompactReader([0x80, 0x80])
        #expect(truncated.varint() == nil)
        var tooLong = CompactReader([UInt8](repeating: 0xFF, count: 10) + [0x01])
        #expect(tooLong.varint() == nil)
        var overflowing = CompactReader([UInt8](repeating: 0xFF, count: 9) + [0x02])
        #expect(overflowing.varint() == nil)
        var narrow = CompactReader([0x80, 0x02])  // 256 does not fit a UInt8
        #expect(narrow.integer(UInt8.self) == nil)
    }

    @Test(arguments: ["", "4", "49", "4915790000001", "004915790000001"])
    func digitsPackTwoToAByte(digits: String) {
        var bytes: [UInt8] = []
        let packed = bytes.appendPackedDigits(digits)
        #expect(packed)
        #expect(bytes.count == digits.count / 2 + 1)
        var reader = CompactReader(bytes)
        #expect(reader.packedDigits() == digits)
        #expect(reader.isAtEnd)
    }

    @Test func onlyDigitsPack() {
        var bytes: [UInt8] = []
        let anonymous = bytes.appendPackedDigits("anonymous")
        let plus = bytes.appendPackedDigits("+49")
        #expect(!anonymous && !plus)
        #expect(bytes.isEmpty)
        for damaged: [UInt8] in [[], [0x12], [0xA1, 0xFF], [0x1A], [0xF1]] {
            var reader = CompactReader(damaged)
            #expect(reader.packedDigits() == nil, "\(damaged)")
        }
    }

    @Test func textIsLengthPrefixedAndChecked() {
        var bytes: [UInt8] = []
        bytes.appendCompactText("Jürgen")
        var reader = CompactReader(bytes)
        #expect(reader.text() == "Jürgen")
        var short = CompactReader([5, 65, 66])
        #expect(short.text() == nil)
        var invalid = CompactReader([2, 0xC3, 0x28])
        #expect(invalid.text() == nil)
    }

    static let base = "https://ivr.example.com/"
    static let callbacks = try! AbsoluteURL(base + "?f=main")

    static var answers: [Response] {
        let url = { (path: String) in try! AbsoluteURL(base + path) }
        return [
            .empty,
            Response(onAnswer: callbacks, onHangup: callbacks),
            Response(onHangup: url("other"), plays: [Play(url("audio/a.wav")), Play(try! AbsoluteURL("http://cdn.example.net/b.wav"))]),
            Response(onAnswer: callbacks, then: .gather(try! Gather(onData: callbacks, maxDigits: 9, timeoutMilliseconds: 8000))),
            Response(then: .gather(try! Gather(onData: callbacks, play: Play(url("audio/menu.wav"))))),
            Response(then: .dial(.voicemail)),
            Response(
                then: .dial(
                    try! Dial(
                        .numbers([E164Number("4915799912345"), E164Number("+4921100000")]),
                        callerId: E164Number("4921100001"), anonymous: false))),
            Response(then: .dial(try! Dial(.numbers([E164Number("4915799912345")]), anonymous: true))),
            Response(then: .reject(.busy)),
            Response(then: .reject(.rejected)),
            Response(plays: [Play(url("audio/bye.wav"))], then: .hangup),
        ]
    }

    @Test func answersRoundTripWithAndWithoutTheirBase() {
        for coding in [ResponseCoding(), ResponseCoding(callbacks: Self.callbacks, base: Self.base)] {
            for answer in Self.answers {
                var bytes: [UInt8] = []
                coding.append(answer, to: &bytes)
                var reader = CompactReader(bytes)
                #expect(coding.read(from: &reader) == answer)
                #expect(reader.isAtEnd)
            }
        }
    }

    @Test func theFlowsOwnURLsAreShort() {
        let coding = ResponseCoding(callbacks: Self.callbacks, base: Self.base)
        var bytes: [UInt8] = []
        coding.append(Self.answers[4], to: &bytes)
        // head, play count, onData (1 byte), maxDigits, timeout (2), play flag, "audio/menu.wav" after the base.
        #expect(bytes.count == 1 + 1 + 1 + 1 + 2 + 1 + 1 + 1 + 14)
    }

    @Test func everyTruncationOrDamageReadsAsNilOrAValidAnswer() {
        let coding = ResponseCoding(callbacks: Self.callbacks, base: Self.base)
        for answer in Self.answers {
            var bytes: [UInt8] = []
            coding.append(answer, to: &bytes)
            for end in 0..<bytes.count {
                var reader = CompactReader(Array(bytes[..<end]))
                #expect(coding.read(from: &reader) == nil, "\(answer) cut at \(end)")
            }
            for index in bytes.indices {
                for flip: UInt8 in [0x01, 0x80, 0xFF] {
                    var damaged = bytes
                    damaged[index] ^= flip
                    var reader = CompactReader(damaged)
                    // Whatever it reads is an answer every part of which was checked on the way.
                    if let read = coding.read(from: &reader) { #expect(!read.xml.isEmpty) }
                }
            }
        }
    }
}
