// application/x-www-form-urlencoded, read straight from the body bytes.
//
// The push path never builds a dictionary: `FormScanner` hands out each pair as byte
// offsets, the caller matches the keys it knows by their bytes and unescapes only the
// values it keeps, into a temporary buffer on the stack.

/// One `key=value` pair of a form body, as offsets into the body.
///
/// A pair without `=` has an empty value (at the end of its key).
struct FormPair: Sendable, Hashable {
    var key: Range<Int>
    var value: Range<Int>
    /// The key holds `%` or `+` and must be unescaped before it is compared.
    var keyIsEscaped: Bool
    /// The value holds `%` or `+`; when false its bytes are already the value.
    var valueIsEscaped: Bool
    /// Every byte of the pair is ASCII, so an unescaped value is valid UTF-8 as it stands.
    var isASCII = true
}

/// Walks the pairs of a form body in order, in one pass, without allocating.
///
/// Empty pairs (`a=1&&b=2`, a leading or trailing `&`) are skipped and not counted;
/// every other pair counts towards `maxFields`, known to the caller or not.
///
/// The body is read eight bytes at a time: one word test finds the bytes that may matter
/// (`&`, `=`, `%`, `+`, non-ASCII), and only those are looked at one by one.
struct FormScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxFields: Int
    /// Where the next pair starts.
    private(set) var position = 0
    private(set) var fieldCount = 0
    /// The offset of the eight bytes whose candidates are in `pending`.
    private var block = -8
    /// The candidates of `block` not looked at yet: the high bit of each such byte.
    private var pending: UInt64 = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>, maxFields: Int) {
        self.bytes = bytes
        self.maxFields = maxFields
    }

    /// The next non-empty pair, or nil at the end of the body.
    @inline(__always)
    mutating func next() throws(PushDecodingError) -> FormPair? {
        guard let base = bytes.baseAddress else { return nil }
        let end = bytes.count
        var start = position
        var equals = -1
        var keyIsEscaped = false
        var valueIsEscaped = false
        var isASCII = true
        var index: Int
        while true {
            while pending == 0 {
                let next = block &+ 8
                if next &+ 8 <= end {
                    block = next
                    pending = FormByte.candidates(FormByte.word(UnsafeRawPointer(base), at: next))
                    continue
                }
                guard next < end else {
                    // The body ends the last pair.
                    guard start < end else { return nil }
                    index = end
                    position = end
                    return try pair(start: start, end: index, equals: equals, keyIsEscaped, valueIsEscaped, isASCII)
                }
                block = next
                pending = FormByte.tailCandidates(base, at: next, end: end)
            }
            index = block &+ (pending.trailingZeroBitCount &>> 3)
            pending &= pending &- 1
            let byte = base[index]
            if byte == ASCII.ampersand {
                // An empty pair: nothing was seen since `start`, so nothing to reset.
                if index == start {
                    start = index &+ 1
                    continue
                }
                position = index &+ 1
                return try pair(start: start, end: index, equals: equals, keyIsEscaped, valueIsEscaped, isASCII)
            }
            if byte >= 0x80 {
                isASCII = false
            } else if byte == ASCII.equals {
                if equals < 0 { equals = index }
            } else if byte == ASCII.percent || byte == ASCII.plus {
                if equals < 0 { keyIsEscaped = true } else { valueIsEscaped = true }
            }
        }
    }

    @inline(__always)
    private mutating func pair(
        start: Int, end: Int, equals: Int, _ keyIsEscaped: Bool, _ valueIsEscaped: Bool, _ isASCII: Bool
    ) throws(PushDecodingError) -> FormPair {
        fieldCount += 1
        guard fieldCount <= maxFields else {
            throw PushDecodingError(field: "body", reason: "more than \(maxFields) fields")
        }
        return FormPair(
            key: start..<(equals < 0 ? end : equals), value: (equals < 0 ? end : equals &+ 1)..<end,
            keyIsEscaped: keyIsEscaped, valueIsEscaped: valueIsEscaped, isASCII: isASCII)
    }
}

