// Speed and memory figures of the engine, in process: decode, session lookup, step and
// render for each event type; bytes per live session; the longest stall while sessions
// expire. Run it in release mode:
//
//     swift run -c release touchtone-bench [--calls N] [--sessions N] [--live N] [--only 1|3|4 [--key K]]
//
// --calls: events per type in part 3 (default 1,000,000); --sessions: sessions for memory
// and expiry (parts 1 and 2, default 1,000,000); --live: calls live at once in part 3
// (default 1,000); --only: run one part (4 is the menu step alone, for profilers).
// It prints figures; it asserts nothing (targets are checked by reading them).
import Dispatch
import FoundationEssentials
import Synchronization
import Touchtone
import TouchtoneCommandLine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

func option(_ name: String, default value: Int) -> Int {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let n = Int(args[i + 1]) else { return value }
    return n
}

let calls = option("--calls", default: 1_000_000)
let sessionCount = option("--sessions", default: 1_000_000)
/// Calls live at once in the speed part; events cycle over them (`--calls` events per type).
let live = max(1, min(option("--live", default: 1_000), calls))
let sections = option("--only", default: 0)

/// Resident memory of this process in bytes (Linux: /proc/self/statm).
func residentBytes() -> Int {
    #if os(Linux)
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 128)
        guard fgets(&buffer, 128, file) != nil else { return 0 }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let fields = text.split(separator: " ")
        guard fields.count >= 2, let resident = Int(fields[1]) else { return 0 }
        return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
    #else
        return 0
    #endif
}

/// `value` right-aligned in `width` columns, rounded to whole units.
func column(_ value: Double, _ width: Int) -> String {
    let text = String(Int(value.rounded()))
    return String(repeating: " ", count: max(0, width - text.count)) + text
}

func label(_ text: String) -> String { text + String(repeating: " ", count: max(0, 34 - text.count)) }

func callId(_ i: Int) -> String {
    // 78 characters, like sipgate's hex callIds.
    let hex = String(i, radix: 16)
    return String(repeating: "0", count: 78 - hex.count) + hex
}

func engine(store: InMemorySessionStore, clock: ManualClock) -> Engine {
    do {
        return try Engine(
            routes: ReferenceFlow.routes, store: store, clock: clock,
            settings: EngineSettings(publicURL: try AbsoluteURL("http://127.0.0.1:3000")))
    } catch {
        fatalError("reference flow does not compile: \(error)")
    }
}

/// A `newCall` push of the reference flow for `callId`, with two users.
func newCallBody(_ callId: String) -> String {
    "event=newCall&from=492111234567&to=4915791234567&direction=in&callId=\(callId)&user%5B%5D=Alice&user%5B%5D=Bob"
}

func bodies(_ count: Int, _ make: (String) -> String) -> [[UInt8]] {
    (0..<count).map { Array(make(callId($0)).utf8) }
}

/// Runs every body through the engine and renders each answer into one reused buffer.
func run(_ engine: Engine, _ bodies: [[UInt8]]) -> (nanoseconds: Double, bytes: Int) {
    var buffer = [UInt8]()
    buffer.reserveCapacity(1024)
    var bytes = 0
    let clock = ContinuousClock()
    let start = clock.now
    for body in bodies {
        buffer.removeAll(keepingCapacity: true)
        switch engine.handle(body: body) {
        case .answer(let response, _): response.render(into: &buffer)
        case .lookup, .refused: fatalError("unexpected reply")
        }
        bytes &+= buffer.count
    }
    let elapsed = clock.now - start
    let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    return (ns / Double(bodies.count), bytes)
}

