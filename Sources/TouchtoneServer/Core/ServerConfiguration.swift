import FoundationEssentials
import Touchtone

/// Limits and timeouts that bound what one client can make the server hold or wait for.
public struct ServerLimits: Sendable, Hashable {
    /// Bytes of request line plus header fields (beyond: 431).
    public var maxHeaderBytes: Int = 8 * 1024
    /// Number of header fields (beyond: 431).
    public var maxHeaderCount: Int = 64
    /// Bytes of a request body (beyond: 413). sipgate pushes are well under 2 KB.
    public var maxBodyBytes: Int = 16 * 1024
    /// Open connections over all loops; more are answered 503 and closed.
    public var maxConnections: Int = 10_000
    /// Time from a request's first byte to its last; a slower client is answered 408 and closed.
    public var requestTimeout: Duration = .seconds(10)
    /// Time a keep-alive connection may sit idle between requests.
    public var idleTimeout: Duration = .seconds(60)
    /// Time a stopping server gives requests in flight before closing their connections.
    public var shutdownGrace: Duration = .seconds(10)
    /// After an answer that ends a connection because its request could not be read (400,
    /// 408, 413, 417, 431, 501, 505), the server shuts its sending side and reads and drops
    /// what the client still sends (RFC 9112 9.6, nginx's lingering close), so that the
    /// client reads the answer instead of a reset. This bounds that in all: nginx's `lingering_time`.
    public var lingerTime: Duration = .seconds(5)
    /// ... and this bounds the wait for the client's next bytes: nginx's `lingering_timeout`.
    public var lingerTimeout: Duration = .seconds(1)
    /// ... and this bounds the bytes read and dropped (beyond: closed at once). A zero for
    /// any of the three ends the lingering at once.
    public var lingerBytes: Int = 4 * 1024 * 1024

    /// The defaults above.
    public init() {}

    var parserLimits: HTTPParserLimits {
        HTTPParserLimits(maxHeaderBytes: maxHeaderBytes, maxHeaderCount: maxHeaderCount, maxBodyBytes: maxBodyBytes)
    }
}

/// User name and password sipgate must send (as `https://user:password@host/` in its settings).
public struct BasicCredentials: Sendable, Hashable, CustomStringConvertible {
    /// The user name (no `:`).
    public var user: String
    /// The password (may contain `:`).
    public var password: String

    /// Credentials of `user` and `password`.
    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// Parses `USER:PASSWORD` (the password may contain `:`; the user may not be empty).
    public init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else { return nil }
        self.init(user: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
    }

    /// The user name only: credentials never reach a log.
    public var description: String { "\(user):****" }

    /// The token after `Basic ` in an `Authorization` field.
    var token: [UInt8] { Array(Base64.encode(Array("\(user):\(password)".utf8)).utf8) }
}

/// Checks an `X-Sipgate-Signature` value (base64) against the raw body; true when valid.
public typealias SignatureVerifier = @Sendable (_ body: [UInt8], _ signatureBase64: String) -> Bool

/// Everything a ``FlowServer`` needs besides the engine.
public struct ServerConfiguration: Sendable {
    /// Address to listen on: `127.0.0.1`, `0.0.0.0`, `::` or a name.
    public var host: String = "127.0.0.1"
    /// TCP port; 0 picks a free one (see ``FlowServer/start()``).
    public var port: Int = 3000
    /// Event loops (threads), each with its own listener; 0 means ``FlowServer/defaultLoopCount(cores:)``.
    public var loopCount: Int = 0
    /// Sizes and timeouts.
    public var limits = ServerLimits()
    /// When set, every push and `/metrics` needs these credentials (non-preemptive Basic challenge).
    public var basicAuth: BasicCredentials?
    /// When set, every push must carry a valid `X-Sipgate-Signature`.
    public var signatureVerifier: SignatureVerifier?
    /// When not empty, only these source addresses may push (and read `/metrics`).
    public var allowedAddresses: [AddressRange] = []
    /// Peers whose `X-Forwarded-For` is believed.
    public var trustedProxies: [AddressRange] = []
    /// Extra paths that accept pushes besides `/` (the path of the public URL, if any).
    public var webhookPaths: [String] = []
    /// Sessions are saved here on shutdown and restored on start (the memory store only).
    public var stateFile: String?
    /// Where sessions live: in this process (default) or in Redis, shared by every instance.
    package var sessionStore: SessionStoreChoice = .memory
    /// What the event loops wait with: epoll on Linux, `poll(2)` elsewhere, unless
    /// `TOUCHTONE_EVENT_BACKEND` says otherwise (`--event-backend`).
    public var eventBackend: EventBackend = .standard(environment: ProcessInfo.processInfo.environment)
    /// How often idle sessions are swept (each sweep looks at a slice of the store).
    public var sweepInterval: Duration = .milliseconds(250)

    /// The defaults: 127.0.0.1:3000, one loop per core, no authentication.
    public init() {}
}
