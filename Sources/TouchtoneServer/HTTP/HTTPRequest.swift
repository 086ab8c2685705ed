import Touchtone

/// An HTTP/1.x request as the server received it: head parsed, body complete (de-chunked).
struct HTTPRequest: Sendable, Hashable {
    /// The method token as sent (methods are case-sensitive: `get` is not `GET`).
    var method: String
    /// The request target as sent, e.g. `/audio/menu.wav?x=1`.
    var target: String
    /// ``target`` without its query, e.g. `/audio/menu.wav`.
    var path: String
    /// `HTTP/1.1` gives 1, `HTTP/1.0` gives 0.
    var minorVersion: Int
    /// The header fields in order, names lowercased.
    var headers: HTTPHeaders
    /// The body bytes (empty without `Content-Length` or chunked encoding).
    var body: [UInt8]
    /// Whether the connection stays open after the response (HTTP/1.1 unless
    /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`).
    var keepAlive: Bool

    init(
        method: String, target: String, minorVersion: Int = 1, headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [], keepAlive: Bool = true
    ) {
        self.method = method
        self.target = target
        if let q = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            self.path = String(target[..<q])
        } else {
            self.path = target
        }
        self.minorVersion = minorVersion
        self.headers = headers
        self.body = body
        self.keepAlive = keepAlive
    }
}

/// Header fields in arrival order; names are stored lowercased and looked up case-insensitively.
struct HTTPHeaders: Sendable, Hashable, Sequence {
    struct Field: Sendable, Hashable {
        /// Lowercased name.
        var name: String
        var value: String
    }

    private var fields: [Field] = []

    init() {}

    init(_ pairs: [(String, String)]) {
        for (n, v) in pairs { add(name: n, value: v) }
    }

    /// Adds a field; `name` is lowercased.
    mutating func add(name: String, value: String) {
        fields.append(Field(name: name.lowercased(), value: value))
    }

    mutating func addLowercased(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// The first value of `name` (any case), or `nil`.
    subscript(name: String) -> String? {
        // Callers mostly ask in lower case already: no new string for them.
        let lower = name.utf8.contains(where: { ASCII.lowercase($0) != $0 }) ? name.lowercased() : name
        for f in fields where f.name == lower { return f.value }
        return nil
    }

    /// Every value of `name` (any case), in order.
    func values(_ name: String) -> [String] {
        let lower = name.lowercased()
        return fields.filter { $0.name == lower }.map(\.value)
    }

    var count: Int { fields.count }

    func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }
}
