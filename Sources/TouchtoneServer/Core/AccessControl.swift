import Touchtone

/// The checks a push passes before the engine sees it: source address, Basic credentials, signature.
struct AccessControl: Sendable {
    let basicToken: [UInt8]?
    let verifier: SignatureVerifier?
    let allowed: [AddressRange]
    let trustedProxies: [AddressRange]

    static let challengeHeader = (name: "WWW-Authenticate", value: "Basic realm=\"touchtone\", charset=\"UTF-8\"")

    init(configuration: ServerConfiguration) {
        basicToken = configuration.basicAuth?.token
        verifier = configuration.signatureVerifier
        allowed = configuration.allowedAddresses
        trustedProxies = configuration.trustedProxies
    }

    /// The client's address: the peer, or from a trusted proxy the last `X-Forwarded-For`
    /// entry that is not itself a trusted proxy (entries left of it could be forged).
    func clientAddress(peer: IPAddress, headers: HTTPHeaders) -> IPAddress {
        guard !trustedProxies.isEmpty, trustedProxies.contains(where: { $0.contains(peer) }) else { return peer }
        let hops = headers.values("x-forwarded-for").flatMap { $0.split(separator: ",") }
        for hop in hops.reversed() {
            guard let address = IPAddress(String(hop.trimmingSpaces)) else { return peer }
            if !trustedProxies.contains(where: { $0.contains(address) }) { return address }
        }
        return peer
    }

    /// True when the allow list is empty or holds `client`.
    func isAllowed(_ client: IPAddress) -> Bool {
        allowed.isEmpty || allowed.contains { $0.contains(client) }
    }

    enum AuthResult { case ok, missing, wrong }

    /// Checks `Authorization: Basic ...` in constant time.
    func checkBasic(_ headers: HTTPHeaders) -> AuthResult {
        guard let expected = basicToken else { return .ok }
        guard let value = headers["authorization"] else { return .missing }
        let utf8 = Array(value.utf8)
        guard utf8.count > 6, utf8.withUnsafeBufferPointer({ ASCII.equalsIgnoringCase(UnsafeBufferPointer(rebasing: $0[0..<6]), "basic ") })
        else { return .wrong }
        var token = utf8[6...]
        while token.first == UInt8(ascii: " ") { token = token.dropFirst() }
        return constantTimeEquals(token, expected) ? .ok : .wrong
    }

    enum SignatureResult { case ok, missing, invalid }

    func checkSignature(_ request: HTTPRequest) -> SignatureResult {
        guard let verifier else { return .ok }
        guard let signature = request.headers["x-sipgate-signature"], !signature.isEmpty else { return .missing }
        guard signature.utf8.count <= 4096 else { return .invalid }
        return verifier(request.body, signature) ? .ok : .invalid
    }
}
