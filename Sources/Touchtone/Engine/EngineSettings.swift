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
    /// Records in each ``EventRecord`` the edges the call took (for flow coverage in tests).
    public var tracesEdges: Bool
    /// Played before a flow starts again for a call whose state a deploy removed (see
    /// ``RoutingTable/keeping(_:)``); nil starts it without a word.
    public var menuChangedPrompt: Prompt?

    public init(publicURL: AbsoluteURL, audioPath: String = "audio", prompts: (any PromptCatalog)? = nil,
                hookRunner: any HookRunner = DetachedHookRunner(), tracesEdges: Bool = false,
                menuChangedPrompt: Prompt? = "menu-changed") {
        self.publicURL = publicURL
        self.audioPath = audioPath
        self.prompts = prompts
        self.hookRunner = hookRunner
        self.tracesEdges = tracesEdges
        self.menuChangedPrompt = menuChangedPrompt
    }
}
