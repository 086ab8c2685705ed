import Touchtone

/// An RSA public key for checking signatures, read from PEM.
///
/// ```swift
/// let key = try RSAPublicKey(pem: SignatureCheck.sipgatePushKeyPEM)
/// let genuine = SignatureCheck.verify(body: bodyBytes, signatureBase64: header, key: key)
/// ```
public struct RSAPublicKey: Sendable {
    /// The smallest modulus accepted; shorter RSA keys are breakable.
    public static let minimumBitCount = 2048
    /// The largest modulus accepted, which bounds the work one verification can cost.
    public static let maximumBitCount = 8192

    let modulus: MontgomeryModulus
    let exponent: UInt64
    /// The modulus length in bytes, which is also the signature length.
    let byteCount: Int

    /// The size of the modulus in bits (2048 or 4096 for usual keys).
    public var bitCount: Int { modulus.modulus.bitWidth }

    /// Reads a key from `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo, as `openssl rsa -pubout`
    /// writes) or `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1) text.
    ///
    /// Throws ``RSAKeyError`` for malformed PEM or DER, a modulus outside
    /// 2048...8192 bits or even, or a public exponent that is even, below 3 or above 64 bits.
    public init(pem: String) throws {
        let (modulus, exponent) = try PEM.rsaPublicKey(pem)
        try self.init(modulus: modulus, exponent: exponent)
    }

    init(modulus: BigUInt, exponent: BigUInt) throws(RSAKeyError) {
        let bits = modulus.bitWidth
        guard bits >= RSAPublicKey.minimumBitCount, bits <= RSAPublicKey.maximumBitCount else {
            throw .invalid("a \(bits)-bit modulus is outside \(RSAPublicKey.minimumBitCount)...\(RSAPublicKey.maximumBitCount) bits")
        }
        guard let prepared = MontgomeryModulus(modulus) else { throw .invalid("the modulus is even") }
        guard let small = exponent.uint64, small >= 3, small & 1 == 1 else {
            throw .invalid("the public exponent must be odd, at least 3 and fit in 64 bits")
        }
        self.modulus = prepared
        self.exponent = small
        self.byteCount = (bits + 7) / 8
    }
}

/// Checks `X-Sipgate-Signature`: RSA PKCS#1 v1.5 with SHA-256 over the raw request body.
public enum SignatureCheck {
    /// True when `signatureBase64` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of exactly
    /// the bytes of `body` under `key`.
    ///
    /// Hostile input is simply refused: text that is not strict base64, a signature whose
    /// length is not the modulus length, a signature not below the modulus. Nothing here
    /// traps, and the work is bounded by the key size.
    public static func verify(body: some Collection<UInt8>, signatureBase64: some StringProtocol, key: RSAPublicKey) -> Bool {
        // The largest encoding of a key-sized signature, plus a tolerated "\r\n".
        let maxEncoded = (key.byteCount + 2) / 3 * 4 + 2
        guard let signature = try? Base64.decode(signatureBase64, maxEncodedLength: maxEncoded) else { return false }
        return verify(body: body, signature: signature, key: key)
    }

    /// The check of ``verify(body:signatureBase64:key:)`` on an already decoded signature.
    public static func verify(body: some Collection<UInt8>, signature: [UInt8], key: RSAPublicKey) -> Bool {
        // RFC 8017 8.2.2 step 1: the signature has exactly the modulus length.
        guard signature.count == key.byteCount else { return false }
        // RSAVP1: s < n, then m = s^e mod n (power refuses s >= n).
        guard let message = key.modulus.power(BigUInt(bigEndianBytes: signature), exponent: key.exponent),
            let encoded = message.bigEndianBytes(count: key.byteCount)
        else { return false }
        guard let expected = encodedMessage(digest: SHA256.hash(body), length: key.byteCount) else { return false }
        return constantTimeEqual(encoded, expected)
    }

    /// EMSA-PKCS1-v1_5 for SHA-256: `00 01 FF..FF 00 || DigestInfo || H`, `length` bytes.
    static func encodedMessage(digest: [UInt8], length: Int) -> [UInt8]? {
        let digestInfo = sha256DigestInfoPrefix + digest
        // At least 8 bytes of 0xFF padding (RFC 8017 9.2 step 5).
        guard length >= digestInfo.count + 11 else { return nil }
        var encoded: [UInt8] = [0x00, 0x01]
        encoded.reserveCapacity(length)
        encoded += repeatElement(0xFF, count: length - digestInfo.count - 3)
        encoded.append(0x00)
        encoded += digestInfo
        return encoded
    }

    /// DER of `DigestInfo { AlgorithmIdentifier { id-sha256, NULL }, OCTET STRING (32) }` before the hash.
    static let sha256DigestInfoPrefix: [UInt8] = [
        0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
    ]

    /// Compares every byte whatever the first difference, so the time reveals nothing about
    /// where a forged signature goes wrong.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// sipgate's public key for push signatures (4096 bit, exponent 65537), as published
    /// with the sipgate.io documentation.
    public static let sipgatePushKeyPEM = """
        -----BEGIN PUBLIC KEY-----
        MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAvFdlnqRfO5TmqzjtsFVC
        qPz+oW+poi3lXQFvMJJMEAtlU4MbX+yuIkgnC+Qt3AQWIK+oWSEQiybg+p39wEMl
        16PZxEzf9gONQvTg1XhyHnwqYUFQj/AoxPKGYC3jmdjZ224SrESiTN3CdxoOc3vk
        cXiQstYE7SxnksPtzfk0aIOkicim5/tAP9izNQ18/zmX3ChjK2k72gf5dDlq+qZ8
        pRiHAPZ64TySH6cLQDhaoh6Nbq8FEG3usXXPClbUMh2DZaTMPafpd+LNuTngJ/y+
        KoZasVuFfXAeBqGA6l5d4Uedfr99Z6qjwDrJ8sU4z2Do9bJrbuqP+mOXEebhSI1K
        vi8trEfrIt8hnDBGsBaB9NEO3kYxvDT2/PhC9fNYFocjEpZNd7/mUqTJDYlpa4UC
        NDQaU+ATdXG8/P5sGAegks6MQTu+qe9XTO0CV48eswDkz6g3UbLOwmrJK59SjD3J
        yAZ52sluwyDKRWw/PPTt8BTQLjvkdbiLUlc4ehJ4b1X7D7diYWHDPeFL47cAvaXh
        dXVrZDeBJYibvD1jRx4ES0KlfhwzNXBYUoM/Movg9zMM2PzyHHKS//xIjwUC/FJ6
        /6eykno0Hy2B1ev6s3hdY6VkN2zd7Wf+EK4DxRliwsg1U99szFE3ewLfexF+Uag5
        M+TfPtOUumI/NHMTvsRW9+ECAwEAAQ==
        -----END PUBLIC KEY-----

        """
}
