/// Encoding (the decoder lives in Security/Base64.swift), for Basic credentials.
extension Base64 {
    private static let encodingAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var out = [UInt8]()
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < input.count {
            let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
            out.append(encodingAlphabet[Int(n >> 18 & 63)])
            out.append(encodingAlphabet[Int(n >> 12 & 63)])
            out.append(encodingAlphabet[Int(n >> 6 & 63)])
            out.append(encodingAlphabet[Int(n & 63)])
            i += 3
        }
        let rest = input.count - i
        if rest == 1 {
            let n = UInt32(input[i]) << 16
            out.append(encodingAlphabet[Int(n >> 18 & 63)])
            out.append(encodingAlphabet[Int(n >> 12 & 63)])
            out.append(contentsOf: "==".utf8)
        } else if rest == 2 {
            let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8
            out.append(encodingAlphabet[Int(n >> 18 & 63)])
            out.append(encodingAlphabet[Int(n >> 12 & 63)])
            out.append(encodingAlphabet[Int(n >> 6 & 63)])
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Compares two byte strings in time that depends only on their lengths, not on where they differ.
func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
    let x = Array(a)
    let y = Array(b)
    var difference = UInt8(x.count == y.count ? 0 : 1)
    if y.isEmpty { return x.isEmpty }
    for i in 0..<x.count {
        difference |= x[i] ^ y[i % y.count]
    }
    return difference == 0
}
