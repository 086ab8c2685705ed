import Touchtone

/// A response the server sends: status, a few header fields and the body, written in one piece.
struct HTTPResponse: Sendable, Hashable {
    var status: HTTPStatus { didSet { writtenStatusAndFields = nil } }
    /// Header fields beyond `Content-Length`, `Connection` and `Date`, which the writer adds.
    var headers: [(name: String, value: String)] { didSet { writtenStatusAndFields = nil } }
    var body: [UInt8]
    /// For `HEAD`: send `Content-Length` of ``body`` but not the body itself.
    var omitBody: Bool
    /// ``status`` and ``headers`` already written as the head's first lines, for the answer
    /// every push gets (written once, not per response).
    private(set) var writtenStatusAndFields: [UInt8]?

    init(status: HTTPStatus, headers: [(name: String, value: String)] = [], body: [UInt8] = [], omitBody: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.omitBody = omitBody
    }

    /// A response whose status line and fields are `written` (from ``HTTPResponseWriter/statusAndFields(_:_:)``
    /// of the same `status` and `headers`).
    init(status: HTTPStatus, headers: [(name: String, value: String)], written: [UInt8], body: [UInt8]) {
        self.init(status: status, headers: headers, body: body)
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
        if let written = response.writtenStatusAndFields {
            out.append(contentsOf: written)
            writeEndOfHead(contentLength: noBody ? nil : response.body.count, keepAlive: keepAlive,
                           announceKeepAlive: announceKeepAlive, date: date, into: &out)
        } else {
            writeHead(status: response.status, headers: response.headers, contentLength: noBody ? nil : response.body.count,
                      keepAlive: keepAlive, announceKeepAlive: announceKeepAlive, date: date, into: &out)
        }
        if !response.omitBody && !noBody { out.append(contentsOf: response.body) }
    }

    /// The status line and `headers` as a head starts, for ``HTTPResponse/init(status:headers:written:body:)``.
    static func statusAndFields(_ status: HTTPStatus, _ headers: [(name: String, value: String)]) -> [UInt8] {
        var out: [UInt8] = []
        writeStatusAndFields(status: status, headers: headers, into: &out)
        return out
    }

    /// Appends a status line and header fields (ending with the empty line).
    static func writeHead(status: HTTPStatus, headers: [(name: String, value: String)], contentLength: Int?,
                          keepAlive: Bool, announceKeepAlive: Bool = false, date: [UInt8], into out: inout [UInt8]) {
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
    private static func writeEndOfHead(contentLength: Int?, keepAlive: Bool, announceKeepAlive: Bool, date: [UInt8],
                                       into out: inout [UInt8]) {
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
