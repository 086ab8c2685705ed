import Synchronization

/// Runs a look-up's work against its deadline without tying up the caller: whichever comes
/// first, the work's end or the deadline, ends the look-up, and a late work is cancelled.
enum LookupRunner {
    static func run(
        _ work: @escaping @Sendable (CallContext) async throws -> ErasedLookupResult,
        context: CallContext, deadline: Duration
    ) async -> LookupEnding {
        await withCheckedContinuation { continuation in
            let once = Once(continuation)
            let worker = WorkerHandle()
            // Past the deadline the call goes on without the result, and the work is told to
            // stop (cancellation): a late look-up holds nothing once it has lost.
            let timer = Task {
                try? await Task.sleep(for: deadline)
                guard !Task.isCancelled else { return }
                once.resume(.timedOut)
                worker.cancel()
            }
            worker.set(
                Task {
                    let ending: LookupEnding
                    do { ending = .finished(try await work(context)) } catch { ending = .failed(String(describing: error)) }
                    timer.cancel()
                    once.resume(ending)
                })
        }
    }

    /// Resumes the waiting look-up once: the work and the deadline race for it.
    private final class Once: Sendable {
        let continuation: Lock<CheckedContinuation<LookupEnding, Never>?>
        init(_ c: CheckedContinuation<LookupEnding, Never>) { continuation = Lock(c) }
        func resume(_ ending: LookupEnding) {
            continuation.withLock { c in
                c?.resume(returning: ending)
                c = nil
            }
        }
    }

    /// The running work, so the deadline can cancel it.
    private final class WorkerHandle: Sendable {
        private let task = Lock<Task<Void, Never>?>(nil)
        func set(_ t: Task<Void, Never>) { task.withLock { $0 = t } }
        func cancel() { task.withLock { $0?.cancel() } }
    }
}
