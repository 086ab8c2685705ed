// libFuzzer target: the RESP2 reply parser and command encoder (Sources/TouchtoneServer/Redis/RESP*.swift).
// Built as one module with those files and the byte kit by .ci/fuzz; run `.ci/fuzz resp`.
//
// Every input is parsed whole and in pieces cut at positions taken from the input, with the
// default limits and with tight ones derived from the input. Checked: no crash, the same
// replies and the same final outcome whatever the cuts, every reply within the limits, a
// failed parser stays failed, replies written back as RESP read back the same, and a
// command built from the input reads back as the array of its arguments.

/// Everything one parse produced.
struct Outcome: Equatable {
    var replies: [RESPReply] = []
    var failure: RESPProtocolError?
    var partial = false
}

func parse(_ bytes: [UInt8], cuts: [Int], limits: RESPParserLimits) -> Outcome {
    var parser = RESPReplyParser(limits: limits)
    var outcome = Outcome()
    var start = 0
    for end in cuts + [bytes.count] where end >= start {
        parser.append(contentsOf: bytes[start..<end])
        start = end
        do {
            while let reply = try parser.next() {
                check(reply, within: limits, depth: 0)
                outcome.replies.append(reply)
                // The shortest reply, "+\r\n", takes 3 bytes.
                if outcome.replies.count > bytes.count / 3 { fatalError("more replies than the input can hold") }
            }
        } catch {
            // After a failure the parser stays failed, with the same error.
            do {
                _ = try parser.next()
                fatalError("a failed parser recovered")
            } catch let again {
                if again != error { fatalError("a failed parser changed its error") }
            }
            outcome.failure = error
            return outcome
        }
        if parser.bufferedByteCount > end { fatalError("buffered more than was appended") }
    }
    outcome.partial = parser.hasPartialReply
    return outcome
}

func check(_ reply: RESPReply, within limits: RESPParserLimits, depth: Int) {
    switch reply {
    case .bulkString(let bytes):
        if bytes.count > limits.maxBulkLength { fatalError("bulk string of \(bytes.count) bytes over \(limits.maxBulkLength)") }
    case .array(let elements):
        if depth + 1 > limits.maxDepth { fatalError("arrays nested \(depth + 1) deep, over \(limits.maxDepth)") }
        if elements.count > limits.maxArrayElements { fatalError("\(elements.count) elements over \(limits.maxArrayElements)") }
        for element in elements { check(element, within: limits, depth: depth + 1) }
    case .simpleString(let text), .error(let text):
        // Bytes that are not UTF-8 come back as U+FFFD, three bytes for one at most.
        if text.utf8.count > 3 * limits.maxLineLength { fatalError("line of \(text.utf8.count) bytes over the limit") }
        if text.utf8.contains(13) { fatalError("a CR inside a line") }
    case .integer, .null:
        break
    }
}

/// `reply` written back as RESP2.
func write(_ reply: RESPReply, into out: inout [UInt8]) {
    switch reply {
    case .simpleString(let text):
        out.appendLiteral("+")
        out.appendUTF8(text)
        out.appendLiteral("\r\n")
    case .error(let text):
        out.appendLiteral("-")
        out.appendUTF8(text)
        out.appendLiteral("\r\n")
    case .integer(let value):
        out.appendLiteral(":")
        out.appendDecimal(value)
        out.appendLiteral("\r\n")
    case .bulkString(let bytes): bytes.appendBulkString(to: &out)
    case .null: out.appendLiteral("$-1\r\n")
    case .array(let elements):
        out.appendLiteral("*")
        out.appendDecimal(elements.count)
        out.appendLiteral("\r\n")
        for element in elements { write(element, into: &out) }
    }
}

/// A command whose arguments are pieces of the input, written and read back as a reply.
func checkCommand(_ bytes: [UInt8]) {
    let pieces = bytes.split(separator: 0, maxSplits: 40, omittingEmptySubsequences: false).map(Array.init)
    var command = RESPCommand("FUZZ")
    for piece in pieces { command.append(piece) }
    command.append(bytes.count - 1000)
    let encoded = command.encoded
    if encoded.count != command.encodedByteCount { fatalError("encodedByteCount \(command.encodedByteCount) != \(encoded.count)") }
    let expected = RESPReply.array(
        [.bulkString(Array("FUZZ".utf8))] + pieces.map { .bulkString($0) }
            + [.bulkString(Array(String(bytes.count - 1000).utf8))])
    let read = parse(encoded, cuts: [], limits: RESPParserLimits(maxBulkLength: .max, maxArrayElements: .max, maxReplyBytes: .max))
    if read.replies != [expected] || read.failure != nil || read.partial { fatalError("a command did not read back as its arguments") }
}

/// A cheap hash of the input, so that the cuts and the tight limits follow the input.
func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return hash
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let hash = fnv1a(bytes)
    let first = bytes.isEmpty ? 0 : Int(hash % UInt64(bytes.count + 1))
    let second = bytes.isEmpty ? 0 : Int((hash >> 32) % UInt64(bytes.count + 1))
    let tight = RESPParserLimits(
        maxBulkLength: Int(hash >> 8 & 0x3F), maxArrayElements: Int(hash >> 14 & 7), maxDepth: Int(hash >> 17 & 3),
        maxLineLength: Int(hash >> 19 & 0x1F), maxReplyBytes: Int(hash >> 24 & 0xFF))
    for limits in [RESPParserLimits(), tight] {
        let whole = parse(bytes, cuts: [], limits: limits)
        for cuts in [[first], [min(first, second), max(first, second)]] {
            let split = parse(bytes, cuts: cuts, limits: limits)
            if whole != split { fatalError("cuts at \(cuts) change the outcome: \(whole) vs \(split)") }
        }
    }
    // What was read writes back as RESP that reads the same (with the default limits only:
    // a line's bytes that are not UTF-8 come back longer, as U+FFFD, and may pass a tight bound).
    var written: [UInt8] = []
    let replies = parse(bytes, cuts: [], limits: RESPParserLimits()).replies
    for reply in replies { write(reply, into: &written) }
    let again = parse(written, cuts: [], limits: RESPParserLimits())
    if again.replies != replies || again.failure != nil { fatalError("replies did not read back the same") }
    checkCommand(bytes)
    return 0
}