enum FormByte {
    /// The candidates among the last bytes of the body, from `offset` (under eight
    /// before `end`), placed as if a whole word had been read at `offset`.
    @inline(never)
    static func tailCandidates(_ base: UnsafePointer<UInt8>, at offset: Int, end: Int) -> UInt64 {
        let remaining = end &- offset
        if end >= 8 {
            // The body's last eight bytes, shifted so that those before `offset` drop out.
            return candidates(word(UnsafeRawPointer(base), at: end &- 8)) &>> UInt64((8 &- remaining) &* 8)
        }
        // A body under eight bytes: gathered one byte at a time, the rest left zero,
        // which is no candidate.
        var word: UInt64 = 0
        for index in 0..<remaining {
            word |= UInt64(base[offset &+ index]) &<< UInt64(index &* 8)
        }
        return candidates(word) & ~(~0 &<< UInt64(remaining &* 8))
    }

    /// Eight bytes from `offset`, the first in the lowest bits whatever the platform.
    @inline(__always)
    static func word(_ raw: UnsafeRawPointer, at offset: Int) -> UInt64 {
        UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// The high bit of each byte of `word` that is 0x20-0x2F (`%&+` among them), `=` or
    /// 0x80 and above: every such byte is flagged; a byte after a flagged one may be
    /// flagged without being one (the borrow of the subtraction).
    @inline(__always)
    static func candidates(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let punctuation = (word & 0xF0F0_F0F0_F0F0_F0F0) ^ 0x2020_2020_2020_2020
        let equalSigns = word ^ 0x3D3D_3D3D_3D3D_3D3D
        return ((punctuation &- ones) & ~punctuation | (equalSigns &- ones) & ~equalSigns | word)
            & 0x8080_8080_8080_8080
    }
}

enum FormDecoding {
    /// Writes the unescaped form of `raw` (`+` as space, `%XX` as one byte) into `out`,
    /// which must hold at least `raw.count` bytes. Returns the count written, or nil when
    /// an escape is not `%` and two hex digits (`%ZZ`, a `%4` at the end).
    static func unescape(_ raw: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        guard out.count >= raw.count else { return nil }
        var read = 0
        var written = 0
        let end = raw.count
        while read < end {
            let byte = raw[read]
            if byte == ASCII.percent {
                guard read + 2 < end, let high = Hex.value(raw[read + 1]), let low = Hex.value(raw[read + 2]) else {
                    return nil
                }
                out[written] = high << 4 | low
                read += 3
            } else {
                out[written] = byte == ASCII.plus ? ASCII.space : byte
                read += 1
            }
            written += 1
        }
        return written
    }

