/// Standard base64 (RFC 4648 section 4, with padding): the encoding of Basic credentials,
/// and the strict decoding of sipgate's signatures.
///
/// Strict means: only `A-Z a-z 0-9 + /`, a length that is a multiple of 4, `=` only as the
/// last one or two characters, and unused bits of the last character zero, so every byte
/// string has exactly one accepted encoding. A single trailing `\n` or `\r\n` is tolerated
/// (a header or file that ends a line); no other white space is.
package enum Base64 {
    /// Why some text is not strict base64.
    package enum DecodingError: Error, Sendable, Hashable, CustomStringConvertible {
        /// More characters than the caller allowed; nothing was decoded.
        case tooLong(limit: Int)
        /// A length (without the tolerated line end) that is not a multiple of 4.
        case badLength(Int)
        /// A character outside `A-Z a-z 0-9 + /`, or `=` before the end, at this byte offset.
        case badCharacter(offset: Int)
        /// Padding whose unused bits are not zero: not the canonical encoding.
        case badPadding

        /// The reason in words, for logs.
        package var description: String {
            switch self {
            case .tooLong(let limit): "base64 text longer than \(limit) characters"
            case .badLength(let length): "base64 length \(length) is not a multiple of 4"
            case .badCharacter(let offset): "a character that is not base64 at offset \(offset)"
            case .badPadding: "base64 padding or trailing bits are malformed"
            }
        }
    }

    private static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    /// `bytes` encoded, with padding.
    package static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var out = [UInt8]()
        out.reserveCapacity((input.count + 2) / 3 * 4)
        alphabet.withUTF8Buffer { digits in
            var i = 0
            while i < input.count {
                let rest = min(input.count - i, 3)
                var group = UInt32(input[i]) << 16
                if rest > 1 { group |= UInt32(input[i + 1]) << 8 }
                if rest > 2 { group |= UInt32(input[i + 2]) }
                for sextet in 0..<4 {
                    out.append(sextet <= rest ? digits[Int(group >> (18 - 6 * UInt32(sextet)) & 63)] : UInt8(ascii: "="))
                }
                i += 3
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The decoded bytes of `text`; at most `maxEncodedLength` characters are read, so hostile
    /// input costs no more than that.
    package static func decode(_ text: some StringProtocol, maxEncodedLength: Int = 16_384) throws(DecodingError) -> [UInt8] {
        var input = Substring(text).utf8[...]
        if input.last == UInt8(ascii: "\n") {
            input = input.dropLast()
            if input.last == UInt8(ascii: "\r") { input = input.dropLast() }
        }
        // Count without walking a huge input: `count` on a UTF-8 view is O(1) for native strings.
        let length = input.count
        guard length <= maxEncodedLength else { throw .tooLong(limit: maxEncodedLength) }
        guard length % 4 == 0 else { throw .badLength(length) }
        if length == 0 { return [] }

        var padding = 0
        if input.last == UInt8(ascii: "=") {
            padding = 1
            if input.dropLast().last == UInt8(ascii: "=") { padding = 2 }
        }
        var output = [UInt8]()
        output.reserveCapacity(length / 4 * 3)
        var accumulator: UInt32 = 0
        var offset = 0
        for byte in input {
            let value: UInt32
            if offset >= length - padding {
                value = 0  // a checked '=' at the end
            } else {
                guard let decoded = sextet(byte) else { throw .badCharacter(offset: offset) }
                value = decoded
            }
            accumulator = accumulator << 6 | value
            offset += 1
            if offset % 4 == 0 {
                output.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                output.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                output.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator = 0
            }
        }
        if padding > 0 {
            // The bits a padded group does not use must be zero (canonical encoding).
            let lastGroup = output.suffix(3)
            let unused = padding == 2 ? Array(lastGroup.suffix(2)) : [lastGroup.last ?? 0]
            guard unused.allSatisfy({ $0 == 0 }) else { throw .badPadding }
            output.removeLast(padding)
        }
        return output
    }

    @inline(__always)
    private static func sextet(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(byte - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(byte - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
