/// What a push's URL says about it: the flow whose answer pointed sipgate there, and the
/// turn of that answer, as Touchtone writes them into every callback URL
/// (`https://ivr.example.com/?f=support&t=3`).
///
/// The turn makes pushes idempotent: a push for the turn a call is at advances it; a
/// repeat of the push that led to the last answer gets that answer again; an older one is
/// answered the same way and changes nothing. The flow names the call's flow when its
/// session cannot be read (the session store is unreachable).
///
/// ```swift
/// let address = PushAddress(query: Array("f=support&t=3".utf8))  // flow "support", turn 3
/// engine.handle(body: body, address: address)
/// ```
public struct PushAddress: Sendable, Hashable {
    /// The flow's name, from `f`.
    public var flow: String?
    /// The turn, from `t`.
    public var turn: UInt32?

    /// No flow and no turn: a push to the account's URL (`newCall`), or from a tool.
    public init(flow: String? = nil, turn: UInt32? = nil) {
        self.flow = flow
        self.turn = turn
    }

    /// The longest flow name read from a query.
    static let maxFlowBytes = 128

    /// Reads `f` and `t` from a URL query (the part after `?`, form-encoded). Other
    /// parameters are ignored; a malformed `f` or `t` reads as absent, never as an error:
    /// the push itself is still answered.
    public init(query: some Collection<UInt8>) {
        // A request target's bytes are contiguous: read in place, copy only what is not.
        self = query.withContiguousStorageIfAvailable(Self.read) ?? Array(query).withUnsafeBufferPointer(Self.read)
    }

    private static func read(_ buffer: UnsafeBufferPointer<UInt8>) -> PushAddress {
        var address = PushAddress()
        var scanner = FormScanner(buffer, maxFields: 16)
        while let pair = try? scanner.next() {
            let key = UnsafeBufferPointer(rebasing: buffer[pair.key])
            let value = UnsafeBufferPointer(rebasing: buffer[pair.value])
            if key.count == 1, key[0] == UInt8(ascii: "t") {
                address.turn = turn(value)
            } else if key.count == 1, key[0] == UInt8(ascii: "f") {
                address.flow = try? FormDecoding.string(value, isEscaped: pair.valueIsEscaped, field: "f", maxBytes: maxFlowBytes)
            }
        }
        return address
    }

    /// Decimal digits of a `UInt32`, nothing else.
    private static func turn(_ digits: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard (1...10).contains(digits.count) else { return nil }
        var value: UInt64 = 0
        for digit in digits {
            guard ASCII.isDigit(digit) else { return nil }
            value = value * 10 + UInt64(digit - UInt8(ascii: "0"))
        }
        return UInt32(exactly: value)
    }

    /// `base` with the flow named in its query (`?f=` or `&f=`), percent-encoding every
    /// byte of the name outside the URL's unreserved characters.
    static func callbacks(base: AbsoluteURL, flow: String) -> AbsoluteURL {
        var text = base.text
        text += base.hasQuery ? "&f=" : "?f="
        var encoded = [UInt8]()
        for byte in flow.utf8 {
            if ASCII.isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
            {
                encoded.append(byte)
            } else {
                encoded.append(UInt8(ascii: "%"))
                encoded.appendHex(byte, uppercase: true)
            }
        }
        text += String(decoding: encoded, as: UTF8.self)
        // A checked base with a query of unreserved characters and escapes is still valid.
        return (try? AbsoluteURL(text)) ?? base
    }
}
