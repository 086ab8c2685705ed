import Touchtone

/// Bounds on what one request may make the parser hold.
struct HTTPParserLimits: Sendable, Hashable {
    /// Bytes of the request line and header fields together (beyond: 431).
    var maxHeaderBytes: Int
    /// Number of header fields (beyond: 431).
    var maxHeaderCount: Int
    /// Bytes of the (de-chunked) body (beyond: 413).
    var maxBodyBytes: Int

    init(maxHeaderBytes: Int = 8 * 1024, maxHeaderCount: Int = 64, maxBodyBytes: Int = 64 * 1024) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}

/// Why a request could not be parsed; the connection answers ``status`` and closes.
struct HTTPParseError: Error, Sendable, Hashable, CustomStringConvertible {
    var status: HTTPStatus
    /// One line saying what was wrong.
    var reason: String

    init(_ status: HTTPStatus, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    var description: String { "\(status.code) \(reason)" }
}

/// An incremental HTTP/1.0 and HTTP/1.1 request parser.
///
/// Feed it bytes as they arrive with ``append(_:)`` and take requests with ``next()``
/// until it asks for more. It keeps at most one incomplete request, bounded by
/// ``HTTPParserLimits``, and handles pipelined requests, `Content-Length` and chunked
/// bodies, and `Expect: 100-continue`. After a failure it stays failed: the connection
/// must answer the error and close, since the request boundaries are lost.
struct HTTPRequestParser: Sendable {
    /// What ``next()`` found.
    enum Step: Sendable, Hashable {
        /// A complete request.
        case request(HTTPRequest)
        /// The head asked for `100 Continue` and its body has not arrived: send the interim answer.
        case sendContinue
        /// The buffered bytes hold no complete request yet.
        case needMoreData
        /// The request is malformed or too large.
        case failure(HTTPParseError)
    }

    private struct Head: Sendable {
        var method: String
        var target: String
        var minorVersion: Int
        var headers: HTTPHeaders
        var keepAlive: Bool
        var expectsContinue: Bool
    }

    private enum State: Sendable {
        case head(scanFrom: Int)
        case fixedBody(Head, length: Int)
        case chunkSize(Head, body: [UInt8])
        case chunkData(Head, body: [UInt8], remaining: Int)
        case chunkDataEnd(Head, body: [UInt8])
        case trailers(Head, body: [UInt8], trailerBytes: Int)
        case failed(HTTPParseError)
    }

    let limits: HTTPParserLimits
    private var buffer: [UInt8] = []
    /// Start of the unconsumed bytes in `buffer`.
    private var start = 0
    private var state: State = .head(scanFrom: 0)
    private var continueSent = false

    init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    /// Bytes received but not yet consumed by a returned request.
    var bufferedByteCount: Int { buffer.count - start }

    /// True while a request is partly received (its head or body incomplete).
    var hasPartialRequest: Bool {
        if case .head = state { return bufferedByteCount > 0 }
        return true
    }

    /// Appends received bytes.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
    }

