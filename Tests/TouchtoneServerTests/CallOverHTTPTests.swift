import FoundationEssentials
import Testing
import Touchtone

@testable import TouchtoneServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// The curl bodies of API.md, as sipgate (and the README) send them.
let newCallBody = "event=newCall&from=492111234567&to=4915791234567&direction=in&callId=123456&user[]=Alice&user[]=Bob"
let answerBody = "event=answer&callId=123456&user=John+Doe&from=492111234567&to=4915791234567&direction=in&answeringNumber=21199999999"
let hangupBody =
    "event=hangup&cause=normalClearing&callId=123456&from=492111234567&to=4915791234567&direction=in&answeringNumber=4921199999999"
func dtmfBody(_ digits: String, callId: String = "123456") -> String { "event=dtmf&dtmf=\(digits)&callId=\(callId)" }

func post(_ client: TestClient, _ body: String, headers: String = "") throws -> ClientResponse {
    try client.send(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    )
    return try client.readResponse()
}

@Suite("A whole call over HTTP")
struct CallOverHTTPTests {
    @Test func newCallDtmfHangup() throws {
        let logs = LogCapture()
        try withServer(logs: logs) { server, port in
            let client = try TestClient(port: port)
            let menu = try post(client, newCallBody)
            #expect(menu.status == 200)
            #expect(menu.header("Content-Type") == "application/xml; charset=utf-8")
            #expect(menu.text.contains("<Gather"))
            #expect(menu.text.contains("http://127.0.0.1:3000/audio/menu.wav"))
            #expect(server.engine.store.count == 1)

            #expect(try post(client, answerBody).status == 200)
            let transfer = try post(client, dtmfBody("1"))
            #expect(transfer.status == 200)
            #expect(transfer.text.contains("<Dial"))
            #expect(transfer.text.contains("4915799912345"))

            let end = try post(client, hangupBody)
            #expect(end.status == 200)
            #expect(end.text.contains("<Response"))
            #expect(server.engine.store.count == 0)
        }
        server_logs: do {
            let text = logs.text
            #expect(text.contains("callId=123456 event=newCall flow=line"))
            #expect(text.contains("verb=gather"))
            #expect(text.contains("verb=dial"))
        }
    }

    @Test func anAsyncStepAnswersWithoutHoldingTheLoop() async throws {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.loopCount = 1
        let server = FlowServer(configuration: configuration, engine: try makeEngine(), logger: LogCapture().logger())
        let port = try server.start()
        // The client blocks on its own thread: the look-up runs on Swift's cooperative pool.
        let (first, during, answer, behind) = try await offThePool {
            // Generous: CPU-heavy tests elsewhere in the run can hold the cooperative pool
            // (where the look-up runs) for seconds.
            let caller = try TestClient(port: port, timeoutMilliseconds: 30_000)
            let first = try post(caller, newCallBody)
            // Key 3 starts a look-up that waits for the gate; a request pipelined behind it
            // is answered after it, in order.
            let body = dtmfBody("3")
            try caller.send(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                    + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            // While the look-up waits, the one loop serves other connections.
            let during = try labelled("request during the look-up") { try request(port, "GET", "/healthz") }
            lookupGate.open()
            let answer = try labelled("answer of the look-up") { try caller.readResponse() }
            let behind = try labelled("answer behind the look-up") { try caller.readResponse() }
            return (first.status, during.status, answer, behind)
        }
        await server.shutdownAndWait()
        #expect(first == 200)
        #expect(during == 200)
        #expect(answer.status == 200)
        // The look-up's result, or its fallback if a starved pool let the deadline pass first.
        #expect(answer.text.contains("<Dial") || answer.text.contains("<Hangup"))
        #expect(behind.text == "ok\n")
    }

    @Test func pipelinedPushesOfOneCallAreAnsweredInOrder() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            var batch = ""
            for body in [newCallBody, dtmfBody("1"), hangupBody] {
                batch +=
                    "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            }
            try client.send(batch)
            #expect(try client.readResponse().text.contains("<Gather"))
            #expect(try client.readResponse().text.contains("<Dial"))
            #expect(try client.readResponse().status == 200)
        }
    }

