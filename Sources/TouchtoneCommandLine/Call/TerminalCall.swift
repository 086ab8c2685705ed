import Touchtone
import TouchtoneServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One call between the engine and the terminal.
struct TerminalCall {
    let engine: Engine
    let texts: PromptTexts
    let showsXML: Bool
    /// Where the keys come from (`streams.input`) and the call is shown.
    let streams: StandardStreams
    var input: LineReader

    /// Standard input is a terminal: print a `> ` prompt, the terminal echoes the keys.
    var interactive: Bool { isatty(streams.input) == 1 }

    func say(_ line: String) {
        streams.print(line)
    }

    mutating func run(_ start: NewCallEvent) {
        var reply = engine.handle(.newCall(start))
        while true {
            guard let (answer, answered) = answer(reply) else { return hangUp() }
            show(answer, state: answered.stateAfter)
            guard case .gather = answer.response.final else { return hangUp() }
            // The next push goes where the answer's callbacks point, with its turn, as sipgate sends it.
            let address = PushAddress(flow: answered.flow, turn: answer.turn)
            let keys: String
            switch readKeys() {
            case .keys(let pressed):
                keys = pressed
            case .hangUp:
                say(interactive ? "  [you hung up]" : "> hangup\n  [you hung up]")
                return hangUp()
            case .endOfInput:
                say(interactive ? "\n  [end of input: you hung up]" : "  [end of input: you hung up]")
                return hangUp()
            }
            reply = engine.handle(.dtmf(DTMFEvent(callId: CallCommand.callId, digits: keys)), address: address)
            if !interactive {
                // The record masks the keys of a sensitive collection (a PIN) as ****.
                let shown = record(of: reply)?.digits ?? keys
                say(shown.isEmpty ? "> (silence)" : "> \(shown)")
            }
        }
    }

    enum Input: Equatable {
        case keys(String)
        case hangUp
        case endOfInput
    }

    /// The keys of the next line (`""` for silence), refusing lines that are not keys.
    mutating func readKeys() -> Input {
        while true {
            if interactive { streams.output("> ") }
            switch input.next(maxBytes: 256) {
            case nil:
                return .endOfInput
            case .tooLong:
                if !interactive { say("> (a line of more than 256 bytes)") }
            case .line(let text):
                let line = trimmed(text)
                if line == "hangup" { return .hangUp }
                if line.utf8.count <= CallCommand.maxKeys, line.utf8.allSatisfy(Keypad.isKey) { return .keys(line) }
                if !interactive { say("> " + line.quotedForMessage(limit: 40, quote: "")) }
            }
            say("  (not keys: type at most \(CallCommand.maxKeys) of 0-9 * # A-D, an empty line for silence, or hangup)")
        }
    }

    /// `text` without white space (and a `\r` from Windows line ends) at either end.
    func trimmed(_ text: String) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }), let last = text.lastIndex(where: { !$0.isWhitespace }) else {
            return ""
        }
        return String(text[first...last])
    }

    func record(of reply: EngineReply) -> EventRecord? {
        switch reply {
        case .answer(_, let record), .lookup(_, let record): record
        case .refused: nil
        }
    }

    /// The answer to send, running a look-up when the call reached one.
    func answer(_ reply: EngineReply) -> (PushAnswer, EventRecord)? {
        switch reply {
        case .answer(let answer, let record):
            return (answer, record)
        case .lookup(let pending, _):
            say("  [\(pending.state): looking up, at most \(seconds(pending.deadline))]")
            if let after = pending.holdAfter {
                let (answer, record) = firstAnswer(of: pending)
                if record.note?.hasPrefix("holding") == true {
                    say("  [\(pending.state): still looking up after \(seconds(after)): you are held]")
                }
                return (answer, record)
            }
            return runBlocking { await pending.run() }
        case .refused(let error):
            say("  [refused: \(error)]")
            return nil
        }
    }

    func show(_ answer: PushAnswer, state: String?) {
        let response = answer.response
        var plays = response.plays
        if case .gather(let gather) = response.final, let play = gather.play { plays.append(play) }
        for play in plays { say("< " + texts.text(forURL: play.url.text)) }
        switch response.final {
        case .gather(let gather):
            let keys = gather.maxDigits == 1 ? "1 key" : "up to \(gather.maxDigits) keys"
            say("  [\(state.map { "\($0): " } ?? "")waiting for \(keys), \(seconds(.milliseconds(gather.timeoutMilliseconds)))]")
        case .dial(let dial):
            switch dial.target {
            case .voicemail:
                say("  [voicemail]")
            case .numbers(let numbers):
                var line = "  [transferring to " + numbers.map(\.digits).joined(separator: ", ")
                if let callerId = dial.callerId { line += ", showing \(callerId.digits)" }
                if dial.anonymous == true { line += ", anonymously" }
                say(line + "]")
            }
        case .reject(let reason):
            say("  [rejected: \(reason.rawValue)]")
        case .hangup:
            say("  [hung up]")
        case nil:
            say("  [no answer: the call rings on as without Touchtone]")
        }
        if showsXML {
            let xml = answer.xml
            say(xml.hasSuffix("\n") ? String(xml.dropLast()) : xml)
        }
    }

    /// Ends the call as sipgate would after it, so `onHangup` hooks run.
    func hangUp() {
        _ = engine.handle(.hangup(HangupEvent(callId: CallCommand.callId, cause: .normalClearing)))
    }

    func seconds(_ duration: Duration) -> String {
        let ms = duration.wholeMilliseconds
        return ms % 1000 == 0 ? "\(ms / 1000) s" : "\(ms) ms"
    }
}