    /// Appends received bytes.
    mutating func append(contentsOf bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// Parses as far as the buffered bytes allow.
    mutating func next() -> Step {
        while true {
            switch state {
            case .failed(let error):
                return .failure(error)
            case .head(let scanFrom):
                guard let end = findEndOfHead(from: scanFrom) else {
                    if buffer.count - start > limits.maxHeaderBytes {
                        return fail(HTTPParseError(.headersTooLarge, "request head longer than \(limits.maxHeaderBytes) bytes"))
                    }
                    state = .head(scanFrom: max(start, buffer.count - 3))
                    return .needMoreData
                }
                if end - start > limits.maxHeaderBytes {
                    return fail(HTTPParseError(.headersTooLarge, "request head longer than \(limits.maxHeaderBytes) bytes"))
                }
                let parsed: (Head, BodyKind)
                do {
                    parsed = try parseHead(start..<end)
                } catch {
                    return fail(error)
                }
                consume(upTo: end)
                continueSent = false
                switch parsed.1 {
                case .none:
                    return finish(parsed.0, body: [])
                case .length(let n):
                    state = .fixedBody(parsed.0, length: n)
                case .chunked:
                    state = .chunkSize(parsed.0, body: [])
                }
            case .fixedBody(let head, let length):
                if buffer.count - start >= length {
                    let body = Array(buffer[start..<(start + length)])
                    consume(upTo: start + length)
                    return finish(head, body: body)
                }
                return waitForBody(head)
            case .chunkSize(let head, let body):
                guard let lineEnd = findLineEnd(from: start) else {
                    if buffer.count - start > 1024 { return fail(HTTPParseError(.badRequest, "chunk size line too long")) }
                    return waitForBody(head)
                }
                guard lineEnd.contentEnd - start <= 1024 else {
                    return fail(HTTPParseError(.badRequest, "chunk size line too long"))
                }
                guard let size = parseChunkSize(start..<lineEnd.contentEnd) else {
                    return fail(HTTPParseError(.badRequest, "malformed chunk size"))
                }
                consume(upTo: lineEnd.next)
                if size == 0 {
                    state = .trailers(head, body: body, trailerBytes: 0)
                } else if body.count + size > limits.maxBodyBytes {
                    return fail(HTTPParseError(.contentTooLarge, "body longer than \(limits.maxBodyBytes) bytes"))
                } else {
                    state = .chunkData(head, body: body, remaining: size)
                }
            case .chunkData(let head, var body, let remaining):
                let available = min(remaining, buffer.count - start)
                if available == 0 { return waitForBody(head) }
                body.append(contentsOf: buffer[start..<(start + available)])
                consume(upTo: start + available)
                state = remaining == available
                    ? .chunkDataEnd(head, body: body)
                    : .chunkData(head, body: body, remaining: remaining - available)
            case .chunkDataEnd(let head, let body):
                guard let lineEnd = findLineEnd(from: start) else {
                    if buffer.count - start >= 2 { return fail(HTTPParseError(.badRequest, "chunk data not followed by CRLF")) }
                    return waitForBody(head)
                }
                guard lineEnd.contentEnd == start else {
                    return fail(HTTPParseError(.badRequest, "chunk data not followed by CRLF"))
                }
                consume(upTo: lineEnd.next)
                state = .chunkSize(head, body: body)
            case .trailers(let head, let body, let trailerBytes):
                guard let lineEnd = findLineEnd(from: start) else {
                    if trailerBytes + buffer.count - start > limits.maxHeaderBytes {
                        return fail(HTTPParseError(.headersTooLarge, "trailer fields longer than \(limits.maxHeaderBytes) bytes"))
                    }
                    return .needMoreData
                }
                let lineLength = lineEnd.next - start
                if trailerBytes + lineLength > limits.maxHeaderBytes {
                    return fail(HTTPParseError(.headersTooLarge, "trailer fields longer than \(limits.maxHeaderBytes) bytes"))
                }
                let empty = lineEnd.contentEnd == start
                consume(upTo: lineEnd.next)
                if empty { return finish(head, body: body) }
                // Trailer fields are read past and ignored.
                state = .trailers(head, body: body, trailerBytes: trailerBytes + lineLength)
            }
        }
    }

    // MARK: - Steps

    private mutating func fail(_ error: HTTPParseError) -> Step {
        state = .failed(error)
        return .failure(error)
    }

    private mutating func waitForBody(_ head: Head) -> Step {
        if head.expectsContinue && !continueSent {
            continueSent = true
            return .sendContinue
        }
        return .needMoreData
    }

    private mutating func finish(_ head: Head, body: [UInt8]) -> Step {
        state = .head(scanFrom: start)
        return .request(HTTPRequest(method: head.method, target: head.target, minorVersion: head.minorVersion,
                                    headers: head.headers, body: body, keepAlive: head.keepAlive))
    }

    private mutating func consume(upTo index: Int) {
        start = index
        if start == buffer.count {
            // An idle keep-alive connection should not keep a large buffer alive.
            buffer.removeAll(keepingCapacity: buffer.capacity <= 16 * 1024)
            start = 0
        } else if start >= 4096 && start * 2 >= buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        if case .head = state { state = .head(scanFrom: start) }
    }

    // MARK: - Scanning

    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    /// The index just past the empty line that ends the head, skipping empty lines before the request line.
    private mutating func findEndOfHead(from scanFrom: Int) -> Int? {
        // Robustness (RFC 9112 2.2): ignore empty lines before the request line.
        while start < buffer.count, buffer[start] == Self.cr || buffer[start] == Self.lf {
            if buffer[start] == Self.cr {
                guard start + 1 < buffer.count else { return nil }
                guard buffer[start + 1] == Self.lf else { break }
            }
            start += 1
        }
        var i = max(scanFrom, start)
        let count = buffer.count
        return buffer.withUnsafeBufferPointer { p -> Int? in
            while i < count {
                if p[i] == Self.lf {
                    if i > start, p[i - 1] == Self.lf { return i + 1 }
                    if i > start + 1, p[i - 1] == Self.cr, p[i - 2] == Self.lf { return i + 1 }
                }
                i += 1
            }
            return nil
        }
    }

    /// The end of the line starting at `from` (before its CR LF or LF) and the index after it.
    private func findLineEnd(from: Int) -> (contentEnd: Int, next: Int)? {
        var i = from
        while i < buffer.count {
            if buffer[i] == Self.lf {
                let contentEnd = i > from && buffer[i - 1] == Self.cr ? i - 1 : i
                return (contentEnd, i + 1)
            }
            i += 1
        }
        return nil
    }

    private func parseChunkSize(_ range: Range<Int>) -> Int? {
        var size = 0
        var digits = 0
        var i = range.lowerBound
        while i < range.upperBound {
            let b = buffer[i]
            if b == UInt8(ascii: ";") || b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") {
                // Chunk extensions are ignored.
                return digits > 0 ? size : nil
            }
            guard let value = Hex.value(b) else { return nil }
            digits += 1
            if digits > 8 { return nil }
            size = size * 16 + Int(value)
            i += 1
        }
        return digits > 0 ? size : nil
    }

