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
        guard case .refused(.authMissing, "credentials required") = answer.kind else { Issue.record("not a refusal"); return }
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
}
