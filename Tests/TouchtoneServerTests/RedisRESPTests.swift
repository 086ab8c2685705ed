import Testing

@testable import TouchtoneServer

/// RESP2 on the wire: commands written, replies read (whole, split, pipelined, bounded).
@Suite("RESP encoding and parsing")
struct RedisRESPTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Every reply in `input`, fed in the pieces `cuts` makes; the error if one came.
    static func parse(_ input: [UInt8], cuts: [Int] = [], limits: RESPParserLimits = RESPParserLimits())
        -> (replies: [RESPReply], error: RESPProtocolError?, partial: Bool)
    {
        var parser = RESPReplyParser(limits: limits)
        var replies: [RESPReply] = []
        var start = 0
        for end in cuts + [input.count] {
            parser.append(contentsOf: input[start..<end])
            start = end
            do {
                while let reply = try parser.next() { replies.append(reply) }
            } catch {
                return (replies, error, parser.hasPartialReply)
            }
        }
        return (replies, nil, parser.hasPartialReply)
    }

    static func parse(_ text: String, limits: RESPParserLimits = RESPParserLimits()) -> (
        replies: [RESPReply], error: RESPProtocolError?, partial: Bool
    ) {
        parse(bytes(text), limits: limits)
    }

    // MARK: - Commands

    @Test func aCommandIsAnArrayOfBulkStrings() {
        #expect(RESPCommand("SET", "key", "value").encoded == Self.bytes("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"))
        #expect(RESPCommand("PING").encoded == Self.bytes("*1\r\n$4\r\nPING\r\n"))
        #expect(RESPCommand(words: ["GET", "k"]).encoded == Self.bytes("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"))
    }

    @Test func argumentsAreBinarySafeAndCountedInBytes() {
        let binary: [UInt8] = [0, 13, 10, 255]
        #expect(RESPCommand("SET", "k", binary).encoded == Self.bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\n") + binary + Self.bytes("\r\n"))
        // "ä" is two bytes, "☎" three.
        #expect(RESPCommand("GET", "ä☎").encoded == Self.bytes("*2\r\n$3\r\nGET\r\n$5\r\nä☎\r\n"))
        #expect(RESPCommand("GET", binary[1...2]).encoded == Self.bytes("*2\r\n$3\r\nGET\r\n$2\r\n\r\n\r\n"))
        #expect(RESPCommand("GET", "a:b:c".split(separator: ":")[1]).encoded == Self.bytes("*2\r\n$3\r\nGET\r\n$1\r\nb\r\n"))
        #expect(RESPCommand("SET", "", "").encoded == Self.bytes("*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n"))
    }

    @Test func integersAreWrittenInDecimal() {
        var command = RESPCommand("PEXPIRE", "k", 30_000)
        command.append(-7)
        command.append(Int.min)
        command.append(0)
        #expect(
            command.encoded
                == Self.bytes(
                    "*6\r\n$7\r\nPEXPIRE\r\n$1\r\nk\r\n$5\r\n30000\r\n$2\r\n-7\r\n$20\r\n-9223372036854775808\r\n$1\r\n0\r\n"))
        #expect(command.argumentCount == 6)
        #expect(command.name == "PEXPIRE")
    }

    @Test func theEncodedLengthIsKnownBeforehandAndWritingAppends() {
        var command = RESPCommand("MSET")
        for i in 0..<12 { command.append("key\(i)") }
        #expect(command.encodedByteCount == command.encoded.count)
        var buffer = Self.bytes("x")
        RESPCommand("PING").write(into: &buffer)
        #expect(buffer == Self.bytes("x*1\r\n$4\r\nPING\r\n"))
    }

    // MARK: - Each reply type

    @Test func everyReplyType() {
        let (replies, error, partial) = Self.parse(
            "+OK\r\n-ERR unknown command\r\n:42\r\n:-9223372036854775808\r\n$3\r\nabc\r\n$0\r\n\r\n$-1\r\n*0\r\n*-1\r\n+\r\n")
        #expect(error == nil && !partial)
        #expect(
            replies == [
                .simpleString("OK"), .error("ERR unknown command"), .integer(42), .integer(Int.min),
                .bulkString(Self.bytes("abc")), .bulkString([]), .null, .array([]), .null, .simpleString(""),
            ])
        #expect(Self.parse(":9223372036854775807\r\n").replies == [.integer(Int.max)])
    }

    @Test func bulkStringsAreBinarySafe() {
        let input = Self.bytes("$6\r\n") + [13, 10, 0, 255, 13, 10] + Self.bytes("\r\n")
        #expect(Self.parse(input).replies == [.bulkString([13, 10, 0, 255, 13, 10])])
    }

    @Test func arraysNest() {
        let (replies, error, _) = Self.parse("*3\r\n*2\r\n:1\r\n$-1\r\n*0\r\n-ERR inner\r\n")
        #expect(error == nil)
        #expect(replies == [.array([.array([.integer(1), .null]), .array([]), .error("ERR inner")])])
    }

    @Test func accessorsReadTheValues() {
        #expect(RESPReply.bulkString(Self.bytes("hé")).string == "hé")
        #expect(RESPReply.bulkString([0xFF]).string == nil)
        #expect(RESPReply.simpleString("OK").isOK)
        #expect(RESPReply.integer(3).integer == 3)
        #expect(RESPReply.array([.null]).array == [.null])
        #expect(RESPReply.null.isNull && RESPReply.null.bytes == nil)
    }

    // MARK: - Split and pipelined

    static let mixed = "+OK\r\n-WRONGTYPE bad\r\n:-12\r\n$5\r\nhe\r\no\r\n$-1\r\n*2\r\n*2\r\n:1\r\n+x\r\n$0\r\n\r\n*-1\r\n*0\r\n"

    @Test func aReplySplitAtAnyByteReadsTheSame() {
        let input = Self.bytes(Self.mixed)
        let whole = Self.parse(input)
        #expect(whole.replies.count == 8 && whole.error == nil)
        for cut in 0...input.count {
            let split = Self.parse(input, cuts: [cut])
            #expect(split.replies == whole.replies && split.error == nil && !split.partial, "cut at \(cut)")
        }
        // And byte by byte: every possible resumption point in one run.
        let byByte = Self.parse(input, cuts: Array(1..<input.count))
        #expect(byByte.replies == whole.replies)
    }

    @Test func anIncompleteReplyWaits() throws {
        var parser = RESPReplyParser()
        parser.append(contentsOf: Self.bytes("*2\r\n:1\r\n$5\r\nab"))
        #expect(try parser.next() == nil)
        #expect(parser.hasPartialReply)
        parser.append(contentsOf: Self.bytes("cde\r"))
        #expect(try parser.next() == nil)
        parser.append(contentsOf: Self.bytes("\n+next\r\n"))
        #expect(try parser.next() == .array([.integer(1), .bulkString(Self.bytes("abcde"))]))
        #expect(try parser.next() == .simpleString("next"))
        #expect(try parser.next() == nil)
        #expect(!parser.hasPartialReply && parser.bufferedByteCount == 0)
    }

    @Test func manyPipelinedRepliesInOneRead() {
        var input: [UInt8] = []
        for i in 0..<1000 { input += Self.bytes(i % 2 == 0 ? ":\(i)\r\n" : "$\(String(i).utf8.count)\r\n\(i)\r\n") }
        let (replies, error, partial) = Self.parse(input)
        #expect(error == nil && !partial)
        #expect(replies.count == 1000)
        #expect(replies[998] == .integer(998) && replies[999] == .bulkString(Self.bytes("999")))
    }

    // MARK: - Bounds

    @Test func aBulkStringOverTheLimitFailsBeforeItsBytesArrive() {
        let limits = RESPParserLimits(maxBulkLength: 10)
        #expect(Self.parse("$10\r\n0123456789\r\n", limits: limits).replies.count == 1)
        #expect(Self.parse("$11\r\n", limits: limits).error?.kind == .bulkTooLong)
        #expect(Self.parse("$999999999999999999\r\n").error?.kind == .bulkTooLong)
        #expect(Self.parse("$9999999999999999999\r\n").error?.kind == .malformed)
    }

    @Test func anArrayOverTheLimitFails() {
        let limits = RESPParserLimits(maxArrayElements: 3)
        #expect(Self.parse("*3\r\n:1\r\n:2\r\n:3\r\n", limits: limits).replies.count == 1)
        #expect(Self.parse("*4\r\n", limits: limits).error?.kind == .tooManyElements)
        // A huge claimed count is refused at its header, before anything is reserved.
        #expect(Self.parse("*999999999999\r\n").error?.kind == .tooManyElements)
    }

    @Test func nestingDeeperThanTheLimitFails() {
        let limits = RESPParserLimits(maxDepth: 3)
        #expect(Self.parse("*1\r\n*1\r\n*1\r\n:1\r\n", limits: limits).replies == [.array([.array([.array([.integer(1)])])])])
        #expect(Self.parse("*1\r\n*1\r\n*1\r\n*1\r\n", limits: limits).error?.kind == .tooDeep)
        // An empty array is an array too; a null one is not.
        #expect(Self.parse("*1\r\n*1\r\n*1\r\n*0\r\n", limits: limits).error?.kind == .tooDeep)
        #expect(Self.parse("*1\r\n*1\r\n*1\r\n*-1\r\n", limits: limits).error == nil)
    }

    @Test func aLineOverTheLimitFailsWhetherOrNotItsEndArrived() {
        let limits = RESPParserLimits(maxLineLength: 8)
        #expect(Self.parse("+12345678\r\n", limits: limits).replies == [.simpleString("12345678")])
        #expect(Self.parse("+123456789\r\n", limits: limits).error?.kind == .lineTooLong)
        // No CR yet, but already too long: no waiting for more.
        #expect(Self.parse("-123456789", limits: limits).error?.kind == .lineTooLong)
        #expect(Self.parse("-12345678", limits: limits).error == nil)
    }

    @Test func aReplyOverTheTotalLimitFails() {
        let limits = RESPParserLimits(maxReplyBytes: 30)
        // 4 + 3 * 8 = 28 bytes.
        #expect(Self.parse("*3\r\n$2\r\nab\r\n$2\r\ncd\r\n$2\r\nef\r\n", limits: limits).replies.count == 1)
        #expect(Self.parse("*4\r\n$2\r\nab\r\n$2\r\ncd\r\n$2\r\nef\r\n$2\r\ngh\r\n", limits: limits).error?.kind == .replyTooLarge)
        // The bound is per reply: many small replies in a row are fine.
        #expect(Self.parse(String(repeating: "$2\r\nab\r\n", count: 20), limits: limits).replies.count == 20)
        // A bulk string's announced length counts before its bytes arrive.
        #expect(Self.parse("*2\r\n$24\r\n", limits: limits).error?.kind == .replyTooLarge)
    }

    // MARK: - Garbage

    @Test func bytesThatAreNotRESP2Fail() {
        for (input, reason) in [
            ("%1\r\n", "unexpected reply type byte 0x25: not RESP2"),
            ("_\r\n", "unexpected reply type byte 0x5F: not RESP2"),
            ("GET\r\n", "unexpected reply type byte 0x47: not RESP2"),
            ("\r\n", "empty reply line"),
            ("+OK\rX", "reply line ends in CR without LF"),
            (":12a\r\n", "malformed integer reply"),
            (":\r\n", "malformed integer reply"),
            (":-\r\n", "malformed integer reply"),
            (":9223372036854775808\r\n", "malformed integer reply"),
            ("$-2\r\n", "malformed bulk string length"),
            ("$\r\n", "malformed bulk string length"),
            ("$+1\r\n", "malformed bulk string length"),
            ("*-5\r\n", "malformed array length"),
            ("$3\r\nabcd\r\n", "bulk string of 3 bytes not followed by CRLF"),
        ] {
            #expect(Self.parse(input).error == RESPProtocolError(.malformed, reason), "\(input.debugDescription)")
        }
    }

    @Test func aFailedParserStaysFailed() throws {
        var parser = RESPReplyParser()
        parser.append(contentsOf: Self.bytes("+OK\r\n!bad\r\n+OK\r\n"))
        #expect(try parser.next() == .simpleString("OK"))
        #expect(throws: RESPProtocolError.self) { try parser.next() }
        parser.append(contentsOf: Self.bytes("+fine\r\n"))
        #expect(throws: RESPProtocolError.self) { try parser.next() }
    }
}