    @Test func badInputOnOneCallNeverCostsAnotherCallItsSession() throws {
        try withServer { server, port in
            let good = try TestClient(port: port)
            #expect(try post(good, newCallBody).status == 200)
            let hostile: [String] = [
                "GET / HTTP/1.1\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nevent=x",
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 20\r\n\r\ncallId=123456&event=",
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n",
                "\u{1}\u{2}\u{3}\r\n\r\n",
            ]
            for text in hostile {
                let bad = try TestClient(port: port)
                try bad.send(text)
                #expect(try bad.readResponse().status >= 400)
            }
            #expect(server.engine.store.count == 1)
            #expect(try post(good, dtmfBody("1")).text.contains("<Dial"))
        }
    }
}

@Suite("Access control")
struct AccessControlTests {
    static let credentials = "Basic " + Base64.encode(Array("sipgate:s3cret:x".utf8))

    @Test func basicAuthChallengesFirstLikeSipgateExpects() throws {
        try withServer({ $0.basicAuth = BasicCredentials("sipgate:s3cret:x") }) { _, port in
            let client = try TestClient(port: port)
            let challenge = try post(client, newCallBody)
            #expect(challenge.status == 401)
            #expect(challenge.header("WWW-Authenticate")?.hasPrefix("Basic realm=\"touchtone\"") == true)
            let wrong = try post(
                client, newCallBody, headers: "Authorization: Basic " + Base64.encode(Array("sipgate:wrong".utf8)) + "\r\n")
            #expect(wrong.status == 401)
            #expect(wrong.header("WWW-Authenticate") != nil)
            let garbage = try post(client, newCallBody, headers: "Authorization: Bearer abc\r\n")
            #expect(garbage.status == 401)
            let right = try post(client, newCallBody, headers: "Authorization: \(Self.credentials)\r\n")
            #expect(right.status == 200)
            // Metrics are protected too; health checks are not.
            #expect(try request(port, "GET", "/metrics").status == 401)
            #expect(
                try request(port, "GET", "/metrics", headers: ["Authorization": Self.credentials]).text.contains(
                    "touchtone_auth_failures_total 4"))
            #expect(try request(port, "GET", "/healthz").status == 200)
        }
    }

    @Test func credentialsParseAndNeverPrint() {
        #expect(BasicCredentials("a:b:c") == BasicCredentials(user: "a", password: "b:c"))
        #expect(BasicCredentials(":b") == nil)
        #expect(BasicCredentials("nocolon") == nil)
        #expect("\(BasicCredentials(user: "a", password: "secret"))" == "a:****")
    }

    @Test func signaturesAreCheckedOverTheRawBody() throws {
        let expectedBody = Array(newCallBody.utf8)
        try withServer({ $0.signatureVerifier = { body, signature in body == expectedBody && signature == "good" } }) { _, port in
            let client = try TestClient(port: port)
            let missing = try post(client, newCallBody)
            #expect(missing.status == 403)
            #expect(missing.text.contains("X-Sipgate-Signature missing"))
            let bad = try post(client, newCallBody, headers: "X-Sipgate-Signature: bad\r\n")
            #expect(bad.status == 403)
            let good = try post(client, newCallBody, headers: "X-Sipgate-Signature: good\r\n")
            #expect(good.status == 200)
        }
    }

    @Test func allowListUsesForwardedForOnlyFromTrustedProxies() throws {
        try withServer({
            $0.allowedAddresses = [AddressRange("217.116.118.254")!, AddressRange("212.9.46.0/24")!]
        }) { _, port in
            let direct = try request(
                port, "POST", "/", headers: formType.merging(["X-Forwarded-For": "217.116.118.254"]) { a, _ in a }, body: newCallBody)
            #expect(direct.status == 403)
        }
        try withServer({
            $0.allowedAddresses = [AddressRange("217.116.118.254")!, AddressRange("212.9.46.0/24")!]
            $0.trustedProxies = [AddressRange("127.0.0.1")!]
        }) { _, port in
            let viaProxy = try request(
                port, "POST", "/", headers: formType.merging(["X-Forwarded-For": "6.6.6.6, 212.9.46.32"]) { a, _ in a }, body: newCallBody)
            #expect(viaProxy.status == 200)
            let forged = try request(
                port, "POST", "/", headers: formType.merging(["X-Forwarded-For": "217.116.118.254, 6.6.6.6"]) { a, _ in a },
                body: newCallBody)
            #expect(forged.status == 403)
        }
    }

    @Test func addressRangesMatchIPv4AndIPv6() throws {
        let v4 = try #require(AddressRange("10.1.0.0/16"))
        #expect(v4.contains(try #require(IPAddress("10.1.200.3"))))
        #expect(!v4.contains(try #require(IPAddress("10.2.0.1"))))
        let v6 = try #require(AddressRange("2001:db8::/32"))
        #expect(v6.contains(try #require(IPAddress("2001:db8:1::5"))))
        #expect(!v6.contains(try #require(IPAddress("2001:db9::1"))))
        #expect(AddressRange("10.0.0.0/33") == nil)
        #expect(AddressRange("nonsense") == nil)
        #expect(AddressRange("10.0.0.1/") == nil)
        #expect(IPAddress("127.0.0.1")?.description == "127.0.0.1")
    }
}

