/// The HTTP status codes the server answers with.
struct HTTPStatus: Sendable, Hashable, CustomStringConvertible {
    var code: Int
    var reason: String

    init(_ code: Int, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    var description: String { "\(code) \(reason)" }

    static let ok = HTTPStatus(200, "OK")
    static let noContent = HTTPStatus(204, "No Content")
    static let notModified = HTTPStatus(304, "Not Modified")
    static let badRequest = HTTPStatus(400, "Bad Request")
    static let unauthorized = HTTPStatus(401, "Unauthorized")
    static let forbidden = HTTPStatus(403, "Forbidden")
    static let notFound = HTTPStatus(404, "Not Found")
    static let methodNotAllowed = HTTPStatus(405, "Method Not Allowed")
    static let requestTimeout = HTTPStatus(408, "Request Timeout")
    static let lengthRequired = HTTPStatus(411, "Length Required")
    static let contentTooLarge = HTTPStatus(413, "Content Too Large")
    static let unsupportedMediaType = HTTPStatus(415, "Unsupported Media Type")
    static let expectationFailed = HTTPStatus(417, "Expectation Failed")
    static let headersTooLarge = HTTPStatus(431, "Request Header Fields Too Large")
    static let internalServerError = HTTPStatus(500, "Internal Server Error")
    static let notImplemented = HTTPStatus(501, "Not Implemented")
    static let serviceUnavailable = HTTPStatus(503, "Service Unavailable")
    static let versionNotSupported = HTTPStatus(505, "HTTP Version Not Supported")
}
