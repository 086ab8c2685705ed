import Dispatch
import Touchtone

/// The first answer of a look-up that may hold its caller, waited for on this thread: its
/// result when the work ends first, else the hold answer; a held look-up's work runs on and
/// its ending is kept for the call's next push (what the terminal's next line sends).
func firstAnswer(of pending: PendingLookup) -> (PushAnswer, EventRecord) {
    let first = Lock<(PushAnswer, EventRecord)?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let run = await pending.runHolding { answer, record in
            first.withLock { $0 = (answer, record) }
            done.signal()
        }
        if case .answered(let answer, let record) = run {
            first.withLock { $0 = (answer, record) }
            done.signal()
        }
    }
    done.wait()
    guard let answer = first.withLock({ $0 }) else { fatalError("the look-up signalled without an answer") }
    return answer
}
