/// The answer to one push: a ``Response`` and the turn written into its callback URLs.
///
/// sipgate echoes the turn (`t=`) in the push that answers this answer, which is how a
/// repeated push is told from a new one (see ``PushAddress``).
///
/// ```swift
/// case .answer(let answer, _): send(answer.xmlBytes)   // ... onData="https://ivr.example.com/?f=main&amp;t=3" ...
/// ```
public struct PushAnswer: Sendable, Hashable {
    /// The answer to send; its callback URLs get ``turn`` when that is set.
    public let response: Response
    /// The turn in the callback URLs; nil writes none.
    public let turn: UInt32?

    /// An answer to send; a `turn` (none by default) is written into each of its callback URLs as `t=`.
    public init(_ response: Response, turn: UInt32? = nil) {
        self.response = response
        self.turn = turn
    }

    /// The empty `<Response/>`: the answer to `answer` and `hangup` pushes.
    public static let empty = PushAnswer(.empty)

    /// The XML as UTF-8 bytes.
    public var xmlBytes: [UInt8] {
        if turn == nil, let rendered = response.rendered { return rendered.bytes }
        var out = [UInt8]()
        out.reserveCapacity(renderedCount ?? 256)
        render(into: &out)
        return out
    }

    /// The XML as text.
    public var xml: String { String(decoding: xmlBytes, as: UTF8.self) }

    /// Appends the XML to `out`.
    @inline(__always)
    public func render(into out: inout [UInt8]) { response.render(into: &out, turn: turn) }

    /// The length of the XML when it is known without rendering (an answer prepared in advance).
    package var renderedCount: Int? { response.rendered?.count(turn: turn) }

    /// The final verb, for logs and metrics.
    var verb: AnswerVerb { response.verb }
}
