import Testing
import Touchtone

@testable import TouchtoneServer

@Suite("Signed pushes over HTTP")
struct SignedPushTests {
    static func verifier() throws -> SignatureVerifier {
        let key = try RSAPublicKey(pem: SignatureCheck.sipgatePushKeyPEM)
        return { body, signature in SignatureCheck.verify(body: body, signatureBase64: signature, key: key) }
    }

    static func send(_ port: Int, body: [UInt8], signature: String?) throws -> ClientResponse {
        let client = try TestClient(port: port)
        var head =
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded; charset=UTF-8\r\nContent-Length: \(body.count)\r\n"
        if let signature { head += "X-Sipgate-Signature: \(signature)\r\n" }
        try client.send(Array((head + "\r\n").utf8) + body)
        return try client.readResponse()
    }

    @Test func sipgatesRealSignatureIsAcceptedAndATamperedBodyIsNot() throws {
        let signed = try Fixture.bytes("signed-body.txt")
        let tampered = try Fixture.bytes("tampered-body.txt")
        let signature = try Fixture.text("signature.b64").split(whereSeparator: \.isWhitespace).joined()
        let verifier = try Self.verifier()
        try withServer({ $0.signatureVerifier = verifier }) { _, port in
            // The signature passes; the engine then judges the body (this push has an empty callId).
            let accepted = try Self.send(port, body: signed, signature: signature)
            #expect(accepted.status != 403)
            #expect(accepted.status != 401)
            let refused = try Self.send(port, body: tampered, signature: signature)
            #expect(refused.status == 403)
            #expect(refused.text == "X-Sipgate-Signature does not match the body\n")
            let missing = try Self.send(port, body: signed, signature: nil)
            #expect(missing.status == 403)
            let garbage = try Self.send(port, body: signed, signature: "!!!not base64!!!")
            #expect(garbage.status == 403)
        }
    }
}
