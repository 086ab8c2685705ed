/// Runs call hooks (``Flow/onAnswer(_:)``, ``Flow/onHangup(_:)``).
public protocol HookRunner: Sendable {
    /// Starts `work` (all the hooks of one call event, in order) and returns without waiting for it.
    func run(_ work: @escaping @Sendable () async -> Void)
}

/// Runs each hook in a detached task, so a slow hook never holds up an answer.
public struct DetachedHookRunner: HookRunner {
    /// A runner with nothing to set up; the engine's default.
    public init() {}
    /// Starts `work` in a new detached task and returns at once.
    public func run(_ work: @escaping @Sendable () async -> Void) {
        Task.detached { await work() }
    }
}

/// Runs each hook in a task and keeps the tasks, so that whoever drives the engine can wait
/// for them: a test sees a hook's effect as soon as its step returns, and a command line
/// tool lets hooks finish before it exits.
///
/// ```swift
/// let hooks = CollectingHookRunner()
/// let engine = try Engine(routes: routes, store: store, settings: EngineSettings(publicURL: url, hookRunner: hooks))
/// _ = engine.handle(body: hangupBody)
/// await hooks.drain()        // the hangup hooks have run
/// ```
public final class CollectingHookRunner: HookRunner {
    private let tasks = Lock<[Task<Void, Never>]>([])

    /// A runner with no hooks started yet.
    public init() {}

    /// Starts `work` in a new task and keeps the task for ``drain()``.
    public func run(_ work: @escaping @Sendable () async -> Void) {
        let task = Task { await work() }
        tasks.withLock { $0.append(task) }
    }

    /// Waits for every hook started so far.
    public func drain() async {
        let pending = tasks.withLock { list in
            defer { list = [] }
            return list
        }
        for task in pending { await task.value }
    }
}
