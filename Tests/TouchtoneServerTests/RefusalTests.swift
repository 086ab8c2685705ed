import Testing

@testable import TouchtoneServer

@Suite("Refusals")
struct RefusalTests {
    /// The labels are part of `/metrics` (dashboards and alerts name them): they must not change.
    @Test func everyRefusalHasItsStatusLabelAndPolicies() {
        let table: [(Refusal, Int, String, logged: Bool, auth: Bool)] = [
            (.badRequest, 400, "bad_request", true, false),
            (.contentTooLarge, 413, "body_too_large", true, false),
            (.expectationFailed, 417, "expectation", true, false),
            (.headersTooLarge, 431, "headers_too_large", true, false),
            (.transferEncoding, 501, "transfer_encoding", true, false),
            (.httpVersion, 505, "http_version", true, false),
            (.requestTimeout, 408, "request_timeout", false, false),
            (.tooManyConnections, 503, "connections", false, false),
            (.method, 405, "method", true, false),
            (.notFound, 404, "not_found", false, false),
            (.audioName, 404, "audio_name", true, false),
            (.address, 403, "address", true, false),
            (.authMissing, 401, "auth_missing", true, true),
            (.authWrong, 401, "auth_wrong", true, true),
            (.contentType, 415, "content_type", true, false),
            (.signatureMissing, 403, "signature_missing", true, true),
            (.signatureInvalid, 403, "signature_invalid", true, true),
            (.badPush, 400, "bad_push", true, false),
        ]
        #expect(table.count == Refusal.allCases.count)
        for (refusal, status, label, logged, auth) in table {
            #expect(refusal.status.code == status, "\(refusal)")
            #expect(refusal.label == label, "\(refusal)")
            #expect(refusal.isLogged == logged, "\(refusal)")
            #expect(refusal.isAuthFailure == auth, "\(refusal)")
        }
    }

    @Test func aRefusalsAnswerIsItsStatusAndOneLine() {
        let answer = Answer.refusal(.authMissing, "credentials required", headers: [("WWW-Authenticate", "Basic realm=\"x\"")])
        #expect(answer.response.status == .unauthorized)
        #expect(answer.response.body == Array("credentials required\n".utf8))
        #expect(answer.response.header("WWW-Authenticate") == "Basic realm=\"x\"")
        guard case .refused(.authMissing, "credentials required") = answer.kind else {
            Issue.record("not a refusal")
            return
        }
    }

    @Test func answersAreCountedOnce() {
        var stats = ServerStats()
        stats.count(.refusal(.authWrong, "wrong credentials"), microseconds: 0)
        stats.count(.refusal(.notFound, "no such resource"), microseconds: 0)
        stats.count(.served(.text(.ok, "ok")), microseconds: 0)
        #expect(stats.requests == 3)
        #expect(stats.refusedByReason == [.authWrong: 1, .notFound: 1])
        #expect(stats.authFailures == 1)
        #expect(stats.latencyCount == 0)
    }

    /// `touchtone_http_requests_total` counts requests read, as before: not a connection
    /// refused before reading anything, nor a request that never arrived whole.
    @Test func refusalsWithoutARequestAreNotCountedAsRequests() {
        var stats = ServerStats()
        stats.count(.refusal(.tooManyConnections, "too many connections"), microseconds: 0)
        stats.count(.refusal(.requestTimeout, "request not received in time"), microseconds: 0)
        stats.count(.refusal(.contentTooLarge, "body longer than 16384 bytes"), microseconds: 0)
        #expect(stats.requests == 1)
        #expect(stats.refusedByReason == [.tooManyConnections: 1, .requestTimeout: 1, .contentTooLarge: 1])
    }

    /// A bad push's answer tells the sender what was wrong with its value; the log names
    /// only the field, so keys typed during a PIN entry never reach it.
    @Test func aBadPushIsLoggedWithoutItsValue() throws {
        let router = RequestRouter(engine: try makeEngine(), audio: AudioLibrary(directory: nil), configuration: ServerConfiguration()) {
            ""
        }
        let request = HTTPRequest(
            method: "POST", target: "/", headers: HTTPHeaders([("Content-Type", "application/x-www-form-urlencoded")]),
            body: Array("event=dtmf&callId=1&dtmf=12x4".utf8))
        guard case .answer(let answer) = router.route(request, peer: IPAddress(bytes: [UInt8](repeating: 0, count: 16))) else {
            Issue.record("expected an answer")
            return
        }
        #expect(String(decoding: answer.response.body, as: UTF8.self).contains("\"12x4\""))
        guard case .refused(.badPush, let logged) = answer.kind else {
            Issue.record("not a bad push")
            return
        }
        #expect(logged == "bad push: dtmf")
    }
}