    // MARK: - Head

    private enum BodyKind {
        case none
        case length(Int)
        case chunked
    }

    /// The header fields the parser itself acts on, recognised from their bytes.
    private enum KnownField {
        case contentLength, transferEncoding, connection, expect, host, other

        /// `name` compared without regard to ASCII case (field names are case-insensitive).
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

    /// Parses the head in `range` line by line, straight from the buffered bytes: no copy of
    /// a line, and a `String` only for what the request keeps.
    private func parseHead(_ range: Range<Int>) throws(HTTPParseError) -> (Head, BodyKind) {
        try buffer.withUnsafeBufferPointer { (p) throws(HTTPParseError) -> (Head, BodyKind) in
            /// The next non-empty line from `from` on: its content (without CR LF) and where the one after starts.
            func nextLine(from: Int) -> (line: Range<Int>, next: Int)? {
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
            guard let (requestLine, afterRequestLine) = nextLine(from: range.lowerBound) else {
                throw HTTPParseError(.badRequest, "empty request")
            }
            // Too many fields is refused first, whatever else is wrong. Each field line ends in
            // its own LF, so the LFs after the request line bound the count: the lines are
            // walked only when that bound is over the limit.
            var lineFeeds = 0
            for i in afterRequestLine..<range.upperBound where p[i] == Self.lf { lineFeeds += 1 }
            if lineFeeds > limits.maxHeaderCount {
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

            // Request line: method SP target SP HTTP/1.x
            guard let sp1 = (requestLine.lowerBound..<requestLine.upperBound).first(where: { p[$0] == UInt8(ascii: " ") }),
                  sp1 > requestLine.lowerBound
            else { throw HTTPParseError(.badRequest, "malformed request line") }
            guard let sp2 = ((sp1 + 1)..<requestLine.upperBound).first(where: { p[$0] == UInt8(ascii: " ") }),
                  sp2 > sp1 + 1
            else { throw HTTPParseError(.badRequest, "malformed request line") }
            for j in requestLine.lowerBound..<sp1 where !Self.isTokenByte(p[j]) {
                throw HTTPParseError(.badRequest, "malformed method")
            }
            for j in (sp1 + 1)..<sp2 where !(p[j] > 0x20 && p[j] < 0x7F) {
                throw HTTPParseError(.badRequest, "malformed request target")
            }
            let version = UnsafeBufferPointer(rebasing: p[(sp2 + 1)..<requestLine.upperBound])
            guard version.count == 8, version.starts(with: "HTTP/".utf8), version[6] == UInt8(ascii: "."),
                  ASCII.isDigit(version[5]), ASCII.isDigit(version[7])
            else { throw HTTPParseError(.badRequest, "malformed HTTP version") }
            guard version[5] == UInt8(ascii: "1"), version[7] <= UInt8(ascii: "1") else {
                throw HTTPParseError(.versionNotSupported, "only HTTP/1.0 and HTTP/1.1 are served")
            }
            let minor = Int(version[7] - UInt8(ascii: "0"))
            let method = String(decoding: UnsafeBufferPointer(rebasing: p[requestLine.lowerBound..<sp1]), as: UTF8.self)
            var target = String(decoding: UnsafeBufferPointer(rebasing: p[(sp1 + 1)..<sp2]), as: UTF8.self)
            if p[sp1 + 1] != UInt8(ascii: "/") {
                if let path = Self.pathOfAbsoluteForm(target) {
                    target = path
                } else if !(target == "*" && method == "OPTIONS") {
                    throw HTTPParseError(.badRequest, "malformed request target")
                }
            }

            var headers = HTTPHeaders()
            var contentLength: Int?
            var chunked = false
            var sawTransferEncoding = false
            var connectionClose = false
            var connectionKeepAlive = false
            var expectsContinue = false
            var sawHost = false
            var cursor = afterRequestLine
            while let (line, next) = nextLine(from: cursor) {
                cursor = next
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
                let value = String(decoding: UnsafeBufferPointer(rebasing: p[vs..<ve]), as: UTF8.self)
                switch KnownField(nameBytes) {
                case .contentLength:
                    let digits = UnsafeBufferPointer(rebasing: p[vs..<ve])
                    guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy(ASCII.isDigit) else {
                        throw HTTPParseError(.badRequest, "malformed Content-Length")
                    }
                    let n = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
                    if let previous = contentLength, previous != n {
                        throw HTTPParseError(.badRequest, "conflicting Content-Length fields")
                    }
                    contentLength = n
                case .transferEncoding:
                    sawTransferEncoding = true
                    let codings = value.lowercased().split(separator: ",").map { $0.trimmingSpaces }
                    if codings.isEmpty || codings.contains(where: { $0 != "chunked" }) || codings.count > 1 || chunked {
                        throw HTTPParseError(.notImplemented, "only the chunked transfer coding is supported")
                    }
                    chunked = true
                case .connection:
                    for token in value.lowercased().split(separator: ",") {
                        let t = token.trimmingSpaces
                        if t == "close" { connectionClose = true }
                        if t == "keep-alive" { connectionKeepAlive = true }
                    }
                case .expect:
                    if value.lowercased() == "100-continue" {
                        expectsContinue = true
                    } else {
                        throw HTTPParseError(HTTPStatus(417, "Expectation Failed"), "unsupported expectation")
                    }
                case .host:
                    if sawHost { throw HTTPParseError(.badRequest, "more than one Host field") }
                    sawHost = true
                case .other:
                    break
                }
                headers.addLowercased(name: name, value: value)
            }
            if minor == 1 && !sawHost { throw HTTPParseError(.badRequest, "missing Host field") }
            if sawTransferEncoding && contentLength != nil {
                throw HTTPParseError(.badRequest, "both Transfer-Encoding and Content-Length")
            }
            if let n = contentLength, n > limits.maxBodyBytes {
                throw HTTPParseError(.contentTooLarge, "body longer than \(limits.maxBodyBytes) bytes")
            }
            let keepAlive = minor == 1 ? !connectionClose : (connectionKeepAlive && !connectionClose)
            let head = Head(method: method, target: target, minorVersion: minor, headers: headers,
                            keepAlive: keepAlive, expectsContinue: expectsContinue && minor == 1)
            if chunked { return (head, .chunked) }
            if let n = contentLength, n > 0 { return (head, .length(n)) }
            return (head, .none)
        }
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

extension Substring {
    /// Without leading and trailing spaces and tabs.
    package var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
