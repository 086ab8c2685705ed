// libFuzzer target: push signature checking (Sources/TouchtoneServer/Security/ and Touchtone/Bytes/: Base64,
// PEM/DER, BigUInt and Montgomery arithmetic, RSA PKCS#1 v1.5 verification). Built as one
// module with the Security and Bytes folders by .ci/fuzz; run
// `.ci/fuzz signature`.
//
// The first byte picks what the rest of the input is (mode = byte % 6):
//   0  base64 text: decoding never crashes; what decodes re-encodes to the same text (strict)
//   1  body, 0x00, base64 signature, checked with sipgate's key: only sipgate's own signed
//      push may verify (anything else would be a forgery)
//   2  a raw signature (cut or padded to the key length) over an empty body: never verifies
//   3  PEM text: a key that is read is within the size rules and can check a signature
//   4  modulus length, modulus, base, exponent: Montgomery power equals a plain reference
//   5  DER bytes: read as SubjectPublicKeyInfo and as RSAPublicKey; wrapped in PEM armour
//      they read exactly when the DER reads (and the key passes the size rules)

let sipgateKey: RSAPublicKey = {
    do { return try RSAPublicKey(pem: SignatureCheck.sipgatePushKeyPEM) } catch { fatalError("sipgate's key: \(error)") }
}()

/// The one body sipgate's published example signature is for (signature/signed-body.txt).
let signedBody = Array(
    "callId=&direction=in&event=newCall&from=4912354678&fullUserId%5B%5D%5B0%5D=123456789&originalCallId=&to=49999999&user%5B%5D%5B0%5D=TestUser&userId%5B%5D%5B0%5D=123456789&xcid="
        .utf8)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let mode = data[0] % 6
    let rest = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch mode {
    case 0: base64(rest)
    case 1: verifyWithSipgateKey(rest)
    case 2: rawSignature(rest)
    case 3: pem(rest)
    case 4: montgomery(rest)
    default: der(rest)
    }
    return 0
}

func base64(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    guard let decoded = try? Base64.decode(text) else { return }
    // Bytes, not Characters: "\r\n" is one Character.
    var canonical = Array(text.utf8)
    if canonical.last == 0x0A { canonical.removeLast() }
    if canonical.last == 0x0D { canonical.removeLast() }
    let again = Base64.encode(decoded)
    if Array(again.utf8) != canonical { fatalError("\(text.debugDescription) decodes but re-encodes as \(again.debugDescription)") }
    // A limit is a limit.
    let limit = bytes.count / 2
    if let short = try? Base64.decode(text, maxEncodedLength: limit), short.count > limit / 4 * 3 {
        fatalError("decoded \(short.count) bytes from at most \(limit) characters")
    }
}

func verifyWithSipgateKey(_ bytes: [UInt8]) {
    let separator = bytes.firstIndex(of: 0) ?? bytes.count
    let body = bytes[..<separator]
    let signature = String(decoding: bytes[min(separator + 1, bytes.count)...], as: UTF8.self)
    if SignatureCheck.verify(body: body, signatureBase64: signature, key: sipgateKey), !body.elementsEqual(signedBody) {
        fatalError("a forged signature verified")
    }
}

func rawSignature(_ bytes: [UInt8]) {
    var signature = Array(bytes.prefix(sipgateKey.byteCount))
    // Short inputs are padded at the front, so the fuzzer reaches values near the modulus too.
    if signature.count < sipgateKey.byteCount, let first = signature.first {
        signature = [UInt8](repeating: first, count: sipgateKey.byteCount - signature.count) + signature
    }
    if SignatureCheck.verify(body: [], signature: signature, key: sipgateKey) { fatalError("a raw forged signature verified") }
    if SignatureCheck.verify(body: [], signature: bytes, key: sipgateKey) { fatalError("an unpadded forged signature verified") }
}

func pem(_ bytes: [UInt8]) {
    guard let key = try? RSAPublicKey(pem: String(decoding: bytes, as: UTF8.self)) else { return }
    if key.bitCount < RSAPublicKey.minimumBitCount || key.bitCount > RSAPublicKey.maximumBitCount || key.exponent < 3
        || key.exponent & 1 == 0
    {
        fatalError("key of \(key.bitCount) bits, exponent \(key.exponent) accepted")
    }
    _ = SignatureCheck.verify(body: bytes, signature: [UInt8](repeating: 0x5A, count: key.byteCount), key: key)
}

