import Testing
import Touchtone

@testable import TouchtoneServer

/// Feeds `bytes` to a fresh parser in pieces cut at `cuts` and collects every step.
private func parseAll(_ bytes: [UInt8], cuts: [Int] = [], limits: HTTPParserLimits = HTTPParserLimits()) -> (
    requests: [HTTPRequest], error: HTTPParseError?, continues: Int
) {
    var parser = HTTPRequestParser(limits: limits)
    var requests: [HTTPRequest] = []
    var continues = 0
    var start = 0
    for end in cuts + [bytes.count] where end >= start {
        parser.append(contentsOf: bytes[start..<end])
        start = end
        loop: while true {
            switch parser.next() {
            case .request(let r): requests.append(r)
            case .sendContinue: continues += 1
            case .needMoreData: break loop
            case .failure(let e): return (requests, e, continues)
            }
        }
    }
    return (requests, nil, continues)
}

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

private let push = "event=dtmf&dtmf=1&callId=123456"
private let pushRequest =
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(push.utf8.count)\r\n\r\n\(push)"

@Suite("HTTP request parser")
struct HTTPRequestParserTests {
    @Test func parsesAPostWithContentLength() throws {
        let (requests, error, _) = parseAll(bytes(pushRequest))
        #expect(error == nil)
        let r = try #require(requests.first)
        #expect(requests.count == 1)
        #expect(r.method == "POST")
        #expect(r.path == "/")
        #expect(r.minorVersion == 1)
        #expect(r.keepAlive)
        #expect(r.headers["content-type"] == "application/x-www-form-urlencoded")
        #expect(r.headers["CONTENT-TYPE"] == "application/x-www-form-urlencoded")
        #expect(r.body == bytes(push))
    }

    @Test func everySplitPointGivesTheSameRequests() {
        let chunked =
            "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nevent\r\n3\r\n=dt\r\n0\r\nTrailer: y\r\n\r\n"
        let input = bytes(pushRequest + "GET /healthz?q=1 HTTP/1.1\r\nHost: x\r\n\r\n" + chunked)
        let whole = parseAll(input)
        #expect(whole.error == nil)
        #expect(whole.requests.count == 3)
        #expect(whole.requests[1].path == "/healthz")
        #expect(whole.requests[1].target == "/healthz?q=1")
        #expect(whole.requests[2].body == bytes("event=dt"))
        for cut in 0...input.count {
            let split = parseAll(input, cuts: [cut])
            #expect(split.error == nil, "cut at \(cut)")
            #expect(split.requests == whole.requests, "cut at \(cut)")
        }
        // And one byte at a time.
        let single = parseAll(input, cuts: Array(1..<input.count))
        #expect(single.requests == whole.requests)
    }

    @Test func pipelinedRequestsComeOutInOrder() {
        let input = bytes(String(repeating: pushRequest, count: 50))
        let result = parseAll(input)
        #expect(result.requests.count == 50)
        #expect(result.requests.allSatisfy { $0.body == bytes(push) })
    }

    @Test func connectionHeaderAndVersionDecideKeepAlive() {
        let cases: [(String, Bool)] = [
            ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, Close\r\n\r\n", false),
            ("GET / HTTP/1.0\r\n\r\n", false),
            ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
        ]
        for (text, keepAlive) in cases {
            let result = parseAll(bytes(text))
            #expect(result.requests.first?.keepAlive == keepAlive, "\(text)")
        }
    }

    @Test func toleratesBareLineFeedsAndLeadingEmptyLines() {
        let result = parseAll(bytes("\r\n\nGET /a HTTP/1.1\nHost: x\n\n"))
        #expect(result.error == nil)
        #expect(result.requests.first?.path == "/a")
    }

    @Test func absoluteFormTargetsBecomePaths() {
        let result = parseAll(bytes("GET http://example.com:3000/healthz?x HTTP/1.1\r\nHost: example.com\r\n\r\n"))
        #expect(result.requests.first?.path == "/healthz")
    }

    @Test func expectContinueAsksForTheInterimAnswerOnce() {
        let head = "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
        let result = parseAll(bytes(head + "abcd"), cuts: [head.utf8.count, head.utf8.count + 1])
        #expect(result.continues == 1)
        #expect(result.requests.first?.body == bytes("abcd"))
        // A body that came with the head needs no interim answer.
        #expect(parseAll(bytes(head + "abcd")).continues == 0)
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\n\r\n", 400, "missing Host"),
        ("GET /\r\nHost: x\r\n\r\n", 400, "no version"),
        ("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "double space"),
        ("G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad method"),
        ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTP/2"),
        ("GET / FTP/1.1\r\nHost: x\r\n\r\n", 400, "not HTTP"),
        ("GET nopath HTTP/1.1\r\nHost: x\r\n\r\n", 400, "relative target"),
        ("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400, "obs-fold"),
        ("GET / HTTP/1.1\r\nHost: x\r\nNo colon\r\n\r\n", 400, "no colon"),
        ("GET / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n", 400, "space in name"),
        ("GET / HTTP/1.1\r\nHost: x\r\nX: a\u{0}b\r\n\r\n", 400, "NUL in value"),
        ("GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400, "two hosts"),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400, "negative length"),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", 400, "junk length"),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", 400, "huge length"),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400, "two lengths"),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "length and chunked"),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "gzip"),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "gzip then chunked"),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "bad chunk size"),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n123456789\r\n", 400, "chunk size too long"),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n", 400, "chunk without CRLF"),
        ("POST / HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n", 417, "unknown expectation"),
    ])
    func malformedRequestsAreRefusedWithTheRightStatus(text: String, status: Int, why: String) {
        let result = parseAll(bytes(text))
        #expect(result.error?.status.code == status, "\(why)")
        #expect(result.requests.isEmpty, "\(why)")
    }

