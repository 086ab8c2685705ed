/// Runs call hooks (``Flow/onAnswer(_:)``, ``Flow/onHangup(_:)``).
public protocol HookRunner: Sendable {
    func run(_ work: @escaping @Sendable () async -> Void)
}

/// Runs each hook in a detached task, so a slow hook never holds up an answer.
public struct DetachedHookRunner: HookRunner {
    public init() {}
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

    public init() {}

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
