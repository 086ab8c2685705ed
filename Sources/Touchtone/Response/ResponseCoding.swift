/// A ``Response`` in the package's compact binary form, for an answer kept with a session
/// outside the process (in Redis, in the state file) so that a repeated push gets it again.
///
/// URLs that start with the flow's public URL keep only the rest, and the flow's own
/// callback URL is one byte: a menu's answer with a composed prompt takes some 60 bytes.
/// Reading checks every part as building it checks it (URLs, numbers, counts), so a
/// damaged value reads as nil, never as an answer sipgate would refuse.
struct ResponseCoding: Sendable {
    /// The flow's callback URL, written as one byte.
    let callbacks: AbsoluteURL?
    /// A prefix (the public URL) that URLs starting with it do not repeat.
    let base: String

    init(callbacks: AbsoluteURL? = nil, base: String = "") {
        self.callbacks = callbacks
        self.base = base
    }

    // The first byte: which callbacks are there, and what the final verb is.
    private static let hasOnAnswer: UInt8 = 1, hasOnHangup: UInt8 = 2
    private enum Final: UInt8 {
        case none = 0
        case gather, dial, rejectBusy, rejectRejected, hangup
    }
    // A URL's first byte.
    private enum URLForm: UInt8 {
        case callbacks = 0
        case afterBase, whole
    }

    func append(_ response: Response, to out: inout [UInt8]) {
        let final: Final =
            switch response.final {
            case nil: .none
            case .gather: .gather
            case .dial: .dial
            case .reject(.busy): .rejectBusy
            case .reject(.rejected): .rejectRejected
            case .hangup: .hangup
            }
        var head = final.rawValue << 2
        if response.onAnswer != nil { head |= Self.hasOnAnswer }
        if response.onHangup != nil { head |= Self.hasOnHangup }
        out.append(head)
        if let url = response.onAnswer { append(url, to: &out) }
        if let url = response.onHangup { append(url, to: &out) }
        out.appendVarint(UInt64(response.plays.count))
        for play in response.plays { append(play.url, to: &out) }
        switch response.final {
        case .gather(let gather):
            append(gather.onData, to: &out)
            out.appendVarint(UInt64(gather.maxDigits))
            out.appendVarint(UInt64(gather.timeoutMilliseconds))
            if let play = gather.play {
                out.append(1)
                append(play.url, to: &out)
            } else {
                out.append(0)
            }
        case .dial(let dial):
            // bit 0: voicemail; bits 1-2: anonymous (0 unset, 1 false, 2 true); bit 3: callerId.
            var flags: UInt8 = dial.target == .voicemail ? 1 : 0
            if let anonymous = dial.anonymous { flags |= anonymous ? 4 : 2 }
            if dial.callerId != nil { flags |= 8 }
            out.append(flags)
            if let callerId = dial.callerId { out.appendCompactText(callerId.digits) }
            if case .numbers(let numbers) = dial.target {
                out.appendVarint(UInt64(numbers.count))
                for number in numbers { out.appendCompactText(number.digits) }
            }
        case .reject, .hangup, nil:
            break
        }
    }

    func read(from reader: inout CompactReader) -> Response? {
        guard let head = reader.byte(), head >> 5 == 0, let final = Final(rawValue: head >> 2) else { return nil }
        var onAnswer: AbsoluteURL?
        var onHangup: AbsoluteURL?
        if head & Self.hasOnAnswer != 0 {
            guard let url = url(from: &reader) else { return nil }
            onAnswer = url
        }
        if head & Self.hasOnHangup != 0 {
            guard let url = url(from: &reader) else { return nil }
            onHangup = url
        }
        // A play takes at least two bytes: no more than half the rest can be plays.
        guard let count = reader.integer(Int.self), count <= 1024 else { return nil }
        var plays: [Play] = []
        for _ in 0..<count {
            guard let url = url(from: &reader) else { return nil }
            plays.append(Play(url))
        }
        let verb: FinalVerb?
        switch final {
        case .none: verb = nil
        case .gather:
            guard let onData = url(from: &reader), let maxDigits = reader.integer(Int.self),
                let timeout = reader.integer(Int.self), let hasPlay = reader.byte(), hasPlay <= 1
            else { return nil }
            var play: Play?
            if hasPlay == 1 {
                guard let url = url(from: &reader) else { return nil }
                play = Play(url)
            }
            guard let gather = try? Gather(onData: onData, maxDigits: maxDigits, timeoutMilliseconds: timeout, play: play) else {
                return nil
            }
            verb = .gather(gather)
        case .dial:
            guard let dial = readDial(from: &reader) else { return nil }
            verb = .dial(dial)
        case .rejectBusy: verb = .reject(.busy)
        case .rejectRejected: verb = .reject(.rejected)
        case .hangup: verb = .hangup
        }
        return Response(onAnswer: onAnswer, onHangup: onHangup, plays: plays, then: verb)
    }

    private func readDial(from reader: inout CompactReader) -> Dial? {
        guard let flags = reader.byte(), flags >> 4 == 0, flags & 6 != 6 else { return nil }
        let anonymous: Bool? = flags & 4 != 0 ? true : (flags & 2 != 0 ? false : nil)
        var callerId: E164Number?
        if flags & 8 != 0 {
            guard let text = reader.text(), let number = try? E164Number(text) else { return nil }
            callerId = number
        }
        let target: Dial.Target
        if flags & 1 != 0 {
            target = .voicemail
        } else {
            guard let count = reader.integer(Int.self), count <= Dial.maxNumbers else { return nil }
            var numbers: [E164Number] = []
            for _ in 0..<count {
                guard let text = reader.text(), let number = try? E164Number(text) else { return nil }
                numbers.append(number)
            }
            target = .numbers(numbers)
        }
        return try? Dial(target, callerId: callerId, anonymous: anonymous)
    }

    private func append(_ url: AbsoluteURL, to out: inout [UInt8]) {
        if let callbacks, url == callbacks {
            out.append(URLForm.callbacks.rawValue)
        } else if !base.isEmpty, url.text.hasPrefix(base) {
            out.append(URLForm.afterBase.rawValue)
            out.appendCompactText(String(url.text.utf8.dropFirst(base.utf8.count))!)
        } else {
            out.append(URLForm.whole.rawValue)
            out.appendCompactText(url.text)
        }
    }

    private func url(from reader: inout CompactReader) -> AbsoluteURL? {
        guard let form = reader.byte().flatMap(URLForm.init) else { return nil }
        switch form {
        case .callbacks: return callbacks
        case .afterBase:
            guard !base.isEmpty, let rest = reader.text(), rest.utf8.count <= AbsoluteURL.maxLength else { return nil }
            return try? AbsoluteURL(base + rest)
        case .whole:
            guard let text = reader.text(), text.utf8.count <= AbsoluteURL.maxLength else { return nil }
            return try? AbsoluteURL(text)
        }
    }
}
