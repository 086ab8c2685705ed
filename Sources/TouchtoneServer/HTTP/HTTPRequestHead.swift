import Touchtone

/// A request's head as the parser read it: the request without its body, and how the
/// body follows.
struct HTTPRequestHead: Sendable {
    /// How the body that follows the head is framed.
    enum BodyKind: Sendable {
        case none
        case length(Int)
        case chunked
    }

    /// The request as its head says it; the body is added when it has arrived.
    var request: HTTPRequest
    /// `Expect: 100-continue` on HTTP/1.1: the client waits for the interim answer.
    var expectsContinue: Bool
    var body: BodyKind

    /// The request this head and `body` make.
    func request(body: [UInt8]) -> HTTPRequest {
        var request = self.request
        request.body = body
        return request
    }
}

/// Parses one request head line by line, straight from the received bytes: no copy of a
/// line, and a `String` only for what the request keeps. (Its parts are inlined into one
/// function, as they were written before they were parts: this runs on every request.)
struct HTTPHeadParser {
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    private let p: UnsafeBufferPointer<UInt8>
    /// The head: from the request line to the empty line that ends it.
    private let range: Range<Int>
    private let limits: HTTPParserLimits

    /// Parses the head in `range` of `bytes`.
    static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>,
        limits: HTTPParserLimits
    ) throws(HTTPParseError) -> HTTPRequestHead {
        try HTTPHeadParser(p: bytes, range: range, limits: limits).parse()
    }

    private func parse() throws(HTTPParseError) -> HTTPRequestHead {
        guard let (requestLine, afterRequestLine) = nextLine(from: range.lowerBound) else {
            throw HTTPParseError(.badRequest, "empty request")
        }
        try checkFieldCount(from: afterRequestLine)
        let (method, target, minor) = try parseRequestLine(requestLine)
        var fields = FramingFields()
        var headers = HTTPHeaders()
        var cursor = afterRequestLine
        while let (line, next) = nextLine(from: cursor) {
            cursor = next
            try parseField(line, into: &headers, noting: &fields)
        }
        if minor == 1 && !fields.sawHost { throw HTTPParseError(.badRequest, "missing Host field") }
        if fields.sawTransferEncoding && fields.contentLength != nil {
            throw HTTPParseError(.badRequest, "both Transfer-Encoding and Content-Length")
        }
        if let n = fields.contentLength, n > limits.maxBodyBytes {
            throw HTTPParseError(.contentTooLarge, "body longer than \(limits.maxBodyBytes) bytes")
        }
        let keepAlive = minor == 1 ? !fields.connectionClose : (fields.connectionKeepAlive && !fields.connectionClose)
        let body: HTTPRequestHead.BodyKind
        if fields.chunked {
            body = .chunked
        } else if let n = fields.contentLength, n > 0 {
            body = .length(n)
        } else {
            body = .none
        }
        return HTTPRequestHead(
            request: HTTPRequest(method: method, target: target, minorVersion: minor, headers: headers, keepAlive: keepAlive),
            expectsContinue: fields.expectsContinue && minor == 1, body: body)
    }

    /// The next non-empty line from `from` on: its content (without CR LF) and where the one after starts.
    @inline(__always)
    private func nextLine(from: Int) -> (line: Range<Int>, next: Int)? {
        var lineStart = from
        var i = from
        while i < range.upperBound {
            if p[i] == Self.lf {
                var end = i
                if end > lineStart, p[end - 1] == Self.cr { end -= 1 }
                if end > lineStart { return (lineStart..<end, i + 1) }
                lineStart = i + 1
            }
            i += 1
        }
        return nil
    }

    /// Too many fields is refused first, whatever else is wrong. Each field line ends in its
    /// own LF, so the LFs after the request line bound the count: the lines are walked only
    /// when that bound is over the limit.
    @inline(__always)
    private func checkFieldCount(from afterRequestLine: Int) throws(HTTPParseError) {
        var lineFeeds = 0
        for i in afterRequestLine..<range.upperBound where p[i] == Self.lf { lineFeeds += 1 }
        guard lineFeeds > limits.maxHeaderCount else { return }
        var fieldLines = 0
        var cursor = afterRequestLine
        while let (_, next) = nextLine(from: cursor) {
            fieldLines += 1
            cursor = next
        }
        if fieldLines > limits.maxHeaderCount {
            throw HTTPParseError(.headersTooLarge, "more than \(limits.maxHeaderCount) header fields")
        }
    }

    /// `method SP target SP HTTP/1.x`: the method, the target (absolute-form made origin-form)
    /// and the minor version.
    @inline(__always)
    private func parseRequestLine(_ line: Range<Int>) throws(HTTPParseError) -> (String, String, Int) {
        guard let sp1 = line.first(where: { p[$0] == UInt8(ascii: " ") }), sp1 > line.lowerBound
        else { throw HTTPParseError(.badRequest, "malformed request line") }
        guard let sp2 = ((sp1 + 1)..<line.upperBound).first(where: { p[$0] == UInt8(ascii: " ") }), sp2 > sp1 + 1
        else { throw HTTPParseError(.badRequest, "malformed request line") }
        for j in line.lowerBound..<sp1 where !Self.isTokenByte(p[j]) {
            throw HTTPParseError(.badRequest, "malformed method")
        }
        for j in (sp1 + 1)..<sp2 where !(p[j] > 0x20 && p[j] < 0x7F) {
            throw HTTPParseError(.badRequest, "malformed request target")
        }
        let version = UnsafeBufferPointer(rebasing: p[(sp2 + 1)..<line.upperBound])
        guard version.count == 8, version.starts(with: "HTTP/".utf8), version[6] == UInt8(ascii: "."),
            ASCII.isDigit(version[5]), ASCII.isDigit(version[7])
        else { throw HTTPParseError(.badRequest, "malformed HTTP version") }
        guard version[5] == UInt8(ascii: "1"), version[7] <= UInt8(ascii: "1") else {
            throw HTTPParseError(.httpVersion, "only HTTP/1.0 and HTTP/1.1 are served")
        }
        let minor = Int(version[7] - UInt8(ascii: "0"))
        let method = String(decoding: UnsafeBufferPointer(rebasing: p[line.lowerBound..<sp1]), as: UTF8.self)
        var target = String(decoding: UnsafeBufferPointer(rebasing: p[(sp1 + 1)..<sp2]), as: UTF8.self)
        if p[sp1 + 1] != UInt8(ascii: "/") {
            if let path = Self.pathOfAbsoluteForm(target) {
                target = path
            } else if !(target == "*" && method == "OPTIONS") {
                throw HTTPParseError(.badRequest, "malformed request target")
            }
        }
        return (method, target, minor)
    }

    /// Checks one `name: value` line, adds it to `headers` and notes what it says about framing.
    @inline(__always)
    private func parseField(
        _ line: Range<Int>, into headers: inout HTTPHeaders,
        noting fields: inout FramingFields
    ) throws(HTTPParseError) {
        let first = p[line.lowerBound]
        if first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            throw HTTPParseError(.badRequest, "obsolete header line folding")
        }
        guard let colon = line.first(where: { p[$0] == UInt8(ascii: ":") }), colon > line.lowerBound else {
            throw HTTPParseError(.badRequest, "malformed header field")
        }
        for j in line.lowerBound..<colon where !Self.isTokenByte(p[j]) {
            throw HTTPParseError(.badRequest, "malformed header field name")
        }
        var vs = colon + 1
        var ve = line.upperBound
        while vs < ve, p[vs] == UInt8(ascii: " ") || p[vs] == UInt8(ascii: "\t") { vs += 1 }
        while ve > vs, p[ve - 1] == UInt8(ascii: " ") || p[ve - 1] == UInt8(ascii: "\t") { ve -= 1 }
        for j in vs..<ve {
            let b = p[j]
            if (b < 0x20 && b != UInt8(ascii: "\t")) || b == 0x7F {
                throw HTTPParseError(.badRequest, "control character in header field value")
            }
        }
        let nameBytes = UnsafeBufferPointer(rebasing: p[line.lowerBound..<colon])
        let name = String(unsafeUninitializedCapacity: nameBytes.count) { out in
            for i in 0..<nameBytes.count { out[i] = ASCII.lowercase(nameBytes[i]) }
            return nameBytes.count
        }
        let valueBytes = UnsafeBufferPointer(rebasing: p[vs..<ve])
        let value = String(decoding: valueBytes, as: UTF8.self)
        try fields.note(KnownField(nameBytes), value: value, bytes: valueBytes)
        headers.addLowercased(name: name, value: value)
    }

    /// `http://host:port/path?q` -> `/path?q` (absolute-form, RFC 9112 3.2.2).
    private static func pathOfAbsoluteForm(_ target: String) -> String? {
        let lower = target.lowercased()
        let rest: Substring
        if lower.hasPrefix("http://") {
            rest = target.dropFirst(7)
        } else if lower.hasPrefix("https://") {
            rest = target.dropFirst(8)
        } else {
            return nil
        }
        guard !rest.isEmpty else { return nil }
        if let slash = rest.firstIndex(of: "/") { return String(rest[slash...]) }
        if let q = rest.firstIndex(of: "?") { return "/" + rest[q...] }
        return "/"
    }

    /// tchar of RFC 9110 5.6.2.
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}

