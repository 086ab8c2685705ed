/// Settings of an ``Engine`` that do not belong to a flow.
public struct EngineSettings: Sendable {
    /// The address sipgate reaches this server at; callback and prompt URLs are built from it
    /// (and keep its `user:password@` part so sipgate can authenticate its callbacks).
    public var publicURL: AbsoluteURL
    /// Path under ``publicURL`` where prompts are served.
    public var audioPath: String
    /// Checks every prompt at start-up (`AudioFolder(path: "Audio")`); `nil` skips the check.
    public var prompts: (any PromptCatalog)?
    /// Runs call hooks; by default each in its own task, off the caller's thread.
    public var hookRunner: any HookRunner
    /// Played before a flow starts again for a call whose state a deploy removed (see
    /// ``RoutingTable/keeping(_:)``): by default `menu-changed` when the prompts have it.
    public var menuChangedPrompt: MenuChangedPrompt
    /// `menu-changed` when it is recorded: what ``menuChangedPrompt`` is unless set.
    public static let defaultMenuChangedPrompt = MenuChangedPrompt.ifRecorded("menu-changed")

    /// Settings for the server at `publicURL`. By default prompts are served under `audio`, not checked at start-up,
    /// hooks run in detached tasks, and `menu-changed` is played when recorded.
    public init(
        publicURL: AbsoluteURL, audioPath: String = "audio", prompts: (any PromptCatalog)? = nil,
        hookRunner: any HookRunner = DetachedHookRunner(),
        menuChangedPrompt: MenuChangedPrompt = EngineSettings.defaultMenuChangedPrompt
    ) {
        self.publicURL = publicURL
        self.audioPath = audioPath
        self.prompts = prompts
        self.hookRunner = hookRunner
        self.menuChangedPrompt = menuChangedPrompt
    }
}

/// What a caller hears before a flow starts again because a deploy removed the state the
/// call was in (see ``EngineSettings/menuChangedPrompt``).
///
/// ```swift
/// EngineSettings(publicURL: url, prompts: AudioFolder(path: "Audio"), menuChangedPrompt: .always("neues-menue"))
/// ```
public enum MenuChangedPrompt: Sendable, Hashable {
    /// This prompt when the prompts have it, else none: a package without the recording
    /// still starts (Touchtone's own `Audio/` has `menu-changed.wav`). A recording that is
    /// there but does not play is a problem; with no prompt catalog, it is played unchecked.
    case ifRecorded(Prompt)
    /// This prompt; the engine refuses to start when the prompts lack it.
    case always(Prompt)
    /// None: the flow starts again without a word.
    case none
}
