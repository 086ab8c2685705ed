import FoundationEssentials

/// What the compiler needs besides the flow: where prompts are checked and served.
public struct CompileEnvironment: Sendable {
    /// The root URL sipgate reaches this server at.
    public var publicURL: AbsoluteURL
    /// The path under `publicURL` that serves `Audio/` (`audio` gives `/audio/NAME.wav`).
    public var audioPath: String
    /// Checks that prompts exist and play on sipgate; `nil` skips the check.
    public var prompts: (any PromptCatalog)?

    /// An environment serving prompts from `publicURL` + `audioPath`, checking them against `prompts` when given.
    public init(publicURL: AbsoluteURL, audioPath: String = "audio", prompts: (any PromptCatalog)? = nil) {
        self.publicURL = publicURL
        self.audioPath = audioPath
        self.prompts = prompts
    }

    /// The environment of one language of a flow: prompts served from and checked in the
    /// language's own folder (`audio/de/NAME.wav`, `Audio/de/NAME.wav`).
    public func speaking(_ language: String) -> CompileEnvironment {
        CompileEnvironment(publicURL: publicURL, audioPath: audioPath + "/" + language, prompts: prompts?.inLanguage(language))
    }

    func promptURL(_ prompt: Prompt) throws(ResponseError) -> AbsoluteURL {
        try publicURL.appending(path: audioPath + "/" + prompt.name + ".wav")
    }

    /// The URL of several prompts joined into one (``ComposedPrompt``), when they can be.
    func composedURL(_ prompts: [Prompt]) -> AbsoluteURL? {
        guard let name = ComposedPrompt.fileName(for: prompts) else { return nil }
        return try? publicURL.appending(path: audioPath + "/" + ComposedPrompt.folder + "/" + name)
    }
}
