import FoundationEssentials
import Testing

@testable import Touchtone

/// The byte kit (`Sources/Touchtone/Bytes/`): every writer, escaper and check the package shares.
@Suite enum ByteKitTests {}

extension ByteKitTests {
    @Suite struct Writing {
        @Test func decimalsCoverTheWholeIntRange() {
            for (value, text) in [
                (0, "0"), (7, "7"), (10, "10"), (2000, "2000"), (-42, "-42"),
                (Int.max, String(Int.max)), (Int.min, String(Int.min)),
            ] {
                var out = Array("x".utf8)
                out.appendDecimal(value)
                #expect(String(decoding: out, as: UTF8.self) == "x" + text)
            }
            var out: [UInt8] = []
            out.appendDecimal(UInt.max)
            #expect(String(decoding: out, as: UTF8.self) == String(UInt.max))
        }

        @Test func literalsTextAndHexAreAppended() {
            var out: [UInt8] = []
            out.appendLiteral("HTTP/1.1 ")
            out.appendUTF8("Grüße")
            out.append(UInt8(ascii: " "))
            for byte: UInt8 in [0x00, 0x0F, 0xA7, 0xFF] { out.appendHex(byte) }
            out.appendHex(0xAB, uppercase: true)
            #expect(String(decoding: out, as: UTF8.self) == "HTTP/1.1 Grüße 000fa7ffAB")
        }

        @Test func hexDigitsReadBackInEitherCase() {
            for nibble in UInt8(0)...15 {
                #expect(Hex.value(Hex.digit(nibble)) == nibble)
                #expect(Hex.value(Hex.digit(nibble, uppercase: true)) == nibble)
            }
            for byte in [UInt8(ascii: "g"), UInt8(ascii: "G"), UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: "@"), 0x80] {
                #expect(Hex.value(byte) == nil)
            }
        }
    }

    @Suite struct Escaping {
        @Test func xmlEscapesTheFivePredefinedEntitiesOnly() {
            var out: [UInt8] = []
            out.appendXMLEscaped("a&b<c>d\"e'f ä\u{1F600}")
            #expect(String(decoding: out, as: UTF8.self) == "a&amp;b&lt;c&gt;d&quot;e&apos;f ä\u{1F600}")
        }

        /// The session file promises what `JSONEncoder` writes; the log shares the escaper.
        @Test func jsonEscapingIsWhatJSONEncoderWrites() throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .withoutEscapingSlashes
            var every = (0...0x7F).map { String(UnicodeScalar(UInt8($0))) }
            every += ["", "plain", "a/b", "quote\"back\\slash", "ä€\u{1F600}", "\r\n\t\u{8}\u{C}"]
            for text in every {
                var out: [UInt8] = []
                out.appendJSONString(text)
                #expect(String(decoding: out, as: UTF8.self) == String(decoding: try encoder.encode(text), as: UTF8.self))
            }
        }

        @Test func jsonEscapesTerminalSequences() {
            var out: [UInt8] = []
            out.appendJSONEscaped("a\u{1B}[31mb")
            #expect(String(decoding: out, as: UTF8.self) == "a\\u001b[31mb")
        }
    }

    @Suite struct Checks {
        @Test func digitsAndCase() {
            #expect((0...255).filter { ASCII.isDigit(UInt8($0)) } == Array(48...57))
            #expect(ASCII.lowercase(UInt8(ascii: "A")) == UInt8(ascii: "a"))
            #expect(ASCII.lowercase(UInt8(ascii: "Z")) == UInt8(ascii: "z"))
            #expect(ASCII.lowercase(UInt8(ascii: "@")) == UInt8(ascii: "@"))
            #expect(ASCII.lowercase(UInt8(ascii: "[")) == UInt8(ascii: "["))
            #expect(ASCII.lowercase(0xC4) == 0xC4)
        }

        @Test func caseInsensitiveAndExactCompares() {
            func check(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
                var text = text
                return text.withUTF8(body)
            }
            #expect(check("Content-LENGTH") { ASCII.equalsIgnoringCase($0, "content-length") })
            #expect(!check("content-lengthx") { ASCII.equalsIgnoringCase($0, "content-length") })
            #expect(!check("content_length") { ASCII.equalsIgnoringCase($0, "content-length") })
            for length in 0...40 {
                let text = String(repeating: "k", count: length)
                let literal: StaticString = "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
                #expect(check(text) { ASCII.equalBytes($0, UnsafeBufferPointer(start: literal.utf8Start, count: length)) })
                if length > 0 {
                    // A difference at either end or in the middle is found.
                    for position in [0, length / 2, length - 1] {
                        var changed = Array(text.utf8)
                        changed[position] = UInt8(ascii: "x")
                        #expect(
                            !check(String(decoding: changed, as: UTF8.self)) {
                                ASCII.equalBytes($0, UnsafeBufferPointer(start: literal.utf8Start, count: length))
                            })
                    }
                }
            }
        }

        @Test func keypadKeys() {
            let keys = (0...255).filter { Keypad.isKey(UInt8($0)) }.map { Character(UnicodeScalar(UInt8($0))) }
            #expect(String(keys) == "#*0123456789ABCD")
        }

        @Test func secretsCompareByValueAtAnyLength() {
            #expect(constantTimeEquals("2580", "2580"))
            #expect(!constantTimeEquals("2580", "2581"))
            #expect(!constantTimeEquals("2580", "258"))
            #expect(!constantTimeEquals("258", "2580"))
            #expect(!constantTimeEquals("", "x"))
            #expect(constantTimeEquals("", ""))
            #expect(constantTimeEquals(Array("token".utf8), "token".utf8))
            #expect(!constantTimeEquals(Array("token".utf8)[...], "tokeN".utf8))
        }
    }
}