@Suite("Audio")
struct AudioServingTests {
    static func folder() throws -> String {
        var template = Array("/tmp/touchtone-audio-XXXXXX".utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw ClientError(description: "mkdtemp")
        }
        let path = String(cString: dir)
        let wav: [UInt8] = Array("RIFF....WAVEfmt ".utf8) + [UInt8](repeating: 7, count: 100)
        let fd = open(path + "/menu.wav", O_WRONLY | O_CREAT, 0o600)
        _ = wav.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let secret = open(path + "/secret.txt", O_WRONLY | O_CREAT, 0o600)
        close(secret)
        return path
    }

    @Test func servesWavsWithETagsAndHead() throws {
        let audio = AudioLibrary(directory: try Self.folder())
        try withServer(audio: audio) { _, port in
            let r = try request(port, "GET", "/audio/menu.wav")
            #expect(r.status == 200)
            #expect(r.header("Content-Type") == "audio/wav")
            #expect(r.header("Content-Length") == "116")
            #expect(r.body.count == 116)
            let etag = try #require(r.header("ETag"))
            let cached = try request(port, "GET", "/audio/menu.wav", headers: ["If-None-Match": etag])
            #expect(cached.status == 304)
            #expect(cached.body.isEmpty)
            let changed = try request(port, "GET", "/audio/menu.wav", headers: ["If-None-Match": "\"other\""])
            #expect(changed.status == 200)
            let head = try request(port, "HEAD", "/audio/menu.wav")
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "116")
            #expect(try request(port, "DELETE", "/audio/menu.wav").status == 405)
        }
    }

    @Test(arguments: [
        "/audio/../menu.wav", "/audio/%2e%2e%2fmenu.wav", "/audio/a%2Fmenu.wav", "/audio/sub/menu.wav",
        "/audio/.menu.wav", "/audio/secret.txt", "/audio/menu.wav%00", "/audio/nothere.wav", "/audio/",
        "/audio/..%2F..%2Fetc%2Fpasswd.wav",
    ])
    func nothingOutsideTheFolderIsServed(path: String) throws {
        let audio = AudioLibrary(directory: try Self.folder())
        try withServer(audio: audio) { _, port in
            let status = try request(port, "GET", path).status
            #expect(status == 404)
        }
    }

    @Test func namesAreCheckedStrictly() {
        #expect(AudioLibrary.isServableName("main-menu_2.wav"))
        #expect(!AudioLibrary.isServableName("../x.wav"))
        #expect(!AudioLibrary.isServableName("x.WAV"))
        #expect(!AudioLibrary.isServableName(".wav"))
        #expect(!AudioLibrary.isServableName("a b.wav"))
    }
}