    @Test func oversizedHeadIs431EvenBeforeItEnds() {
        let limits = HTTPParserLimits(maxHeaderBytes: 100)
        let long = "GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + String(repeating: "a", count: 200)
        #expect(parseAll(bytes(long), limits: limits).error?.status.code == 431)
        #expect(parseAll(bytes(long + "\r\n\r\n"), limits: limits).error?.status.code == 431)
        let many = "GET / HTTP/1.1\r\nHost: x\r\n" + String(repeating: "A: b\r\n", count: 10) + "\r\n"
        #expect(parseAll(bytes(many), limits: HTTPParserLimits(maxHeaderCount: 5)).error?.status.code == 431)
        // Too many fields is the answer whatever else is wrong with the head.
        for head in [
            "GET / HTTP/2.0\r\n", "GET / HTTP/1.1\r\n Folded: x\r\n", "GET / HTTP/1.1\r\nExpect: magic\r\n",
            "GET / HTTP/1.1\r\nBad Name: x\r\n",
        ] {
            let crowded = head + String(repeating: "A: b\r\n", count: 10) + "\r\n"
            #expect(parseAll(bytes(crowded), limits: HTTPParserLimits(maxHeaderCount: 5)).error?.status.code == 431, "\(head)")
        }
    }

    @Test func oversizedBodyIs413WithoutWaitingForIt() {
        let limits = HTTPParserLimits(maxBodyBytes: 10)
        #expect(parseAll(bytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n"), limits: limits).error?.status.code == 413)
        let chunked = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n"
        #expect(parseAll(bytes(chunked), limits: limits).error?.status.code == 413)
        #expect(parseAll(bytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"), limits: limits).requests.count == 1)
    }

    @Test func aFailedParserStaysFailed() {
        var parser = HTTPRequestParser()
        parser.append(contentsOf: bytes("BAD\r\n\r\n"))
        guard case .failure = parser.next() else {
            Issue.record("expected failure")
            return
        }
        parser.append(contentsOf: bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
        guard case .failure = parser.next() else {
            Issue.record("expected failure")
            return
        }
    }

    @Test func partialRequestIsReported() {
        var parser = HTTPRequestParser()
        #expect(!parser.hasPartialRequest)
        parser.append(contentsOf: bytes("GET / HT"))
        _ = parser.next()
        #expect(parser.hasPartialRequest)
        parser.append(contentsOf: bytes("TP/1.1\r\nHost: x\r\n\r\n"))
        guard case .request = parser.next() else {
            Issue.record("expected a request")
            return
        }
        #expect(!parser.hasPartialRequest)
        #expect(parser.bufferedByteCount == 0)
    }
}

@Suite("HTTP request parser under hostile input")
struct HTTPRequestParserFuzzTests {
    @Test func mutatedRequestsNeverTrapAndStayBounded() {
        var rng = SplitMix64(seed: 42)
        let seeds = [
            Array(pushRequest.utf8),
            Array("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n".utf8),
            Array("GET /audio/menu.wav HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".utf8),
        ]
        let limits = HTTPParserLimits(maxHeaderBytes: 512, maxHeaderCount: 16, maxBodyBytes: 256)
        let interesting: [UInt8] = [0, 9, 10, 13, 32, 58, 59, 48, 102, 0x7F, 0xFF]
        for _ in 0..<3_000 {
            var input = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let i = Int.random(in: 0..<input.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: input[i] = interesting.randomElement(using: &rng)!
                case 1: input.remove(at: i)
                case 2: input.insert(UInt8.random(in: 0...255, using: &rng), at: i)
                default: input.insert(contentsOf: input[i..<min(input.count, i + 40)], at: i)
                }
                if input.isEmpty { input = [13] }
            }
            var parser = HTTPRequestParser(limits: limits)
            var offset = 0
            var steps = 0
            outer: while offset < input.count {
                let n = Int.random(in: 1...64, using: &rng)
                parser.append(contentsOf: input[offset..<min(input.count, offset + n)])
                offset += n
                while true {
                    steps += 1
                    switch parser.next() {
                    case .request(let r): #expect(r.body.count <= limits.maxBodyBytes)
                    case .sendContinue: continue
                    case .needMoreData: continue outer
                    case .failure: break outer
                    }
                    if steps > 10_000 {
                        Issue.record("parser does not make progress")
                        break outer
                    }
                }
            }
            #expect(parser.bufferedByteCount <= input.count)
        }
    }
}