extension ByteKitTests {
    @Suite struct Base64Encoding {
        @Test(arguments: [
            ("", ""), ("Zg==", "f"), ("Zm8=", "fo"), ("Zm9v", "foo"), ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"), ("Zm9vYmFy", "foobar"),
        ])
        func rfc4648Vectors(encoded: String, decoded: String) throws {
            #expect(try Base64.decode(encoded) == Array(decoded.utf8))
        }

        @Test func encodingIsTheReferenceEncoding() {
            let all = (0...255).map { UInt8($0) }
            for length in 0...40 {
                #expect(Base64.encode(all.prefix(length)) == referenceBase64(Array(all.prefix(length))))
            }
            #expect(Base64.encode("sipgate:s3cret".utf8) == "c2lwZ2F0ZTpzM2NyZXQ=")
        }

        @Test func everyByteValueAndLengthRoundTrips() throws {
            let all = (0...255).map { UInt8($0) }
            for length in 0...all.count {
                let bytes = Array(all.prefix(length))
                #expect(try Base64.decode(referenceBase64(bytes)) == bytes)
            }
            #expect(try Base64.decode(referenceBase64(all.reversed())) == all.reversed())
        }

        @Test func oneTrailingNewlineIsTolerated() throws {
            #expect(try Base64.decode("Zm9v\n") == Array("foo".utf8))
            #expect(try Base64.decode("Zm8=\r\n") == Array("fo".utf8))
            #expect(try Base64.decode(Substring("xZm9v").dropFirst()) == Array("foo".utf8))
        }

        @Test(arguments: [
            ("Zm9v!A==", Base64.DecodingError.badCharacter(offset: 4)),
            ("Zm 9vYg=", .badCharacter(offset: 2)),
            (" Zm9vYg=", .badCharacter(offset: 0)),
            ("Zm9v\t\t\t\t", .badCharacter(offset: 4)),
            ("Zm9v\n\n", .badLength(5)),  // only one newline is tolerated
            ("Zm9v\r", .badLength(5)),
            ("\nZm9v", .badLength(5)),
            ("Zm9vYm-_", .badCharacter(offset: 6)),  // the URL-safe alphabet is not this one
            ("Zm9vYä=", .badCharacter(offset: 5)),  // "ä" is two bytes: 8 in all
            ("Zg=", .badLength(3)),
            ("Zg", .badLength(2)),
            ("Zm9vY", .badLength(5)),
            ("Z===", .badCharacter(offset: 1)),  // at most two '='
            ("====", .badCharacter(offset: 0)),
            ("=Zm9", .badCharacter(offset: 0)),
            ("Zg==Zg==", .badCharacter(offset: 2)),  // padding in the middle
            ("Zm=v", .badCharacter(offset: 2)),
            ("Zh==", .badPadding),  // unused bits set: not the canonical encoding of "f"
            ("Zm9=", .badPadding),
        ])
        func malformedTextIsRefusedWithTheReason(text: String, error: Base64.DecodingError) {
            #expect(throws: error) { try Base64.decode(text) }
        }

        @Test func inputIsBounded() {
            let huge = String(repeating: "A", count: 1_000_000)
            #expect(throws: Base64.DecodingError.tooLong(limit: 16_384)) { try Base64.decode(huge) }
            #expect(throws: Base64.DecodingError.tooLong(limit: 8)) { try Base64.decode("Zm9vYmFyZm9v", maxEncodedLength: 8) }
            #expect(Base64.DecodingError.tooLong(limit: 8).description == "base64 text longer than 8 characters")
            #expect(Base64.DecodingError.badCharacter(offset: 3).description == "a character that is not base64 at offset 3")
        }
    }
}

/// A plain reference encoder, independent of the one under test.
func referenceBase64(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out = [UInt8]()
    var index = 0
    while index < bytes.count {
        let chunk = Array(bytes[index..<min(index + 3, bytes.count)]) + [0, 0]
        let group = UInt32(chunk[0]) << 16 | UInt32(chunk[1]) << 8 | UInt32(chunk[2])
        let produced = min(3, bytes.count - index) + 1
        for position in 0..<4 {
            out.append(position < produced ? alphabet[Int(group >> UInt32(18 - 6 * position) & 63)] : UInt8(ascii: "="))
        }
        index += 3
    }
    return String(decoding: out, as: UTF8.self)
}
