/// A turn's prompts, compiled: their parts, and the `Play`s built ahead where nothing
/// depends on the call.
struct CompiledPrompts: Sendable {
    enum Part: Sendable {
        case file(Prompt, Play)
        case digits(variable: String)
    }

    /// What a turn plays, as far as it can be known before a call.
    enum Audio: Sendable {
        /// Nothing: the turn has no prompt.
        case silence
        /// The same `Play` for every call: one recording, or several joined into one file.
        case fixed(Play)
        /// Built for each call from ``parts``: a read-out of the call's digits, or more
        /// recordings than one composed file may join.
        case perCall
    }

    let parts: [Part]
    /// The plays one by one when every part is a recording (a handler's message plays them so).
    let prebuilt: [Play]?
    let audio: Audio

    init(parts: [Part], composedURL: ([Prompt]) -> AbsoluteURL?) {
        self.parts = parts
        var plays: [Play] = []
        var prompts: [Prompt] = []
        for part in parts {
            guard case .file(let prompt, let play) = part else { break }
            plays.append(play)
            prompts.append(prompt)
        }
        let allFiles = plays.count == parts.count
        prebuilt = allFiles ? plays : nil
        if allFiles && plays.count <= 1 {
            audio = plays.first.map { .fixed($0) } ?? .silence
        } else if allFiles, let url = composedURL(prompts) {
            audio = .fixed(Play(url))
        } else {
            audio = .perCall
        }
    }
}