@Suite("Shutdown and restore")
struct ShutdownTests {
    @Test func finishesInFlightRequestsSavesAndRestoresSessions() throws {
        let path = "/tmp/touchtone-state-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).jsonl"
        defer {
            unlink(path)
            unlink(path + ".restored")
        }
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.loopCount = 2
        configuration.stateFile = path
        let first = FlowServer(configuration: configuration, engine: try makeEngine(), logger: LogCapture().logger())
        let port = try first.start()
        let client = try TestClient(port: port)
        #expect(try post(client, newCallBody).status == 200)
        // A request half-sent when shutdown starts is still answered, then the connection closes.
        let body = dtmfBody("9")
        try client.send(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
        first.shutdown()
        try client.send(body)
        let answer = try client.readResponse()
        #expect(answer.status == 200)
        #expect(answer.header("Connection") == "close")
        #expect(try client.isClosedByServer())
        first.waitUntilStopped()
        #expect(throws: (any Error).self) { try TestClient(port: port) }

        let second = FlowServer(configuration: configuration, engine: try makeEngine(), logger: LogCapture().logger())
        let port2 = try second.start()
        defer {
            second.shutdown()
            second.waitUntilStopped()
        }
        #expect(second.restoredSessions == 1)
        // Restored sessions live in the process now: a crash before the next save must not
        // bring the old snapshot back, so the file was moved aside.
        #expect(access(path, F_OK) != 0)
        #expect(access(path + ".restored", F_OK) == 0)
        let again = try TestClient(port: port2)
        #expect(try post(again, dtmfBody("1")).text.contains("<Dial"))
    }

    @Test func anUnreadableStateFileStopsTheStart() throws {
        let path = "/tmp/touchtone-bad-state-\(getpid()).jsonl"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = Array("not a session file\n".utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        defer { unlink(path) }
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.stateFile = path
        let server = FlowServer(configuration: configuration, engine: try makeEngine(), logger: LogCapture().logger())
        #expect(throws: ServerError.self) { try server.start() }
    }
}

@Suite("In flight at shutdown")
struct InFlightShutdownTests {
    @Test func aLookUpRunningAtShutdownIsStillAnswered() async throws {
        let gate = Gate()
        enum Hold: String, FlowState { case menu, hold, done }
        let flow = Flow("hold", version: 1, states: Hold.self, start: .menu) {
            Menu(.menu, prompt: "menu") {
                Key("1", .go(.hold))
                NoInput(play: "menu")
                WrongKey(play: "menu")
            }
            Lookup(.hold, outcomes: Finished.self, deadline: .seconds(8), fallback: .hangup) { _ in
                await gate.wait()
                return .init(.done)
            } then: { _ in
                .go(.done)
            }
            Announce(.done, play: "goodbye", then: .transfer(to: "4915799912345"))
        }
        let engine = try Engine(
            routes: RoutingTable { Route.default(flow) }, store: InMemorySessionStore(),
            settings: EngineSettings(publicURL: try AbsoluteURL("http://127.0.0.1:3000/")))
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.loopCount = 1
        // The look-up runs on Swift's cooperative pool, which CPU-heavy tests elsewhere in a
        // full run can hold for many seconds: give it far more than it needs.
        configuration.limits.shutdownGrace = .seconds(120)
        let server = FlowServer(configuration: configuration, engine: engine, logger: LogCapture().logger())
        let port = try server.start()
        let (answer, closed, stopped) = try await offThePool {
            let caller = try TestClient(port: port, timeoutMilliseconds: 120_000)
            _ = try post(caller, newCallBody)
            let body = dtmfBody("1")
            try caller.send(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            )
            // Let the loop take the request before stopping: a health check on the same loop
            // is answered only after the dtmf was read (both arrive on one loop, in order).
            _ = try request(port, "GET", "/healthz")
            server.shutdown()
            gate.open()
            let answer = try labelled("answer after shutdown") { try caller.readResponse() }
            let closed = try caller.isClosedByServer()
            server.waitUntilStopped()
            return (answer, closed, true)
        }
        #expect(answer.status == 200)
        // The look-up's result, or its fallback if a starved pool let the deadline pass first.
        #expect(answer.text.contains("<Dial") || answer.text.contains("<Hangup"))
        #expect(answer.header("Connection") == "close")
        #expect(closed)
        #expect(stopped)
    }

    @Test func expectContinueGetsTheInterimAnswer() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            try client.send(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\nContent-Length: \(newCallBody.utf8.count)\r\n\r\n"
            )
            let interim = try client.readInterim()
            #expect(interim == "HTTP/1.1 100 Continue")
            try client.send(newCallBody)
            #expect(try client.readResponse().status == 200)
        }
    }
}

@Suite("Composed prompts are bounded")
struct ComposedAudioBoundTests {
    @Test func aJoinLargerThanTheBoundIsNotBuilt() throws {
        let audioDirectory = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/") + "/Audio"
        let library = AudioLibrary(directory: audioDirectory)
        let piece = try #require(library.file(named: "digit-1.wav"))
        let samples = try WAVFormat(bytes: piece.bytes).dataBytes
        let composed = ComposedAudio(library: library, maxComposedBytes: samples * 3)
        #expect(composed.file(named: "digit-1,digit-1,digit-1.wav") != nil)
        #expect(composed.file(named: "digit-1,digit-1,digit-1,digit-1.wav") == nil)
    }
}