func der(_ bytes: [UInt8]) {
    let armoured = Base64.encode(bytes)
    for (label, read) in [
        ("PUBLIC KEY", { (reader: inout DERReader) throws(RSAKeyError) in try reader.subjectPublicKeyInfo() }),
        ("RSA PUBLIC KEY", { (reader: inout DERReader) throws(RSAKeyError) in try reader.rsaPublicKey() }),
    ] {
        var reader = DERReader(bytes)
        let numbers = try? read(&reader)
        let key = numbers.flatMap { reader.isAtEnd ? try? RSAPublicKey(modulus: $0.modulus, exponent: $0.exponent) : nil }
        let pem = "-----BEGIN \(label)-----\n\(armoured)\n-----END \(label)-----\n"
        let fromPEM = armoured.utf8.count <= PEM.maxLength - 64 ? try? RSAPublicKey(pem: pem) : key
        if (key == nil) != (fromPEM == nil)
            || key.map({ ($0.bitCount, $0.exponent) }) ?? (0, 0) != fromPEM.map({ ($0.bitCount, $0.exponent) }) ?? (0, 0)
        {
            fatalError(
                "\(label): DER read \(key.map { "\($0.bitCount) bits" } ?? "nothing"), PEM read \(fromPEM.map { "\($0.bitCount) bits" } ?? "nothing")"
            )
        }
        if let key { _ = SignatureCheck.verify(body: bytes, signature: [UInt8](repeating: 0xA5, count: key.byteCount), key: key) }
    }
}

// MARK: - Montgomery against a plain reference

func montgomery(_ bytes: [UInt8]) {
    guard bytes.count >= 4 else { return }
    let modulusLength = 1 + Int(bytes[0] % 40)
    guard bytes.count >= 1 + modulusLength + 2 else { return }
    let modulusBytes = bytes[1..<(1 + modulusLength)]
    let baseBytes = bytes[(1 + modulusLength)..<(bytes.count - 2)]
    let exponent = UInt64(bytes[bytes.count - 2]) << 8 | UInt64(bytes[bytes.count - 1])
    for sample in [Array(modulusBytes), Array(baseBytes)] {
        let back = BigUInt(bigEndianBytes: sample).bigEndianBytes(count: sample.count)
        if back != sample { fatalError("big-endian bytes do not round-trip: \(sample) -> \(String(describing: back))") }
    }
    let modulus = BigUInt(bigEndianBytes: modulusBytes)
    guard let prepared = MontgomeryModulus(modulus) else {
        if modulus.isOdd && modulus.bitWidth > 1 { fatalError("odd modulus \(modulus.limbs) refused") }
        return
    }
    let base = BigUInt(bigEndianBytes: baseBytes)
    let result = prepared.power(base, exponent: exponent)
    guard base < modulus, exponent >= 1 else {
        if result != nil { fatalError("power accepted base >= modulus or exponent 0") }
        return
    }
    guard let result else { fatalError("power refused a valid base") }
    let expected = Reference.power(base.limbs, exponent, modulus.limbs)
    if result.limbs != expected {
        fatalError("\(base.limbs)^\(exponent) mod \(modulus.limbs): Montgomery \(result.limbs), reference \(expected)")
    }
}

/// Modular arithmetic by shifting and subtracting: slow, obviously right.
enum Reference {
    /// `base^exponent mod n` for `base < n`, n odd > 1; limbs little-endian, trimmed.
    static func power(_ base: [UInt64], _ exponent: UInt64, _ n: [UInt64]) -> [UInt64] {
        let width = n.count + 1
        let n = padded(n, width)
        let base = padded(base, width)
        var result = padded([1], width)
        for bit in (0..<(64 - exponent.leadingZeroBitCount)).reversed() {
            result = multiply(result, result, n)
            if exponent >> UInt64(bit) & 1 == 1 { result = multiply(result, base, n) }
        }
        while result.last == 0 { result.removeLast() }
        return result
    }

    static func padded(_ x: [UInt64], _ width: Int) -> [UInt64] { x + [UInt64](repeating: 0, count: width - x.count) }

    /// `a * b mod n` by double and add over the bits of `b`; a, b < n.
    static func multiply(_ a: [UInt64], _ b: [UInt64], _ n: [UInt64]) -> [UInt64] {
        var r = [UInt64](repeating: 0, count: n.count)
        for limb in b.indices.reversed() {
            for bit in (0..<64).reversed() {
                // r = 2r mod n
                var carry: UInt64 = 0
                for i in r.indices {
                    let next = r[i] >> 63
                    r[i] = r[i] << 1 | carry
                    carry = next
                }
                if !isLess(r, n) { subtract(n, from: &r) }
                if b[limb] >> UInt64(bit) & 1 == 1 {
                    var c = false
                    for i in r.indices {
                        let (s1, o1) = r[i].addingReportingOverflow(a[i])
                        let (s2, o2) = s1.addingReportingOverflow(c ? 1 : 0)
                        r[i] = s2
                        c = o1 || o2
                    }
                    if !isLess(r, n) { subtract(n, from: &r) }
                }
            }
        }
        return r
    }

    static func isLess(_ a: [UInt64], _ b: [UInt64]) -> Bool {
        for i in a.indices.reversed() where a[i] != b[i] { return a[i] < b[i] }
        return false
    }

    static func subtract(_ b: [UInt64], from a: inout [UInt64]) {
        var borrow = false
        for i in a.indices {
            let (d1, o1) = a[i].subtractingReportingOverflow(b[i])
            let (d2, o2) = d1.subtractingReportingOverflow(borrow ? 1 : 0)
            a[i] = d2
            borrow = o1 || o2
        }
    }
}
