import Foundation
import Testing
import Touchtone

@testable import TouchtoneServer

/// Everything about `X-Sipgate-Signature`: `swift test --filter SignatureTests`.
@Suite enum SignatureTests {}

// MARK: - Fixtures

enum Fixture {
    static func url(_ name: String) throws -> URL {
        guard let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw FixtureMissing(name: "Fixtures")
        }
        return directory.appendingPathComponent(name)
    }

    static func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: url(name))) }
    static func text(_ name: String) throws -> String { String(decoding: try bytes(name), as: UTF8.self) }
    static func key(_ name: String) throws -> RSAPublicKey { try RSAPublicKey(pem: text(name)) }

    struct FixtureMissing: Error { var name: String }
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0 >> 4, radix: 16) + String($0 & 15, radix: 16) }.joined()
}

/// A PEM block around `der`, 64 base64 characters a line.
func pem(_ label: String, _ der: [UInt8]) -> String {
    let body = Array(Base64.encode(der))
    let lines = stride(from: 0, to: body.count, by: 64).map { String(body[$0..<min($0 + 64, body.count)]) }
    return (["-----BEGIN \(label)-----"] + lines + ["-----END \(label)-----", ""]).joined(separator: "\n")
}

// MARK: - SHA-256

extension SignatureTests {
    @Suite struct SHA256Vectors {
        @Test func nistShortMessages() {
            #expect(hex(SHA256.hash([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            #expect(
                hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                    == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
            #expect(
                hex(
                    SHA256.hash(
                        Array(
                            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
                                .utf8)))
                    == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        }

        @Test func nistOneMillionA() {
            let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
            // Contiguous bytes, and a collection without contiguous storage.
            #expect(hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))) == expected)
            #expect(hex(SHA256.hash(repeatElement(UInt8(ascii: "a"), count: 1_000_000))) == expected)
        }