print("touchtone-bench: \(calls) calls per event type, \(sessionCount) sessions for memory and expiry")
print("")
if sections == 0 || sections == 1 {
    print("1. Memory: \(sessionCount) live sessions (78-character callIds, menu state, caller data):")
    do {
        let clock = ManualClock()
        let store = InMemorySessionStore(idleTimeout: .seconds(3600), maxSessions: sessionCount + 10)
        let e = engine(store: store, clock: clock)
        let newCalls = bodies(sessionCount) {
            "event=newCall&from=492111234567&to=4915791234567&direction=in&callId=\($0)&user%5B%5D=Alice"
        }
        let before = residentBytes()
        for body in newCalls { _ = e.handle(body: body) }
        let after = residentBytes()
        print("   live sessions: \(store.count)")
        print("   RSS growth: \((after - before) / 1_048_576) MiB, \((after - before) / max(store.count, 1)) bytes per session")

        print("")
        print("2. Expiry: every one of those sessions expires; the sweeper runs while one thread keeps handling events:")
        clock.advance(by: 3601)
        // The probe: one live call's dtmf events on a plain thread, timed one by one, first
        // without and then while the sweeper expires every other session.
        let probeBody = Array("event=dtmf&dtmf=7&callId=probe".utf8)
        let probeCall = Array("event=newCall&from=492111234567&to=4915791234567&direction=in&callId=probe".utf8)
        func probe(while running: () -> Void) -> [Int] {
            let stop = Atomic<Bool>(false)
            let samples = Mutex<[Int]>([])
            let thread = Thread_start {
                let clock = ContinuousClock()
                var local: [Int] = []
                local.reserveCapacity(1 << 20)
                var n = 0
                while !stop.load(ordering: .relaxed) {
                    if n % 2 == 0 { _ = e.handle(body: probeCall) }
                    let t0 = clock.now
                    _ = e.handle(body: probeBody)
                    let d = clock.now - t0
                    local.append(Int(d.components.seconds) * 1_000_000_000 + Int(d.components.attoseconds / 1_000_000_000))
                    n += 1
                }
                samples.withLock { $0 = local }
            }
            running()
            stop.store(true, ordering: .relaxed)
            thread.join()
            return samples.withLock { $0 }.sorted()
        }
        func describe(_ sorted: [Int]) -> String {
            guard !sorted.isEmpty else { return "no events" }
            func at(_ q: Double) -> String { String(Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]) / 1000) }
            return
                "\(sorted.count) events: p50 \(at(0.5)) µs, p99 \(at(0.99)) µs, p99.9 \(at(0.999)) µs, max \(Double(sorted.last!) / 1000) µs"
        }
        let baselineStart = ContinuousClock.now
        let baseline = probe { while ContinuousClock.now - baselineStart < .seconds(1) {} }
        let timer = ContinuousClock()
        var worstSweep = Duration.zero
        var expired = 0
        var total = Duration.zero
        let during = probe {
            let sweepStart = timer.now
            while true {
                let t0 = timer.now
                let report = store.sweep(now: clock.now())
                let d = timer.now - t0
                if d > worstSweep { worstSweep = d }
                expired += report.expired.count
                if report.completedPass && store.count <= 1 { break }
            }
            total = timer.now - sweepStart
        }
        print(
            "   expired \(expired) sessions in \(total); longest sweep(now:) call \(worstSweep) (one shard; the lock is held for its scan only)"
        )
        print("   a live call's events, no sweep running:   " + describe(baseline))
        print("   a live call's events, while all expire:   " + describe(during))
    }

}

print("")
if sections == 0 || sections == 3 {
    print("3. One event through decode, session lookup, step and XML render (one core), \(live) live calls:")
    do {
        let clock = ManualClock()
        let store = InMemorySessionStore(maxSessions: live + 10)
        let e = engine(store: store, clock: clock)
        let rounds = max(1, calls / live)
        let newCalls = bodies(live, newCallBody)
        let menuSteps = bodies(live) { "event=dtmf&dtmf=1&callId=\($0)" }
        let answers = bodies(live) {
            "event=answer&callId=\($0)&user=Alice&from=492111234567&to=4915791234567&direction=in&answeringNumber=4915799912345"
        }
        let hangups = bodies(live) {
            "event=hangup&cause=normalClearing&callId=\($0)&from=492111234567&to=4915791234567&direction=in&answeringNumber=4915799912345"
        }
        let wrongKeys = bodies(live) { "event=dtmf&dtmf=7&callId=\($0)" }
        let names = [
            "newCall (create session, menu)", "dtmf (menu step -> Dial)", "answer (record, empty answer)",
            "hangup (end session)", "dtmf (menu step -> re-prompt)",
        ]
        var total = [Double](repeating: 0, count: names.count)
        // Each round is a whole call per callId: the sessions are created, stepped and ended
        // again, so every round measures the same work.
        for _ in 0..<rounds {
            total[0] += run(e, newCalls).nanoseconds
            total[1] += run(e, menuSteps).nanoseconds
            total[2] += run(e, answers).nanoseconds
            total[3] += run(e, hangups).nanoseconds
            // The menu step alone, over sessions that stay in the menu (wrong key -> re-prompt).
            for body in newCalls { _ = e.handle(body: body) }
            total[4] += run(e, wrongKeys).nanoseconds
            for body in hangups { _ = e.handle(body: body) }
        }
        for (name, sum) in zip(names, total) {
            let ns = sum / Double(rounds)
            print("   \(label(name)) \(column(ns, 7)) ns/event  \(column(1e9 / ns, 10)) events/s")
        }
    }
}

// 4. For profilers (`--only 4 [--key K]`): the menu step alone (default key 7: a wrong key ->
// re-prompt; 1: a transfer), nothing else timed.
if sections == 4 {
    let clock = ManualClock()
    let store = InMemorySessionStore(maxSessions: live + 10)
    let e = engine(store: store, clock: clock)
    let newCalls = bodies(live, newCallBody)
    let key = option("--key", default: 7)
    let wrongKeys = bodies(live) { "event=dtmf&dtmf=\(key)&callId=\($0)" }
    let hangups = bodies(live) { "event=hangup&cause=normalClearing&callId=\($0)" }
    var total = 0.0
    for _ in 0..<max(1, calls / live) {
        for body in newCalls { _ = e.handle(body: body) }
        total += run(e, wrongKeys).nanoseconds
        for body in hangups { _ = e.handle(body: body) }
    }
    print("menu step (key \(key)): \(Int(total / Double(max(1, calls / live)))) ns/event")
}

/// A plain thread (not Swift concurrency's pool) for the probe.
final class Thread_start: @unchecked Sendable {
    private var thread = pthread_t()
    private let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
        let box = Unmanaged.passRetained(self).toOpaque()
        pthread_create(
            &thread, nil,
            { raw in
                let me = Unmanaged<Thread_start>.fromOpaque(raw!).takeRetainedValue()
                me.body()
                return nil
            }, box)
    }

    func join() { pthread_join(thread, nil) }
}
