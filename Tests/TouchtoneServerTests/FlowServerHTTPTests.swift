import Testing
import Touchtone

@testable import TouchtoneServer

@Suite("Flow server over HTTP")
struct FlowServerHTTPTests {
    @Test func healthzAnswersAndKeepsTheConnectionOpen() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            for _ in 0..<3 {
                try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                let r = try client.readResponse()
                #expect(r.status == 200)
                #expect(r.text == "ok\n")
                #expect(r.header("Content-Type") == "text/plain; charset=utf-8")
                #expect(r.header("Connection") == nil)
                #expect(r.header("Date") != nil)
            }
        }
    }

    @Test func unknownPathsAre404AndWrongMethods405() throws {
        try withServer { _, port in
            let missing = try request(port, "GET", "/nope")
            #expect(missing.status == 404)
            let getRoot = try request(port, "GET", "/")
            #expect(getRoot.status == 405)
            #expect(getRoot.header("Allow") == "POST")
            let postHealth = try request(port, "POST", "/healthz", headers: formType, body: "a=b")
            #expect(postHealth.status == 405)
            #expect(postHealth.header("Allow") == "GET, HEAD")
        }
    }

    @Test func pushesMustBeFormEncoded() throws {
        try withServer { _, port in
            for type in ["text/plain", "application/json", "application/x-www-form-urlencodedX", "multipart/form-data"] {
                let r = try request(port, "POST", "/", headers: ["Content-Type": type], body: "event=dtmf&dtmf=1&callId=1")
                #expect(r.status == 415, "\(type)")
            }
            let none = try request(port, "POST", "/", body: "event=dtmf&dtmf=1&callId=1")
            #expect(none.status == 415)
            // sipgate's own header, with charset, passes the check (whatever the engine then says).
            let sipgate = try request(
                port, "POST", "/", headers: ["Content-Type": "Application/X-WWW-Form-Urlencoded; charset=UTF-8"],
                body: "event=dtmf&dtmf=1&callId=1")
            #expect(sipgate.status != 415)
        }
    }

    @Test(arguments: [
        ("application/x-www-form-urlencoded", true),
        ("Application/X-WWW-Form-Urlencoded; charset=UTF-8", true),
        (" \tapplication/x-www-form-urlencoded \t;charset=utf-8", true),
        ("APPLICATION/X-WWW-FORM-URLENCODED;", true),
        ("application/x-www-form-urlencode", false),
        ("application/x-www-form-urlencodedX", false),
        ("application/x-www-form-urlencoded X", false),
        ("xapplication/x-www-form-urlencoded", false),
        ("application/x-www-form-urlencodéd", false),
        ("application/x-www-form-urlencoded\u{0130}", false),
        ("", false), (";", false), ("   ", false),
    ])
    func formContentTypeIsRecognisedByItsBytes(value: String, accepted: Bool) {
        #expect(RequestRouter.isFormContentType(value) == accepted)
    }

    @Test func anAnswerWithItsHeadWrittenInAdvanceIsByteForByteTheSame() {
        let answer = RequestRouter.xml(PushAnswer(Response(then: .hangup)))
        let plain = HTTPResponse(status: answer.status, headers: answer.headers, body: answer.body)
        #expect(answer.writtenStatusAndFields != nil)
        for (keepAlive, announce) in [(true, false), (false, false), (true, true)] {
            var fast: [UInt8] = []
            var slow: [UInt8] = []
            let date = Array("Fri, 27 Nov 2026 20:00:00 GMT".utf8)
            HTTPResponseWriter.write(answer, keepAlive: keepAlive, announceKeepAlive: announce, date: date, into: &fast)
            HTTPResponseWriter.write(plain, keepAlive: keepAlive, announceKeepAlive: announce, date: date, into: &slow)
            #expect(fast == slow)
            #expect(
                String(decoding: fast, as: UTF8.self).hasPrefix(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/xml; charset=utf-8\r\nContent-Length: "))
        }
    }

    @Test func aChangedAnswerIsWrittenAsChanged() {
        var answer = RequestRouter.xml(PushAnswer(Response(then: .hangup)))
        answer.status = .serviceUnavailable
        var out: [UInt8] = []
        HTTPResponseWriter.write(answer, keepAlive: true, date: [], into: &out)
        #expect(String(decoding: out, as: UTF8.self).hasPrefix("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml"))
    }

    @Test func headersAreFoundInAnyCase() {
        let headers = HTTPHeaders([("Content-Type", "a"), ("X-Sipgate-Signature", "b")])
        #expect(headers["content-type"] == "a")
        #expect(headers["Content-Type"] == "a")
        #expect(headers["X-SIPGATE-signature"] == "b")
        #expect(headers["content-length"] == nil)
    }

    @Test func aBodyThatIsNotAPushIs400WithAReason() throws {
        try withServer { _, port in
            let r = try request(port, "POST", "/", headers: formType, body: "hello=world")
            #expect(r.status == 400)
            #expect(r.text.hasPrefix("bad push: "))
            #expect(!r.text.dropLast().contains("\n"))
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            var batch = ""
            for i in 0..<20 { batch += "GET \(i % 2 == 0 ? "/healthz" : "/missing") HTTP/1.1\r\nHost: x\r\n\r\n" }
            try client.send(batch)
            for i in 0..<20 {
                let r = try client.readResponse()
                #expect(r.status == (i % 2 == 0 ? 200 : 404), "response \(i)")
            }
        }
    }

    @Test func chunkedBodiesAreAccepted() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            try client.send(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
            #expect(try client.readResponse().status == 415)
            // The connection is still usable: the chunked body was consumed exactly.
            try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse().status == 200)
        }
    }

    @Test func http10AndConnectionCloseEndTheConnection() throws {
        try withServer { _, port in
            let old = try TestClient(port: port)
            try old.send("GET /healthz HTTP/1.0\r\n\r\n")
            let r = try old.readResponse()
            #expect(r.status == 200)
            #expect(r.header("Connection") == "close")
            #expect(try old.isClosedByServer())

            let oldKeepAlive = try TestClient(port: port)
            for _ in 0..<2 {
                try oldKeepAlive.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let answer = try oldKeepAlive.readResponse()
                #expect(answer.status == 200)
                #expect(answer.header("Connection") == "keep-alive")
            }

            let closing = try TestClient(port: port)
            try closing.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try closing.readResponse().status == 200)
            #expect(try closing.isClosedByServer())
        }
    }

    @Test func headRequestsGetHeadersOnly() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            try client.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = try client.readResponse(head: true)
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "3")
            let get = try client.readResponse()
            #expect(get.text == "ok\n")
        }
    }

    @Test func oversizedRequestsAreRefusedAndClosed() throws {
        try withServer({
            $0.limits.maxBodyBytes = 100
            $0.limits.maxHeaderBytes = 512
        }) { _, port in
            let big = try TestClient(port: port)
            try big.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 101\r\n\r\n")
            let r413 = try big.readResponse()
            #expect(r413.status == 413)
            #expect(r413.header("Connection") == "close")
            #expect(try big.isClosedByServer())

            let longHead = try TestClient(port: port)
            try longHead.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + String(repeating: "p", count: 600) + "\r\n\r\n")
            #expect(try longHead.readResponse().status == 431)
            #expect(try longHead.isClosedByServer())
        }
    }

    @Test func garbageIs400AndTheServerStaysUp() throws {
        try withServer { _, port in
            let inputs: [[UInt8]] = [
                Array("\u{0}\u{1}\u{2}\r\n\r\n".utf8),
                Array("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n".utf8),
                [0xFF, 0xFE, 0x0D, 0x0A, 0x0D, 0x0A],
                Array("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nnothex\r\n".utf8),
            ]
            for input in inputs {
                let client = try TestClient(port: port)
                try client.send(input)
                let r = try client.readResponse()
                #expect(r.status == 400)
                #expect(try client.isClosedByServer())
            }
            #expect(try request(port, "GET", "/healthz").status == 200)
        }
    }

    @Test func slowRequestsAreCutOff() throws {
        try withServer({ $0.limits.requestTimeout = .milliseconds(150) }) { _, port in
            let slow = try TestClient(port: port)
            try slow.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
            let r = try slow.readResponse()
            #expect(r.status == 408)
            #expect(try slow.isClosedByServer())
        }
    }

    @Test func idleKeepAliveConnectionsAreClosed() throws {
        try withServer({ $0.limits.idleTimeout = .milliseconds(150) }) { _, port in
            let idle = try TestClient(port: port)
            try idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try idle.readResponse().status == 200)
            #expect(try idle.isClosedByServer())
        }
    }

    @Test func connectionsBeyondTheLimitGet503() throws {
        try withServer({
            $0.limits.maxConnections = 2
            $0.loopCount = 1
        }) { _, port in
            let first = try TestClient(port: port)
            let second = try TestClient(port: port)
            try first.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try first.readResponse().status == 200)
            try second.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try second.readResponse().status == 200)
            let third = try TestClient(port: port)
            #expect(try third.readResponse().status == 503)
            #expect(try third.isClosedByServer())
        }
    }

    @Test func metricsAreInPrometheusTextFormat() throws {
        try withServer { _, port in
            _ = try request(port, "GET", "/healthz")
            _ = try request(port, "POST", "/", headers: ["Content-Type": "text/plain"], body: "x")
            let r = try request(port, "GET", "/metrics")
            #expect(r.status == 200)
            #expect(r.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = r.text
            for family in [
                "touchtone_sessions_live", "touchtone_events_total", "touchtone_answers_total", "touchtone_refused_total",
                "touchtone_sessions_expired_total", "touchtone_auth_failures_total", "touchtone_push_duration_seconds",
            ] {
                #expect(text.contains("# TYPE \(family) "), "\(family)")
            }
            #expect(text.contains("touchtone_refused_total{reason=\"content_type\"} 1"))
            #expect(text.contains("touchtone_push_duration_seconds_bucket{le=\"+Inf\"}"))
        }
    }
}

