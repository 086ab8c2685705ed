import Touchtone

/// An incremental, bounded RESP2 reply parser.
///
/// Feed it bytes as they arrive with ``append(_:)`` and take complete replies with
/// ``next()`` until it returns nil. A reply may be split anywhere between reads, and one
/// read may hold many (pipelined) replies. Parsing resumes where it stopped: a finished
/// element of a long array or the header of a long bulk string is not read again when the
/// rest arrives, so every byte is looked at a bounded number of times.
///
/// Every reply is held within ``RESPParserLimits``; beyond them, or on bytes that are not
/// RESP2, ``next()`` throws a ``RESPProtocolError`` and keeps throwing it: the reply
/// boundaries are lost, so the connection must close. As long as the caller drains
/// ``next()`` after each append, the parser buffers at most one incomplete line or bulk
/// string beyond the last read.
package struct RESPReplyParser: Sendable {
    /// An array whose elements are still arriving.
    private struct OpenArray: Sendable {
        var elements: [RESPReply]
        var expected: Int
    }

    /// What one step of reading found.
    private enum Item {
        /// A reply or an element, complete.
        case value(RESPReply)
        /// An array header whose elements follow: it is open now.
        case arrayOpened
    }

    /// Capacity an array reserves up front at most, whatever length its header claims.
    private static let reservedElements = 16
    /// A buffer grown beyond this (by a long bulk string) is given back once drained.
    private static let keptCapacity = 256 * 1024

    /// The bounds every reply is held to.
    package let limits: RESPParserLimits
    private var buffer: [UInt8] = []
    /// The first byte not consumed yet.
    private var start = 0
    /// Where to go on looking for the CR that ends the line at `start`: the bytes before it
    /// hold none.
    private var scanFrom = 0
    /// The length of the bulk string whose header is consumed and whose bytes are awaited.
    private var pendingBulkLength: Int?
    /// The arrays being filled, outermost first.
    private var openArrays: [OpenArray] = []
    /// Bytes the reply being read has consumed so far.
    private var replyBytes = 0
    private var failure: RESPProtocolError?

    /// A parser holding replies within `limits`.
    package init(limits: RESPParserLimits = RESPParserLimits()) {
        self.limits = limits
    }

    /// Bytes received and not yet part of a returned reply or an open array.
    package var bufferedByteCount: Int { buffer.count - start }

    /// Whether a reply has begun to arrive and is not complete.
    package var hasPartialReply: Bool {
        start < buffer.count || pendingBulkLength != nil || !openArrays.isEmpty
    }

    /// Appends received bytes.
    package mutating func append(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
    }

    /// Appends received bytes.
    package mutating func append(contentsOf bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete reply, or nil until more bytes arrive.
    /// - Throws: ``RESPProtocolError`` when the bytes are not RESP2 or break a bound; every
    ///   later call throws it again.
    package mutating func next() throws(RESPProtocolError) -> RESPReply? {
        if let failure { throw failure }
        do {
            while let item = try readItem() {
                guard case .value(let value) = item, let reply = attach(value) else { continue }
                replyBytes = 0
                return reply
            }
            compact()
            return nil
        } catch {
            failure = error
            throw error
        }
    }

    // MARK: - Reading

    /// Reads one value or array header at `start`, or nil when its bytes are not all here.
    private mutating func readItem() throws(RESPProtocolError) -> Item? {
        if let length = pendingBulkLength { return try readBulkBody(length: length) }
        guard let lineEnd = try findLineEnd() else { return nil }
        guard lineEnd > start else { throw RESPProtocolError(.malformed, "empty reply line") }
        let type = buffer[start]
        let line = start + 1..<lineEnd
        try consume(upTo: lineEnd + 2)
        switch type {
        case UInt8(ascii: "+"):
            return .value(.simpleString(text(line)))
        case UInt8(ascii: "-"):
            return .value(.error(text(line)))
        case UInt8(ascii: ":"):
            guard let value = integer(line) else { throw RESPProtocolError(.malformed, "malformed integer reply") }
            return .value(.integer(value))
        case UInt8(ascii: "$"):
            let length = try length(line, of: "bulk string")
            guard length >= 0 else { return .value(.null) }
            guard length <= limits.maxBulkLength else {
                throw RESPProtocolError(.bulkTooLong, "bulk string of \(length) bytes over the limit of \(limits.maxBulkLength)")
            }
            try checkReplySize(adding: length + 2)
            pendingBulkLength = length
            return try readBulkBody(length: length)
        case UInt8(ascii: "*"):
            return try openArray(count: try length(line, of: "array"))
        default:
            throw RESPProtocolError(.malformed, "unexpected reply type byte 0x\(hex(type)): not RESP2")
        }
    }

    /// The bulk string's bytes and CRLF, or nil until they are all here.
    private mutating func readBulkBody(length: Int) throws(RESPProtocolError) -> Item? {
        guard buffer.count - start >= length + 2 else { return nil }
        let end = start + length
        guard buffer[end] == ASCII.carriageReturn, buffer[end + 1] == ASCII.newline else {
            throw RESPProtocolError(.malformed, "bulk string of \(length) bytes not followed by CRLF")
        }
        let bytes = Array(buffer[start..<end])
        pendingBulkLength = nil
        try consume(upTo: end + 2)
        return .value(.bulkString(bytes))
    }

    /// An array header: an empty or null array is a value at once, a longer one opens.
    private mutating func openArray(count: Int) throws(RESPProtocolError) -> Item {
        if count < 0 { return .value(.null) }
        guard openArrays.count < limits.maxDepth else {
            // An empty array counts too: the bound is on the shape of what reaches the caller.
            throw RESPProtocolError(.tooDeep, "arrays nested deeper than \(limits.maxDepth)")
        }
        if count == 0 { return .value(.array([])) }
        guard count <= limits.maxArrayElements else {
            throw RESPProtocolError(.tooManyElements, "array of \(count) elements over the limit of \(limits.maxArrayElements)")
        }
        var elements: [RESPReply] = []
        // The header's count is the server's word: reserve little, grow as elements arrive.
        elements.reserveCapacity(min(count, Self.reservedElements))
        openArrays.append(OpenArray(elements: elements, expected: count))
        return .arrayOpened
    }

    /// Adds `value` to the innermost open array, closing the arrays it completes; returns
    /// the reply once no array is open.
    private mutating func attach(_ value: RESPReply) -> RESPReply? {
        var value = value
        while !openArrays.isEmpty {
            let last = openArrays.count - 1
            openArrays[last].elements.append(value)
            guard openArrays[last].elements.count == openArrays[last].expected else { return nil }
            value = .array(openArrays.removeLast().elements)
        }
        return value
    }

    // MARK: - Lines and numbers

    /// The index of the CR of the CRLF ending the line at `start`, or nil until it is here.
    private mutating func findLineEnd() throws(RESPProtocolError) -> Int? {
        let end = buffer.withUnsafeBufferPointer { bytes -> Int? in
            var i = max(scanFrom, start)
            while i < bytes.count {
                if bytes[i] == ASCII.carriageReturn { return i }
                i += 1
            }
            return nil
        }
        guard let end else {
            scanFrom = buffer.count
            if buffer.count - start > limits.maxLineLength + 1 { throw lineTooLong }
            return nil
        }
        if end - start - 1 > limits.maxLineLength { throw lineTooLong }
        guard end + 1 < buffer.count else {
            // The CR is the last byte: look again from it once its LF may be here.
            scanFrom = end
            return nil
        }
        guard buffer[end + 1] == ASCII.newline else {
            throw RESPProtocolError(.malformed, "reply line ends in CR without LF")
        }
        return end
    }

    private var lineTooLong: RESPProtocolError {
        RESPProtocolError(.lineTooLong, "reply line longer than \(limits.maxLineLength) bytes")
    }

    /// Marks the bytes before `end` consumed by the reply being read.
    private mutating func consume(upTo end: Int) throws(RESPProtocolError) {
        try checkReplySize(adding: end - start)
        replyBytes += end - start
        start = end
        scanFrom = end
    }

    private func checkReplySize(adding count: Int) throws(RESPProtocolError) {
        guard replyBytes + count <= limits.maxReplyBytes else {
            throw RESPProtocolError(.replyTooLarge, "reply longer than \(limits.maxReplyBytes) bytes")
        }
    }

    /// A simple string's or error's text; bytes that are not UTF-8 are replaced, not refused.
    private func text(_ range: Range<Int>) -> String {
        buffer.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    /// A length: `-1` (null) or digits, at most 18 of them (so it never overflows).
    private func length(_ range: Range<Int>, of what: StaticString) throws(RESPProtocolError) -> Int {
        if range.count == 2 && buffer[range.lowerBound] == ASCII.hyphen && buffer[range.lowerBound + 1] == UInt8(ascii: "1") {
            return -1
        }
        guard !range.isEmpty, range.count <= 18 else { throw RESPProtocolError(.malformed, "malformed \(what) length") }
        var value = 0
        for i in range {
            guard ASCII.isDigit(buffer[i]) else { throw RESPProtocolError(.malformed, "malformed \(what) length") }
            value = value * 10 + Int(buffer[i] &- UInt8(ascii: "0"))
        }
        return value
    }

    /// A signed 64-bit decimal, or nil when malformed or out of range.
    private func integer(_ range: Range<Int>) -> Int? {
        var digits = range
        let negative = !range.isEmpty && buffer[range.lowerBound] == ASCII.hyphen
        if negative { digits = range.lowerBound + 1..<range.upperBound }
        guard !digits.isEmpty else { return nil }
        var value = 0
        for i in digits {
            guard ASCII.isDigit(buffer[i]) else { return nil }
            let digit = Int(buffer[i] &- UInt8(ascii: "0"))
            // Accumulated negatively, so that Int.min fits.
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = shifted.subtractingReportingOverflow(digit)
            guard !overflow, !overflow2 else { return nil }
            value = next
        }
        if negative { return value }
        return value == Int.min ? nil : -value
    }

    private func hex(_ byte: UInt8) -> String {
        var bytes: [UInt8] = []
        bytes.appendHex(byte, uppercase: true)
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - Buffer

    /// Drops the consumed bytes: at once when all are consumed (the usual case after a
    /// read), else once they are most of the buffer.
    private mutating func compact() {
        if start == buffer.count {
            if buffer.capacity > Self.keptCapacity { buffer = [] } else { buffer.removeAll(keepingCapacity: true) }
            start = 0
            scanFrom = 0
        } else if start > 4096 && start > buffer.count / 2 {
            buffer.removeFirst(start)
            scanFrom -= start
            start = 0
        }
    }
}