/// The header fields the parser itself acts on, recognised from their bytes.
private enum KnownField {
    case contentLength, transferEncoding, connection, expect, host, other

    /// `name` compared without regard to ASCII case (field names are case-insensitive).
    @inline(__always)
    init(_ name: UnsafeBufferPointer<UInt8>) {
        func matches(_ known: StaticString) -> Bool { ASCII.equalsIgnoringCase(name, known) }
        switch name.count {
        case 4 where matches("host"): self = .host
        case 6 where matches("expect"): self = .expect
        case 10 where matches("connection"): self = .connection
        case 14 where matches("content-length"): self = .contentLength
        case 17 where matches("transfer-encoding"): self = .transferEncoding
        default: self = .other
        }
    }
}

/// What the fields of one head say about its framing and connection, and the checks
/// between fields of the same name.
private struct FramingFields {
    var contentLength: Int?
    var chunked = false
    var sawTransferEncoding = false
    var connectionClose = false
    var connectionKeepAlive = false
    var expectsContinue = false
    var sawHost = false

    @inline(__always)
    mutating func note(_ field: KnownField, value: String, bytes: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) {
        switch field {
        case .contentLength:
            guard !bytes.isEmpty, bytes.count <= 18, bytes.allSatisfy(ASCII.isDigit) else {
                throw HTTPParseError(.badRequest, "malformed Content-Length")
            }
            let n = bytes.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            if let previous = contentLength, previous != n {
                throw HTTPParseError(.badRequest, "conflicting Content-Length fields")
            }
            contentLength = n
        case .transferEncoding:
            sawTransferEncoding = true
            let codings = value.lowercased().split(separator: ",").map { $0.trimmingSpaces }
            if codings.isEmpty || codings.contains(where: { $0 != "chunked" }) || codings.count > 1 || chunked {
                throw HTTPParseError(.transferEncoding, "only the chunked transfer coding is supported")
            }
            chunked = true
        case .connection:
            for token in value.lowercased().split(separator: ",") {
                let t = token.trimmingSpaces
                if t == "close" { connectionClose = true }
                if t == "keep-alive" { connectionKeepAlive = true }
            }
        case .expect:
            guard value.lowercased() == "100-continue" else {
                throw HTTPParseError(.expectationFailed, "unsupported expectation")
            }
            expectsContinue = true
        case .host:
            if sawHost { throw HTTPParseError(.badRequest, "more than one Host field") }
            sawHost = true
        case .other:
            break
        }
    }
}