        /// Lengths around the 55/56/64-byte padding boundaries (values from Python's hashlib).
        @Test(arguments: [
            (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
            (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
            (57, "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6"),
            (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
            (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
            (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
            (119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
            (120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"),
            (128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"),
        ])
        func paddingBoundaries(length: Int, digest: String) {
            #expect(hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: length))) == digest)
        }

        @Test func feedingInPiecesEqualsFeedingAtOnce() {
            let message = Array((0..<1280).map { UInt8(truncatingIfNeeded: $0) })
            let expected = "d414b085826eb06778483ba35564dc849e643359f69ed9747878ba6e54985bed"
            #expect(hex(SHA256.hash(message)) == expected)
            for pieceLength in [1, 3, 55, 63, 64, 65, 200] {
                var hasher = SHA256()
                var index = 0
                while index < message.count {
                    hasher.update(message[index..<min(index + pieceLength, message.count)])
                    index += pieceLength
                }
                #expect(hex(hasher.finalize()) == expected, "pieces of \(pieceLength)")
            }
        }
    }
}

// MARK: - Big numbers

extension SignatureTests {
    @Suite struct BigNumbers {
        @Test func bytesConvertBothWays() {
            let value = BigUInt(bigEndianBytes: [0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09])
            #expect(value.limbs == [0x0203_0405_0607_0809, 0x01])
            #expect(value.bitWidth == 65)
            #expect(value.bigEndianBytes(count: 9) == [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09])
            #expect(value.bigEndianBytes(count: 12) == [0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09])
            #expect(value.bigEndianBytes(count: 8) == nil)
            #expect(BigUInt(bigEndianBytes: [0, 0, 0]).isZero)
            #expect(BigUInt(bigEndianBytes: [UInt8]()).bigEndianBytes(count: 2) == [0, 0])
            #expect(BigUInt(limbs: [5]) < BigUInt(limbs: [0, 1]))
            #expect(!(BigUInt(limbs: [0, 1]) < BigUInt(limbs: [0, 1])))
            #expect(BigUInt(limbs: [7, 0, 0]) == BigUInt(limbs: [7]))
        }

        static func number(_ hexDigits: String) -> BigUInt {
            var digits = Array(hexDigits.utf8)
            if digits.count % 2 == 1 { digits.insert(UInt8(ascii: "0"), at: 0) }
            let bytes = stride(from: 0, to: digits.count, by: 2).map {
                UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16) ?? 0
            }
            return BigUInt(bigEndianBytes: bytes)
        }

        /// Expected values from Python's `pow(base, exponent, modulus)`.
        @Test(arguments: [
            ("1f1", "4", UInt64(13), "1bd"),  // 4^13 mod 497 = 445
            ("7fffffffffffffffffffffffffffffff", "3", 65537, "37002cd96c28f670d8eb760e6301408"),
            (
                "ffffffffffffffffffffffffffffffffffffffffffffff13", "80000000000000000000000000000000ab54a98ceb1f0ad2", 65537,
                "482e642aff20033ce9beb27472b4e477f27b0563fec8bb74"
            ),
            (
                "ffffffffffffffffffffffffffffffffffffffffffffff13", "80000000000000000000000000000000ab54a98ceb1f0ad2", 3,
                "ecbd9e342eef25f8499995a318feb15a1bcb7b0e39382042"
            ),
            (
                "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f",
                "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e", 65537,
                "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e"
            ),
            ("ffffffffffffffc5", "ffffffffffffffc4", UInt64.max, "ffffffffffffffc4"),
            ("ffffffffffffffc5", "0", 65537, "0"),
            ("ffffffffffffffc5", "1", 65537, "1"),
        ])
        func montgomeryPowerMatchesKnownAnswers(modulus: String, base: String, exponent: UInt64, expected: String) throws {
            let prepared = try #require(MontgomeryModulus(Self.number(modulus)))
            #expect(prepared.power(Self.number(base), exponent: exponent) == Self.number(expected))
        }

        @Test func montgomeryRefusesWhatItCannotDo() throws {
            #expect(MontgomeryModulus(BigUInt(limbs: [10])) == nil)  // even
            #expect(MontgomeryModulus(BigUInt(limbs: [1])) == nil)
            #expect(MontgomeryModulus(BigUInt(limbs: [])) == nil)
            let prepared = try #require(MontgomeryModulus(BigUInt(limbs: [497])))
            #expect(prepared.power(BigUInt(limbs: [497]), exponent: 3) == nil)  // base == modulus
            #expect(prepared.power(BigUInt(limbs: [0, 1]), exponent: 3) == nil)  // base > modulus
            #expect(prepared.power(BigUInt(limbs: [4]), exponent: 0) == nil)
            #expect(prepared.power(BigUInt(limbs: [4]), exponent: 1) == BigUInt(limbs: [4]))
        }
    }
}

// MARK: - Keys

extension SignatureTests {
    @Suite struct PublicKeys {
        @Test func sipgateKeyIsEmbeddedVerbatimAndReadable() throws {
            #expect(SignatureCheck.sipgatePushKeyPEM == (try Fixture.text("sipgate-push-public-key.pem")))
            let key = try RSAPublicKey(pem: SignatureCheck.sipgatePushKeyPEM)
            #expect(key.bitCount == 4096)
            #expect(key.exponent == 65537)
        }

        @Test(arguments: [2048, 4096])
        func bothPEMFormsGiveTheSameKey(bits: Int) throws {
            let info = try Fixture.key("rsa\(bits)-public.pem")
            let pkcs1 = try Fixture.key("rsa\(bits)-public-pkcs1.pem")
            #expect(info.bitCount == bits && pkcs1.bitCount == bits)
            #expect(info.modulus.modulus == pkcs1.modulus.modulus)
            #expect(info.exponent == 65537 && pkcs1.exponent == 65537)
        }

        @Test func crlfLineEndsAndSurroundingBlankLinesAreAccepted() throws {
            let text = try Fixture.text("rsa2048-public.pem")
            let windows = "\r\n" + text.split(separator: "\n").joined(separator: "\r\n") + "\r\n\r\n"
            #expect(try RSAPublicKey(pem: windows).modulus.modulus == Fixture.key("rsa2048-public.pem").modulus.modulus)
        }

        @Test func publicExponentThreeIsRead() throws {
            #expect(try Fixture.key("rsa2048-e3-public.pem").exponent == 3)
        }

        static func invalid(_ reason: String) -> RSAKeyError { .invalid(reason) }

        @Test func malformedPEMIsRefusedWithTheReason() throws {
            let good = try Fixture.text("rsa2048-public.pem")
            var lines = good.split(separator: "\n").map(String.init)
            #expect(throws: Self.invalid("no PEM block (-----BEGIN ...----- ... -----END ...-----)")) { try RSAPublicKey(pem: "") }
            #expect(throws: Self.invalid("no PEM block (-----BEGIN ...----- ... -----END ...-----)")) { try RSAPublicKey(pem: "\n\n") }
            #expect(throws: Self.invalid("the first line is not -----BEGIN ...-----")) { try RSAPublicKey(pem: "hello\nworld") }
            #expect(throws: Self.invalid("the first line is not -----BEGIN ...-----")) { try RSAPublicKey(pem: "garbage\n" + good) }
            #expect(throws: Self.invalid("the last line is not -----END PUBLIC KEY-----")) {
                try RSAPublicKey(pem: good.replacingOccurrences(of: "END PUBLIC KEY", with: "END RSA PUBLIC KEY"))
            }
            #expect(throws: Self.invalid("PEM label \"CERTIFICATE\" is not PUBLIC KEY or RSA PUBLIC KEY")) {
                try RSAPublicKey(pem: good.replacingOccurrences(of: "PUBLIC KEY", with: "CERTIFICATE"))
            }
            #expect(throws: Self.invalid("PEM label \"PRIVATE KEY\" is not PUBLIC KEY or RSA PUBLIC KEY")) {
                try RSAPublicKey(pem: good.replacingOccurrences(of: "PUBLIC KEY", with: "PRIVATE KEY"))
            }
            #expect(throws: Self.invalid("the PEM body is not base64: a character that is not base64 at offset 5")) {
                try RSAPublicKey(pem: good.replacingOccurrences(of: "MIIBIjAN", with: "MIIBI!AN"))
            }
            #expect(throws: Self.invalid("encrypted or annotated PEM (header lines) is not supported")) {
                var annotated = lines
                annotated.insert("Proc-Type: 4,ENCRYPTED", at: 1)
                return try RSAPublicKey(pem: annotated.joined(separator: "\n"))
            }
            // A whole base64 line missing: valid base64, truncated DER.
            lines.remove(at: 3)
            #expect(throws: RSAKeyError.self) { try RSAPublicKey(pem: lines.joined(separator: "\n")) }
            #expect(throws: Self.invalid("PEM text longer than 16384 bytes")) {
                try RSAPublicKey(pem: good + String(repeating: "\n", count: 16_384))
            }
        }

        @Test func keysOutsideTheAcceptedRangeAreRefused() throws {
            #expect(throws: Self.invalid("a 1024-bit modulus is outside 2048...8192 bits")) { try Fixture.key("rsa1024-public.pem") }
            let key = try Fixture.key("rsa2048-public.pem")
            let odd = key.modulus.modulus
            var evenLimbs = odd.limbs
            evenLimbs[0] &= ~1
            #expect(throws: Self.invalid("the modulus is even")) {
                try RSAPublicKey(modulus: BigUInt(limbs: evenLimbs), exponent: BigUInt(limbs: [65537]))
            }
            for exponent in [BigUInt(limbs: []), BigUInt(limbs: [1]), BigUInt(limbs: [65536]), BigUInt(limbs: [3, 1])] {
                #expect(throws: Self.invalid("the public exponent must be odd, at least 3 and fit in 64 bits")) {
                    try RSAPublicKey(modulus: odd, exponent: exponent)
                }
            }
            let huge = BigUInt(limbs: [UInt64](repeating: UInt64.max, count: 129))  // 8256 bits
            #expect(throws: Self.invalid("a 8256-bit modulus is outside 2048...8192 bits")) {
                try RSAPublicKey(modulus: huge, exponent: BigUInt(limbs: [65537]))
            }
        }

        /// PKCS#1 DER of a 2048-bit key, to mutate.
        static func pkcs1DER() throws -> [UInt8] {
            let text = try Fixture.text("rsa2048-public-pkcs1.pem")
            let body = text.split(separator: "\n").dropFirst().dropLast().joined()
            return try Base64.decode(body)
        }

        @Test func malformedDERIsRefusedWithTheReason() throws {
            let der = try Self.pkcs1DER()
            #expect(throws: Self.invalid("bytes after the RSAPublicKey")) { try RSAPublicKey(pem: pem("RSA PUBLIC KEY", der + [0])) }
            #expect(throws: Self.invalid("RSAPublicKey: unsupported length encoding")) {
                try RSAPublicKey(pem: pem("RSA PUBLIC KEY", [0x30, 0x80, 0x02, 0x01, 0x03, 0x02, 0x01, 0x03, 0x00, 0x00]))
            }
            #expect(throws: Self.invalid("RSAPublicKey: length not in shortest form")) {
                try RSAPublicKey(pem: pem("RSA PUBLIC KEY", [0x30, 0x81, 0x06, 0x02, 0x01, 0x03, 0x02, 0x01, 0x03]))
            }
            #expect(throws: Self.invalid("RSAPublicKey: 65535 bytes announced, 6 present")) {
                try RSAPublicKey(pem: pem("RSA PUBLIC KEY", [0x30, 0x82, 0xFF, 0xFF, 0x02, 0x01, 0x03, 0x02, 0x01, 0x03]))
            }
            #expect(throws: Self.invalid("the modulus is negative")) {
                try RSAPublicKey(pem: pem("RSA PUBLIC KEY", [0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x03]))
            }
            #expect(throws: Self.invalid("the modulus: INTEGER not in shortest form")) {
                try RSAPublicKey(pem: pem("RSA PUBLIC KEY", [0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x03]))
            }
            #expect(throws: Self.invalid("the public exponent is missing")) {
                try RSAPublicKey(pem: pem("RSA PUBLIC KEY", [0x30, 0x03, 0x02, 0x01, 0x03]))
            }
            #expect(throws: Self.invalid("the modulus: expected tag 0x2, found 0x4")) {
                try RSAPublicKey(pem: pem("RSA PUBLIC KEY", [0x30, 0x06, 0x04, 0x01, 0x03, 0x02, 0x01, 0x03]))
            }
            // An EC key (id-ecPublicKey) in a SubjectPublicKeyInfo.
            let ecInfo: [UInt8] = [
                0x30, 0x13, 0x30, 0x09, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01,
                0x03, 0x06, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04,
            ]
            #expect(throws: Self.invalid("the key is not an RSA key (rsaEncryption)")) { try RSAPublicKey(pem: pem("PUBLIC KEY", ecInfo)) }
        }

        /// Every prefix and many single-byte corruptions of a real key: an error or a key, never a crash.
        @Test func truncatedOrCorruptedDERNeverCrashes() throws {
            let text = try Fixture.text("rsa2048-public.pem")
            let info = try Base64.decode(text.split(separator: "\n").dropFirst().dropLast().joined())
            for length in 0..<info.count {
                #expect(throws: RSAKeyError.self) { try RSAPublicKey(pem: pem("PUBLIC KEY", Array(info.prefix(length)))) }
            }
            var accepted = 0
            // Every byte of the structure (the first 33 and the last 5), a sample of the modulus.
            let positions = Array(0..<40) + Array(stride(from: 40, to: info.count - 5, by: 16)) + Array((info.count - 5)..<info.count)
            for position in positions {
                for flip: UInt8 in [0x01, 0x80, 0xFF] {
                    var corrupted = info
                    corrupted[position] ^= flip
                    if (try? RSAPublicKey(pem: pem("PUBLIC KEY", corrupted))) != nil { accepted += 1 }
                }
            }
            // Flips inside the modulus still give a (different) well-formed key; flips in the structure do not.
            #expect(accepted > 0 && accepted < positions.count * 3)
        }
    }
}

