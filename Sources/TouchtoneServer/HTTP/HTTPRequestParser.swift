import Touchtone

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

    private enum State: Sendable {
        case head(scanFrom: Int)
        case fixedBody(HTTPRequestHead, length: Int)
        case chunkSize(HTTPRequestHead, body: [UInt8])
        case chunkData(HTTPRequestHead, body: [UInt8], remaining: Int)
        case chunkDataEnd(HTTPRequestHead, body: [UInt8])
        case trailers(HTTPRequestHead, body: [UInt8], trailerBytes: Int)
        case failed(HTTPParseError)
    }

    /// A chunk-size line longer than this is refused (extensions are ignored, not kept).
    private static let maxChunkSizeLine = 1024

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
            // Each state reads what it can and returns a step, or moves on to the next state.
            let step: Step?
            switch state {
            case .failed(let error): step = .failure(error)
            case .head(let scanFrom): step = readHead(scanFrom: scanFrom)
            case .fixedBody(let head, let length): step = readFixedBody(head, length: length)
            case .chunkSize(let head, let body): step = readChunkSize(head, body: body)
            case .chunkData(let head, let body, let remaining): step = readChunkData(head, body: body, remaining: remaining)
            case .chunkDataEnd(let head, let body): step = readChunkDataEnd(head, body: body)
            case .trailers(let head, let body, let trailerBytes): step = readTrailers(head, body: body, trailerBytes: trailerBytes)
            }
            if let step { return step }
        }
    }

    // MARK: - States

    private mutating func readHead(scanFrom: Int) -> Step? {
        guard let end = findEndOfHead(from: scanFrom) else {
            if buffer.count - start > limits.maxHeaderBytes { return fail(headTooLong) }
            state = .head(scanFrom: max(start, buffer.count - 3))
            return .needMoreData
        }
        if end - start > limits.maxHeaderBytes { return fail(headTooLong) }
        let head: HTTPRequestHead
        do {
            head = try buffer.withUnsafeBufferPointer { (p) throws(HTTPParseError) in
                try HTTPHeadParser.parse(p, start..<end, limits: limits)
            }
        } catch {
            return fail(error)
        }
        consume(upTo: end)
        continueSent = false
        switch head.body {
        case .none: return finish(head, body: [])
        case .length(let n): state = .fixedBody(head, length: n)
        case .chunked: state = .chunkSize(head, body: [])
        }
        return nil
    }

    private var headTooLong: HTTPParseError {
        HTTPParseError(.headersTooLarge, "request head longer than \(limits.maxHeaderBytes) bytes")
    }

    private mutating func readFixedBody(_ head: HTTPRequestHead, length: Int) -> Step {
        guard buffer.count - start >= length else { return waitForBody(head) }
        let body = Array(buffer[start..<(start + length)])
        consume(upTo: start + length)
        return finish(head, body: body)
    }

    private mutating func readChunkSize(_ head: HTTPRequestHead, body: [UInt8]) -> Step? {
        guard let lineEnd = findLineEnd(from: start) else {
            if buffer.count - start > Self.maxChunkSizeLine { return fail(HTTPParseError(.badRequest, "chunk size line too long")) }
            return waitForBody(head)
        }
        guard lineEnd.contentEnd - start <= Self.maxChunkSizeLine else {
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
        return nil
    }

    private mutating func readChunkData(_ head: HTTPRequestHead, body: [UInt8], remaining: Int) -> Step? {
        var body = body
        let available = min(remaining, buffer.count - start)
        if available == 0 { return waitForBody(head) }
        body.append(contentsOf: buffer[start..<(start + available)])
        consume(upTo: start + available)
        state =
            remaining == available
            ? .chunkDataEnd(head, body: body)
            : .chunkData(head, body: body, remaining: remaining - available)
        return nil
    }

    private mutating func readChunkDataEnd(_ head: HTTPRequestHead, body: [UInt8]) -> Step? {
        guard let lineEnd = findLineEnd(from: start) else {
            if buffer.count - start >= 2 { return fail(HTTPParseError(.badRequest, "chunk data not followed by CRLF")) }
            return waitForBody(head)
        }
        guard lineEnd.contentEnd == start else {
            return fail(HTTPParseError(.badRequest, "chunk data not followed by CRLF"))
        }
        consume(upTo: lineEnd.next)
        state = .chunkSize(head, body: body)
        return nil
    }

    private mutating func readTrailers(_ head: HTTPRequestHead, body: [UInt8], trailerBytes: Int) -> Step? {
        let tooLong = HTTPParseError(.headersTooLarge, "trailer fields longer than \(limits.maxHeaderBytes) bytes")
        guard let lineEnd = findLineEnd(from: start) else {
            if trailerBytes + buffer.count - start > limits.maxHeaderBytes { return fail(tooLong) }
            return .needMoreData
        }
        let lineLength = lineEnd.next - start
        if trailerBytes + lineLength > limits.maxHeaderBytes { return fail(tooLong) }
        let empty = lineEnd.contentEnd == start
        consume(upTo: lineEnd.next)
        if empty { return finish(head, body: body) }
        // Trailer fields are read past and ignored.
        state = .trailers(head, body: body, trailerBytes: trailerBytes + lineLength)
        return nil
    }

    // MARK: - Steps

    private mutating func fail(_ error: HTTPParseError) -> Step {
        state = .failed(error)
        return .failure(error)
    }

    private mutating func waitForBody(_ head: HTTPRequestHead) -> Step {
        if head.expectsContinue && !continueSent {
            continueSent = true
            return .sendContinue
        }
        return .needMoreData
    }

    private mutating func finish(_ head: HTTPRequestHead, body: [UInt8]) -> Step {
        state = .head(scanFrom: start)
        return .request(head.request(body: body))
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
}
