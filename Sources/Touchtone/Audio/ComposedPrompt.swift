/// Several prompts joined into one WAV, so that a read-out such as "you entered 4 1 7,
/// press 1 if correct" is one `Play` inside a `Gather`: sipgate allows only one there, and
/// only it can be interrupted by a key.
///
/// sipgate has no text-to-speech; Touchtone composes numbers from recorded pieces in
/// `Audio/`. The URL names the pieces, `audio/compose/you-entered,digit-4,digit-1.wav`;
/// the server joins their samples (all 8 kHz mono 16-bit PCM) and caches the result.
/// Only names of files in `Audio/` are accepted, at most ``maxParts`` of them.
public enum ComposedPrompt {
    /// The folder under the audio path that serves composed prompts.
    public static let folder = "compose"
    /// The most pieces one composed prompt may have.
    public static let maxParts = 32

    /// The file name for `prompts`: `a,b,c.wav`; `nil` when there are too many or a name is not a plain file name.
    public static func fileName(for prompts: [Prompt]) -> String? {
        guard !prompts.isEmpty, prompts.count <= maxParts, prompts.allSatisfy({ AudioFolder.isValidName($0.name) }) else { return nil }
        return prompts.map(\.name).joined(separator: ",") + ".wav"
    }

    /// The pieces named by a composed file name (`a,b,c.wav`), or `nil` when it is not one.
    public static func prompts(inFileName name: String) -> [Prompt]? {
        guard name.hasSuffix(".wav"), name.utf8.count <= maxParts * 129 + 4 else { return nil }
        let names = name.dropLast(4).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard !names.isEmpty, names.count <= maxParts, names.allSatisfy(AudioFolder.isValidName) else { return nil }
        return names.map { Prompt($0) }
    }

    /// The prompt names a `Play` URL stands for: `.../audio/NAME.wav` is `[NAME]`, a composed
    /// `.../audio/compose/a,b.wav` is `[a, b]`. For transcripts, tools and tests.
    public static func promptNames(inURL url: String) -> [String] {
        let segments = url.split(separator: "/")
        let last = segments.last.map(String.init) ?? url
        if segments.count >= 2, segments[segments.count - 2] == Substring(folder), let pieces = prompts(inFileName: last) {
            return pieces.map(\.name)
        }
        return [last.hasSuffix(".wav") ? String(last.dropLast(4)) : last]
    }

    /// The language of a `Play` URL's prompts: `de` for `.../audio/de/NAME.wav` and
    /// `.../audio/de/compose/a,b.wav`; `nil` for prompts of one set.
    public static func language(inURL url: String) -> String? {
        var segments = url.split(separator: "/")
        guard segments.count >= 3 else { return nil }
        segments.removeLast()
        if segments.last == Substring(folder) { segments.removeLast() }
        guard let code = segments.last.map(String.init), Language.isValid(code) else { return nil }
        return code
    }

    /// A WAV file (8 kHz, mono, 16-bit PCM) holding `samples` one after the other.
    public static func wav(joining samples: [ArraySlice<UInt8>]) -> [UInt8] {
        let dataBytes = samples.reduce(0) { $0 + $1.count }
        var out: [UInt8] = []
        out.reserveCapacity(44 + dataBytes)
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian) { out.append(contentsOf: $0) } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian) { out.append(contentsOf: $0) } }
        out.append(contentsOf: Array("RIFF".utf8))
        u32(36 + dataBytes)
        out.append(contentsOf: Array("WAVE".utf8))
        out.append(contentsOf: Array("fmt ".utf8))
        u32(16)
        u16(1)
        u16(1)
        u32(8000)
        u32(16000)
        u16(2)
        u16(16)
        out.append(contentsOf: Array("data".utf8))
        u32(dataBytes)
        for chunk in samples { out.append(contentsOf: chunk) }
        return out
    }
}