// MARK: - Verification

extension SignatureTests {
    @Suite struct Verification {
        let sipgateKey: RSAPublicKey
        let signedBody: [UInt8]
        let signature: String

        init() throws {
            sipgateKey = try RSAPublicKey(pem: SignatureCheck.sipgatePushKeyPEM)
            signedBody = try Fixture.bytes("signed-body.txt")
            signature = try Fixture.text("signature.b64")
        }

        @Test func fixturesAreTheExactBytesSipgateSigned() throws {
            // No trailing newline in either file: the signature covers exactly these 175 bytes.
            #expect(signedBody.count == 175 && signedBody.last != UInt8(ascii: "\n"))
            #expect(signature.utf8.count == 684 && !signature.hasSuffix("\n"))
        }

        @Test func realSipgatePushVerifies() {
            #expect(SignatureCheck.verify(body: signedBody, signatureBase64: signature, key: sipgateKey))
            // Any collection of the same bytes.
            #expect(
                SignatureCheck.verify(body: String(decoding: signedBody, as: UTF8.self).utf8, signatureBase64: signature, key: sipgateKey))
            #expect(
                SignatureCheck.verify(body: ([0xAA] + signedBody + [0xBB])[1...175], signatureBase64: Substring(signature), key: sipgateKey)
            )
            // A header value read up to its line end.
            #expect(SignatureCheck.verify(body: signedBody, signatureBase64: signature + "\r\n", key: sipgateKey))
        }

        @Test func tamperedOrReframedBodiesFail() throws {
            let tampered = try Fixture.bytes("tampered-body.txt")
            #expect(tampered.count == signedBody.count && tampered != signedBody)
            #expect(!SignatureCheck.verify(body: tampered, signatureBase64: signature, key: sipgateKey))
            #expect(!SignatureCheck.verify(body: signedBody + [UInt8(ascii: "\n")], signatureBase64: signature, key: sipgateKey))
            #expect(!SignatureCheck.verify(body: signedBody.dropLast(), signatureBase64: signature, key: sipgateKey))
            #expect(!SignatureCheck.verify(body: [UInt8](), signatureBase64: signature, key: sipgateKey))
        }

        @Test(arguments: [
            ("rsa2048-public.pem", "rsa2048-body.txt", "rsa2048-signature.b64"),
            ("rsa2048-public-pkcs1.pem", "rsa2048-body.txt", "rsa2048-signature.b64"),
            ("rsa4096-public.pem", "rsa4096-body.txt", "rsa4096-signature.b64"),
            ("rsa4096-public-pkcs1.pem", "rsa4096-body.txt", "rsa4096-signature.b64"),
            ("rsa2048-public.pem", "empty-body.txt", "rsa2048-empty-body-signature.b64"),
            ("rsa2048-e3-public.pem", "rsa2048-body.txt", "rsa2048-e3-signature.b64"),
        ])
        func opensslSignaturesVerify(keyFile: String, bodyFile: String, signatureFile: String) throws {
            let key = try Fixture.key(keyFile)
            let body = try Fixture.bytes(bodyFile)
            let signature = try Fixture.text(signatureFile)
            #expect(SignatureCheck.verify(body: body, signatureBase64: signature, key: key))
            #expect(!SignatureCheck.verify(body: body + [0], signatureBase64: signature, key: key))
        }

        @Test func theBodyIsSignedWithItsTrailingNewline() throws {
            let key = try Fixture.key("rsa4096-public.pem")
            let body = try Fixture.bytes("rsa4096-body.txt")
            #expect(body.last == UInt8(ascii: "\n"))
            #expect(!SignatureCheck.verify(body: body.dropLast(), signatureBase64: try Fixture.text("rsa4096-signature.b64"), key: key))
        }

        @Test func theWrongKeyFails() throws {
            let body2048 = try Fixture.bytes("rsa2048-body.txt")
            let signature2048 = try Fixture.text("rsa2048-signature.b64")
            // Same length, other key.
            #expect(!SignatureCheck.verify(body: body2048, signatureBase64: signature2048, key: try Fixture.key("rsa2048-e3-public.pem")))
            #expect(!SignatureCheck.verify(body: signedBody, signatureBase64: signature, key: try Fixture.key("rsa4096-public.pem")))
            // Other length.
            #expect(!SignatureCheck.verify(body: body2048, signatureBase64: signature2048, key: try Fixture.key("rsa4096-public.pem")))
            #expect(!SignatureCheck.verify(body: body2048, signatureBase64: signature2048, key: sipgateKey))
        }

        @Test(arguments: [
            "",
            "\n",
            "AAAA",
            String(repeating: "A", count: 680),  // valid base64, 510 bytes: wrong length
            String(repeating: "A", count: 688),  // valid base64, 516 bytes: wrong length
            String(repeating: "A", count: 1_000_000),  // bounded: refused before decoding
            "not base64 at all, just a sentence!",
        ])
        func malformedSignaturesAreRefused(text: String) {
            #expect(!SignatureCheck.verify(body: signedBody, signatureBase64: text, key: sipgateKey))
        }

        @Test func corruptedEncodingsOfTheRealSignatureAreRefused() {
            let characters = Array(signature)
            var variants: [String] = [
                String(characters.dropLast(4)),  // 3 bytes short
                signature + "AAAA",  // 3 bytes long
                String(characters[..<100]) + " " + String(characters[100...]),
                String(characters[..<100]) + "\n" + String(characters[100...]),
                " " + signature,
                signature + "\n\n",
                String(characters.dropLast()) + "A",  // '=' replaced: changes the value
            ]
            variants.append(String(characters[..<10]) + "!" + String(characters[11...]))
            variants.append(signature.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"))
            for variant in variants {
                #expect(!SignatureCheck.verify(body: signedBody, signatureBase64: variant, key: sipgateKey), "\(variant.prefix(20))")
            }
        }

        @Test func signatureValuesOutsideTheModulusRangeAreRefused() throws {
            let length = sipgateKey.byteCount
            let modulus = try #require(sipgateKey.modulus.modulus.bigEndianBytes(count: length))
            var modulusPlusOne = modulus
            modulusPlusOne[length - 1] &+= 1  // n is odd, so no carry
            var modulusMinusOne = modulus
            modulusMinusOne[length - 1] &-= 1
            let cases: [(String, [UInt8])] = [
                ("n", modulus),
                ("n + 1", modulusPlusOne),
                ("all 0xFF", [UInt8](repeating: 0xFF, count: length)),
                ("n - 1", modulusMinusOne),  // in range, not a signature
                ("zero", [UInt8](repeating: 0, count: length)),
                ("one", [UInt8](repeating: 0, count: length - 1) + [1]),
            ]
            for (name, bytes) in cases {
                #expect(!SignatureCheck.verify(body: signedBody, signature: bytes, key: sipgateKey), "\(name)")
                #expect(!SignatureCheck.verify(body: signedBody, signatureBase64: Base64.encode(bytes), key: sipgateKey), "\(name)")
            }
        }

        @Test func everySingleBitFlipOfTheSignatureFails() throws {
            let bytes = try Base64.decode(signature)
            #expect(SignatureCheck.verify(body: signedBody, signature: bytes, key: sipgateKey))
            for position in stride(from: 0, to: bytes.count, by: 37) {
                var flipped = bytes
                flipped[position] ^= 0x10
                #expect(!SignatureCheck.verify(body: signedBody, signature: flipped, key: sipgateKey), "byte \(position)")
            }
        }

        @Test func encodedMessageFollowsEMSAPKCS1v15() throws {
            let digest = SHA256.hash(Array("abc".utf8))
            let encoded = try #require(SignatureCheck.encodedMessage(digest: digest, length: 256))
            #expect(encoded.count == 256)
            #expect(Array(encoded[0..<2]) == [0x00, 0x01])
            #expect(encoded[2..<(256 - 52)].allSatisfy { $0 == 0xFF })
            #expect(encoded[256 - 52] == 0x00)
            #expect(
                hex(Array(encoded[(256 - 51)...]))
                    == "3031300d060960864801650304020105000420" + "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            #expect(SignatureCheck.encodedMessage(digest: digest, length: 62) != nil)  // 8 bytes of padding
            #expect(SignatureCheck.encodedMessage(digest: digest, length: 61) == nil)
        }

        @Test func constantTimeComparison() {
            #expect(SignatureCheck.constantTimeEqual([1, 2, 3], [1, 2, 3]))
            #expect(!SignatureCheck.constantTimeEqual([1, 2, 3], [1, 2, 4]))
            #expect(!SignatureCheck.constantTimeEqual([0, 2, 3], [1, 2, 3]))
            #expect(!SignatureCheck.constantTimeEqual([1, 2, 3], [1, 2]))
            #expect(SignatureCheck.constantTimeEqual([], []))
        }

        /// Speed, printed only when asked for:
        /// `TOUCHTONE_SIGNATURE_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter SignatureTests`.
        @Test func measureVerificationSpeedWhenAsked() throws {
            guard ProcessInfo.processInfo.environment["TOUCHTONE_SIGNATURE_BENCH"] != nil else { return }
            let key2048 = try Fixture.key("rsa2048-public.pem")
            let body2048 = try Fixture.bytes("rsa2048-body.txt")
            let signature2048 = try Fixture.text("rsa2048-signature.b64")
            let rounds = 2000
            let clock = ContinuousClock()
            var verified = 0
            let elapsed4096 = clock.measure {
                for _ in 0..<rounds where SignatureCheck.verify(body: signedBody, signatureBase64: signature, key: sipgateKey) {
                    verified += 1
                }
            }
            let elapsed2048 = clock.measure {
                for _ in 0..<rounds where SignatureCheck.verify(body: body2048, signatureBase64: signature2048, key: key2048) {
                    verified += 1
                }
            }
            let key4096 = try Fixture.key("rsa4096-public.pem")
            let body4096 = try Fixture.bytes("rsa4096-body.txt")
            let signature4096 = try Fixture.text("rsa4096-signature.b64")
            let own4096 = clock.measure {
                for _ in 0..<rounds where SignatureCheck.verify(body: body4096, signatureBase64: signature4096, key: key4096) {
                    verified += 1
                }
            }
            let parse = clock.measure { for _ in 0..<100 { _ = try? RSAPublicKey(pem: SignatureCheck.sipgatePushKeyPEM) } }
            #expect(verified == 3 * rounds)
            func milliseconds(_ duration: Duration, _ count: Int) -> Double {
                let (seconds, attoseconds) = duration.components
                return (Double(seconds) * 1e3 + Double(attoseconds) / 1e15) / Double(count)
            }
            print(
                "signature verify, ms each: 4096-bit sipgate \(milliseconds(elapsed4096, rounds)), 4096-bit own \(milliseconds(own4096, rounds)), "
                    + "2048-bit \(milliseconds(elapsed2048, rounds)); parsing the 4096-bit key \(milliseconds(parse, 100))")
        }
    }
}