@Suite("Timeouts that need care")
struct TimeoutEdgeTests {
    @Test func aSilentNewConnectionGetsTheRequestTimeoutNotTheIdleOne() throws {
        try withServer({
            $0.limits.requestTimeout = .milliseconds(100)
            $0.limits.idleTimeout = .seconds(60)
        }) { _, port in
            let silent = try TestClient(port: port)
            #expect(try silent.isClosedByServer())
        }
    }

    @Test func aBusyPipeliningClientIsNotCutOff() throws {
        try withServer({
            $0.limits.requestTimeout = .milliseconds(100)
            $0.loopCount = 1
        }) { _, port in
            let client = try TestClient(port: port)
            let started = ContinuousClock.now
            var sent = 0
            // Keep a partial request in the buffer at all times for longer than the request timeout.
            try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /heal")
            while ContinuousClock.now - started < .milliseconds(400) {
                try client.send("thz HTTP/1.1\r\nHost: x\r\n\r\nGET /heal")
                #expect(try client.readResponse().status == 200)
                sent += 1
                if sent > 100_000 { break }
            }
            try client.send("thz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse().status == 200)
            #expect(try client.readResponse().status == 200)
        }
    }
}

@Suite("Starting")
struct StartTests {
    @Test func aSecondServerOnTheSamePortFailsInsteadOfSharingIt() throws {
        try withServer { _, port in
            var configuration = ServerConfiguration()
            configuration.port = port
            configuration.loopCount = 2
            let second = FlowServer(configuration: configuration, engine: try makeEngine(), logger: LogCapture().logger())
            #expect {
                try second.start()
            } throws: { error in
                "\(error)".contains("cannot listen on 127.0.0.1:\(port)") && "\(error)".contains("in use")
            }
        }
    }

    @Test func startingTwiceIsRefused() throws {
        try withServer { server, _ in
            #expect(throws: ServerError.self) { try server.start() }
        }
    }
}

@Suite("Stopping early")
struct EarlyStopTests {
    @Test func aShutdownBeforeStartStopsTheServerRightAfterStarting() throws {
        var configuration = ServerConfiguration()
        configuration.port = 0
        let server = FlowServer(configuration: configuration, engine: try makeEngine(), logger: LogCapture().logger())
        server.shutdown()
        let port = try server.start()
        server.waitUntilStopped()
        #expect(throws: (any Error).self) { try TestClient(port: port) }
    }

    @Test func waitingForAServerThatNeverStartedReturnsAtOnce() throws {
        let server = FlowServer(configuration: ServerConfiguration(), engine: try makeEngine(), logger: LogCapture().logger())
        server.waitUntilStopped()
        #expect(server.port == nil)
    }
}
