import Touchtone

/// The texts of `prompts.txt` (`name|text` lines, `#` comments): what a prompt says.
struct PromptTexts {
    var texts: [String: String] = [:]
    static let maxFileBytes = 1 << 20

    init(file: String) {
        guard let text = SmallFile(path: file, maxBytes: PromptTexts.maxFileBytes).text else { return }
        for line in text.split(whereSeparator: \.isNewline) {
            guard !line.hasPrefix("#"), let bar = line.firstIndex(of: "|") else { continue }
            texts[String(line[..<bar])] = String(line[line.index(after: bar)...])
        }
    }

    /// The text of the prompt at `url` (`.../audio/NAME.wav`, or the pieces of a composed
    /// prompt one after the other), or its name where there is no text.
    func text(forURL url: String) -> String {
        ComposedPrompt.promptNames(inURL: url).map { texts[$0] ?? $0 }.joined(separator: " ")
    }
}