    /// Calls `body` with the unescaped bytes of `raw`: `raw` itself when it holds no
    /// escape, else a temporary buffer no larger than `raw`. Nil on a bad escape.
    static func withUnescaped<Result>(
        _ raw: UnsafeBufferPointer<UInt8>, isEscaped: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> Result
    ) -> Result? {
        guard isEscaped else { return body(raw) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: raw.count) { buffer -> Result? in
            guard let count = unescape(raw, into: buffer) else { return nil }
            return body(UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// The value as a String, refused when its escapes are bad, when it is longer than
    /// `maxBytes` once unescaped, or when it is not UTF-8. Errors name `field`, which is
    /// only built for an error.
    static func string(
        _ raw: UnsafeBufferPointer<UInt8>, isEscaped: Bool, field: @autoclosure () -> String, maxBytes: Int,
        unit: String = "bytes"
    ) throws(PushDecodingError) -> String {
        if !isEscaped {
            // The common case: the bytes on the wire are the value.
            guard raw.count <= maxBytes else {
                throw PushDecodingError(field: field(), reason: "longer than \(maxBytes) \(unit)")
            }
            guard let text = String(checkingUTF8: raw) else { throw PushDecodingError(field: field(), reason: "not valid UTF-8") }
            return text
        }
        // An escaped value shrinks when unescaped; its buffer is bounded by the body limit.
        let result = withUnescaped(raw, isEscaped: isEscaped) { bytes -> Swift.Result<String, PushDecodingError> in
            guard bytes.count <= maxBytes else {
                return .failure(PushDecodingError(field: field(), reason: "longer than \(maxBytes) \(unit)"))
            }
            guard let text = String(checkingUTF8: bytes) else {
                return .failure(PushDecodingError(field: field(), reason: "not valid UTF-8"))
            }
            return .success(text)
        }
        guard let result else { throw PushDecodingError(field: field(), reason: "bad percent escape") }
        return try result.get()
    }

    /// The bytes as a String, for bytes known to be ASCII: nothing to validate, and a
    /// value of up to 15 bytes is built in place without allocating.
    @inline(__always)
    static func asciiString(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let count = bytes.count
        // Measured: a heap string is made fastest by decoding (one copy, an ASCII check
        // word by word); a small one by writing its two words directly.
        guard count <= 15 else { return String(decoding: bytes, as: UTF8.self) }
        #if _pointerBitWidth(_64) && _endian(little)
            if SmallASCII.isUsable { return SmallASCII.make(bytes) }
        #endif
        return String(unsafeUninitializedCapacity: count) { buffer in
            guard let target = buffer.baseAddress, let source = bytes.baseAddress else { return 0 }
            target.initialize(from: source, count: count)
            return count
        }
    }

    /// The value as a message shows it (``Swift/StringProtocol/quotedForMessage(limit:quote:)``),
    /// invalid UTF-8 shown as U+FFFD.
    static func quoted(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int = 40) -> String {
        // A scalar takes at most 4 bytes: decoding one more than `limit` of them is enough
        // to show the value and to know that it was cut.
        let window = (max(0, limit) &+ 1) &* 4
        let shown = bytes.count > window ? UnsafeBufferPointer(rebasing: bytes[..<window]) : bytes
        return String(decoding: shown, as: UTF8.self).quotedForMessage(limit: limit)
    }

    /// A key as it may appear before the colon of an error: as is when it is short printable
    /// ASCII, else quoted, so that no key can break a log line.
    static func fieldName(_ key: String) -> String {
        let plain = key.utf8.count <= 40 && key.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
        if plain { return key }
        var key = key
        return key.withUTF8 { quoted($0) }
    }

    /// Every pair of `body` in order, keys and values unescaped and checked like the push
    /// decoder checks the values it keeps. For tests and diagnostics: the push path does
    /// not build this list.
    static func pairs(_ body: [UInt8], limits: PushLimits = .default) throws(PushDecodingError) -> [(key: String, value: String)] {
        guard body.count <= limits.maxBodyBytes else {
            throw PushDecodingError(field: "body", reason: "larger than \(limits.maxBodyBytes) bytes")
        }
        let result = body.withUnsafeBufferPointer { bytes -> Swift.Result<[(key: String, value: String)], PushDecodingError> in
            Swift.Result { () throws(PushDecodingError) -> [(key: String, value: String)] in
                var scanner = FormScanner(bytes, maxFields: limits.maxFields)
                var pairs: [(key: String, value: String)] = []
                while let pair = try scanner.next() {
                    let keyBytes = UnsafeBufferPointer(rebasing: bytes[pair.key])
                    let key = try string(keyBytes, isEscaped: pair.keyIsEscaped, field: "key", maxBytes: limits.maxFieldBytes)
                    let valueBytes = UnsafeBufferPointer(rebasing: bytes[pair.value])
                    let value = try string(
                        valueBytes, isEscaped: pair.valueIsEscaped, field: fieldName(key), maxBytes: limits.maxFieldBytes)
                    pairs.append((key, value))
                }
                return pairs
            }
        }
        return try result.get()
    }
}

#if _pointerBitWidth(_64) && _endian(little)
    /// Small ASCII strings made from their two words, as the standard library lays them out
    /// on 64-bit platforms (and must keep doing, as inlined library code depends on it):
    /// the bytes in order, zero-padded, and in the top byte of the second word the flags
    /// immortal, ASCII and small (0xE0) with the count. Building through the library costs
    /// about a hundred instructions per value, this about twenty; values hold at most 15 bytes.
    enum SmallASCII {
        /// The layout is checked once, bit for bit, against strings the library built (before
        /// any made one is used as a String), so that a library that lays them out otherwise
        /// only makes the decoder slower, never wrong.
        static let isUsable: Bool = {
            let samples = ["", "1", "in", "dtmf", "Alice", "12345678", "4915791234567", "123456789012345"]
            return samples.allSatisfy { sample in
                let bytes = Array(sample.utf8)
                let expected = unsafeBitCast(String(decoding: bytes, as: UTF8.self), to: (UInt64, UInt64).self)
                return bytes.withUnsafeBufferPointer { words($0) } == expected
            }
        }()

        /// `bytes` (at most 15, all ASCII) as a small String.
        @inline(__always)
        static func make(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
            unsafeBitCast(words(bytes), to: String.self)
        }

        @inline(__always)
        private static func words(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
            var words: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(bytes)) }
            words.1 |= (0xE0 | UInt64(truncatingIfNeeded: bytes.count)) &<< 56
            return words
        }
    }
#endif
