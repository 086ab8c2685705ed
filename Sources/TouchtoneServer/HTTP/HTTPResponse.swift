import Touchtone

/// A response the server sends: status, a few header fields and the body, written in one piece.
struct HTTPResponse: Sendable, Hashable {
    var status: HTTPStatus { didSet { writtenStatusAndFields = nil } }
    /// Header fields beyond `Content-Length`, `Connection` and `Date`, which the writer adds.
    var headers: [(name: String, value: String)] { didSet { writtenStatusAndFields = nil } }
    /// The body: bytes, or the answer to a push, written straight into the output buffer.
    var content: Content
    /// For `HEAD`: send `Content-Length` of ``body`` but not the body itself.
    var omitBody: Bool
    /// ``status`` and ``headers`` already written as the head's first lines, for the answer
    /// every push gets (written once, not per response).
    private(set) var writtenStatusAndFields: [UInt8]?

    /// What a response carries.
    enum Content: Sendable, Hashable {
        case bytes([UInt8])
        /// A push's answer: an answer prepared in advance is copied with its turn spliced in,
        /// with no buffer of its own.
        case answer(PushAnswer)
    }

    /// The body's bytes (an answer rendered).
    var body: [UInt8] {
        get {
            switch content {
            case .bytes(let bytes): bytes
            case .answer(let answer): answer.xmlBytes
            }
        }
        set { content = .bytes(newValue) }
    }

    init(status: HTTPStatus, headers: [(name: String, value: String)] = [], body: [UInt8] = [], omitBody: Bool = false) {
        self.status = status
        self.headers = headers
        self.content = .bytes(body)
        self.omitBody = omitBody
    }

    /// A response whose status line and fields are `written` (from ``HTTPResponseWriter/statusAndFields(_:_:)``
    /// of the same `status` and `headers`).
    init(status: HTTPStatus, headers: [(name: String, value: String)], written: [UInt8], content: Content) {
        self.status = status
        self.headers = headers
        self.content = content
        self.omitBody = false
        writtenStatusAndFields = written
    }

    /// A short plain-text answer (errors, `/healthz`).
    static func text(_ status: HTTPStatus, _ text: String, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")] + headers, body: Array((text + "\n").utf8))
    }

    /// The first value of `name` (any case).
    func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    static func == (a: HTTPResponse, b: HTTPResponse) -> Bool {
        a.status == b.status && a.body == b.body && a.omitBody == b.omitBody
            && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(status)
        hasher.combine(body)
    }
}

/// Writes HTTP/1.1 responses into a byte buffer.
enum HTTPResponseWriter {
    static let crlf: [UInt8] = [13, 10]

    /// Appends the whole response (head and body) to `out`.
    /// - Parameter announceKeepAlive: say `Connection: keep-alive` (HTTP/1.0 clients need it to keep the connection).
    static func write(_ response: HTTPResponse, keepAlive: Bool, announceKeepAlive: Bool = false, date: [UInt8], into out: inout [UInt8]) {
        let noBody = response.status.code == 304 || response.status.code == 204
        // The body's length before its bytes: an answer prepared in advance knows it; any
        // other answer is rendered first.
        var rendered: [UInt8] = []
        let length: Int
        switch response.content {
        case .bytes(let bytes):
            length = bytes.count
        case .answer(let answer):
            if let count = answer.renderedCount {
                length = count
            } else {
                rendered = answer.xmlBytes
                length = rendered.count
            }
        }
        if let written = response.writtenStatusAndFields {
            out.append(contentsOf: written)
            writeEndOfHead(
                contentLength: noBody ? nil : length, keepAlive: keepAlive,
                announceKeepAlive: announceKeepAlive, date: date, into: &out)
        } else {
            writeHead(
                status: response.status, headers: response.headers, contentLength: noBody ? nil : length,
                keepAlive: keepAlive, announceKeepAlive: announceKeepAlive, date: date, into: &out)
        }
        guard !response.omitBody && !noBody else { return }
        switch response.content {
        case .bytes(let bytes): out.append(contentsOf: bytes)
        case .answer(let answer): if rendered.isEmpty { answer.render(into: &out) } else { out.append(contentsOf: rendered) }
        }
    }

    /// The status line and `headers` as a head starts, for ``HTTPResponse/init(status:headers:written:body:)``.
    static func statusAndFields(_ status: HTTPStatus, _ headers: [(name: String, value: String)]) -> [UInt8] {
        var out: [UInt8] = []
        writeStatusAndFields(status: status, headers: headers, into: &out)
        return out
    }

    /// Appends a status line and header fields (ending with the empty line).
    static func writeHead(
        status: HTTPStatus, headers: [(name: String, value: String)], contentLength: Int?,
        keepAlive: Bool, announceKeepAlive: Bool = false, date: [UInt8], into out: inout [UInt8]
    ) {
        writeStatusAndFields(status: status, headers: headers, into: &out)
        writeEndOfHead(contentLength: contentLength, keepAlive: keepAlive, announceKeepAlive: announceKeepAlive, date: date, into: &out)
    }

    private static func writeStatusAndFields(status: HTTPStatus, headers: [(name: String, value: String)], into out: inout [UInt8]) {
        // Every piece is copied whole from contiguous bytes: a response head is written per push.
        out.appendLiteral("HTTP/1.1 ")
        out.appendDecimal(status.code)
        out.append(UInt8(ascii: " "))
        out.appendUTF8(status.reason)
        out.appendLiteral("\r\n")
        for (name, value) in headers {
            out.appendUTF8(name)
            out.appendLiteral(": ")
            // Header values come from our own code; strip CR/LF anyway so nothing can split the head.
            if value.utf8.contains(where: { $0 == 13 || $0 == 10 }) {
                for b in value.utf8 where b != 13 && b != 10 { out.append(b) }
            } else {
                out.appendUTF8(value)
            }
            out.appendLiteral("\r\n")
        }
    }

    /// The fields that change per response, and the empty line that ends the head.
    private static func writeEndOfHead(
        contentLength: Int?, keepAlive: Bool, announceKeepAlive: Bool, date: [UInt8],
        into out: inout [UInt8]
    ) {
        if let contentLength {
            out.appendLiteral("Content-Length: ")
            out.appendDecimal(contentLength)
            out.appendLiteral("\r\n")
        }
        if !date.isEmpty {
            out.appendLiteral("Date: ")
            out.append(contentsOf: date)
            out.appendLiteral("\r\n")
        }
        if !keepAlive {
            out.appendLiteral("Connection: close\r\n")
        } else if announceKeepAlive {
            out.appendLiteral("Connection: keep-alive\r\n")
        }
        out.appendLiteral("\r\n")
    }
}
