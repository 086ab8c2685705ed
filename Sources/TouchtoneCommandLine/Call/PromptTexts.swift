import FoundationEssentials
import Touchtone

/// The texts of `prompts.txt` (`name|text` lines, `#` comments): what a prompt says; those
/// of `Audio/prompts.txt` and, for each language, of `Audio/<language>/prompts.txt`.
struct PromptTexts {
    /// The texts of prompts of one set, by name.
    var texts: [String: String] = [:]
    /// The texts of each language's prompts, by language and name.
    var languages: [String: [String: String]] = [:]
    static let maxFileBytes = 1 << 20

    init(file: String) {
        texts = Self.read(file)
    }

    /// The texts of `folder/prompts.txt` and of `folder/<language>/prompts.txt` for each language folder.
    init(folder: String) {
        texts = Self.read(folder + "/prompts.txt")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for code in names where Language.isValid(code) {
            languages[code] = Self.read(folder + "/" + code + "/prompts.txt")
        }
    }

    private static func read(_ file: String) -> [String: String] {
        guard let text = SmallFile(path: file, maxBytes: PromptTexts.maxFileBytes).text else { return [:] }
        var texts: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard !line.hasPrefix("#"), let bar = line.firstIndex(of: "|") else { continue }
            texts[String(line[..<bar])] = String(line[line.index(after: bar)...])
        }
        return texts
    }

    /// The text of the prompt at `url` (`.../audio/NAME.wav`, `.../audio/de/NAME.wav`, or the
    /// pieces of a composed prompt one after the other), or its name where there is no text.
    func text(forURL url: String) -> String {
        let set = ComposedPrompt.language(inURL: url).map { languages[$0] ?? [:] } ?? texts
        return ComposedPrompt.promptNames(inURL: url).map { set[$0] ?? $0 }.joined(separator: " ")
    }
}
