import Touchtone

/// What the server itself counts (the engine counts events and answers).
struct ServerStats: Sendable {
    /// Upper bounds of the latency histogram, in microseconds.
    static let latencyBucketsMicroseconds: [Int] = [50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 50_000, 250_000, 1_000_000, 10_000_000]

    var requests = 0
    var refusedByReason: [Refusal: Int] = [:]
    var authFailures = 0
    var latencyCounts = [Int](repeating: 0, count: ServerStats.latencyBucketsMicroseconds.count + 1)
    var latencySumMicroseconds = 0
    var latencyCount = 0
    var acceptedConnections = 0

    /// Counts one answer: an answer to a request the server read counts as a request; a
    /// push's time goes into the histogram, a refusal under its reason.
    mutating func count(_ answer: Answer, microseconds: Int) {
        switch answer.kind {
        case .push:
            requests += 1
            observeLatency(microseconds: microseconds)
        case .refused(let refusal, _):
            if refusal.answersARequest { requests += 1 }
            refusedByReason[refusal, default: 0] += 1
            if refusal.isAuthFailure { authFailures += 1 }
        case .served:
            requests += 1
        }
    }

    mutating func observeLatency(microseconds: Int) {
        var i = 0
        let bounds = ServerStats.latencyBucketsMicroseconds
        while i < bounds.count, microseconds > bounds[i] { i += 1 }
        latencyCounts[i] += 1
        latencySumMicroseconds += microseconds
        latencyCount += 1
    }

    mutating func merge(_ other: ServerStats) {
        requests += other.requests
        for (k, v) in other.refusedByReason { refusedByReason[k, default: 0] += v }
        authFailures += other.authFailures
        for i in latencyCounts.indices { latencyCounts[i] += other.latencyCounts[i] }
        latencySumMicroseconds += other.latencySumMicroseconds
        latencyCount += other.latencyCount
        acceptedConnections += other.acceptedConnections
    }
}

/// Per-loop counters behind an uncontended lock; `/metrics` adds them up.
final class LoopStats: Sendable {
    let state = Lock(ServerStats())
}

/// Renders the Prometheus text format (version 0.0.4).
enum PrometheusText {
    static func render(stats: ServerStats, engine: EngineCounters, liveSessions: Int?, openConnections: Int, lookupsRunning: Int) -> String
    {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        /// A family with one unlabelled value.
        func single(_ name: String, _ type: String, _ help: String, _ value: Int) {
            family(name, type, help)
            out += "\(name) \(value)\n"
        }
        func label(_ value: String) -> String { escaped(value) }
        // Sessions in a shared store are counted there (Redis: `DBSIZE`), not by one instance.
        if let liveSessions { single("touchtone_sessions_live", "gauge", "Calls with a live session.", liveSessions) }
        single("touchtone_connections_open", "gauge", "Open client connections.", openConnections)
        single("touchtone_connections_accepted_total", "counter", "Client connections accepted.", stats.acceptedConnections)
        single("touchtone_http_requests_total", "counter", "HTTP requests answered.", stats.requests)
        family("touchtone_events_total", "counter", "Pushes handled, by event.")
        for name in EventName.allCases {
            out += "touchtone_events_total{event=\"\(name.rawValue)\"} \(engine.eventsByType[name] ?? 0)\n"
        }
        family("touchtone_answers_total", "counter", "Answers sent, by final verb.")
        for (verb, count) in engine.answersByVerb.sorted(by: { $0.key < $1.key }) {
            out += "touchtone_answers_total{verb=\"\(label(verb))\"} \(count)\n"
        }
        family("touchtone_refused_total", "counter", "Requests refused, by reason.")
        var refused: [String: Int] = [:]
        for (refusal, count) in stats.refusedByReason { refused[refusal.label] = count }
        // Calls the engine turned away (answered 200, but not served by a flow).
        if engine.refusedFull > 0 { refused["store_full", default: 0] += engine.refusedFull }
        if engine.unrouted > 0 { refused["unrouted", default: 0] += engine.unrouted }
        for (reason, count) in refused.sorted(by: { $0.key < $1.key }) {
            out += "touchtone_refused_total{reason=\"\(label(reason))\"} \(count)\n"
        }
        single(
            "touchtone_unknown_call_events_total", "counter", "Pushes for calls without a session (never seen, expired or lost).",
            engine.unknownCallEvents)
        single("touchtone_hook_failures_total", "counter", "Call hooks that failed.", engine.hookFailures)
        single("touchtone_sessions_expired_total", "counter", "Sessions removed for being idle too long.", engine.expiredSessions)
        single(
            "touchtone_auth_failures_total", "counter", "Requests refused for missing or wrong credentials or signatures.",
            stats.authFailures)
        single("touchtone_lookup_timeouts_total", "counter", "Async steps that ran past their deadline.", engine.lookupTimeouts)
        single("touchtone_lookup_failures_total", "counter", "Async steps that failed.", engine.lookupFailures)
        single("touchtone_lookups_running", "gauge", "Async steps running now, those holding their caller included.", lookupsRunning)
        single(
            "touchtone_lookup_holds_total", "counter", "Async steps that held their caller: the push was answered with the hold prompt.",
            engine.lookupHolds)
        single(
            "touchtone_repeated_pushes_total", "counter",
            "Pushes delivered again (or late), answered with the kept answer without changing the call.", engine.repeatedPushes)
        out += histogram(
            "touchtone_push_duration_seconds", "Time from a complete push to its answer.",
            bounds: ServerStats.latencyBucketsMicroseconds, counts: stats.latencyCounts,
            sumMicroseconds: stats.latencySumMicroseconds, count: stats.latencyCount)
        return out
    }

    /// The session store's families, when sessions live in Redis.
    static func renderStore(_ counts: StoreCounts, up: Bool, engine: EngineCounters) -> String {
        var out = "# HELP touchtone_store_up Whether every loop's connection to the session store is up.\n"
        out += "# TYPE touchtone_store_up gauge\ntouchtone_store_up \(up ? 1 : 0)\n"
        out += histogram(
            "touchtone_store_round_trip_seconds", "Time from a session store command to its reply.",
            bounds: StoreCounts.roundTripBucketsMicroseconds, counts: counts.roundTripCounts,
            sumMicroseconds: counts.roundTripSumMicroseconds, count: counts.roundTrips)
        out +=
            "# HELP touchtone_store_errors_total Session store commands that failed, by kind.\n# TYPE touchtone_store_errors_total counter\n"
        for kind in ["auth", "connection", "overloaded", "protocol", "server", "timeout", "unavailable"] {
            out += "touchtone_store_errors_total{kind=\"\(kind)\"} \(counts.errorsByKind[kind] ?? 0)\n"
        }
        out += "# HELP touchtone_store_reconnects_total Times a connection to the session store came back after a loss.\n"
        out += "# TYPE touchtone_store_reconnects_total counter\ntouchtone_store_reconnects_total \(counts.reconnects)\n"
        out += "# HELP touchtone_store_conflicts_total Writes that met another instance's change of the same call and were applied again.\n"
        out += "# TYPE touchtone_store_conflicts_total counter\ntouchtone_store_conflicts_total \(counts.conflicts)\n"
        out += "# HELP touchtone_store_unreadable_total Stored sessions this build could not read.\n"
        out += "# TYPE touchtone_store_unreadable_total counter\ntouchtone_store_unreadable_total \(counts.unreadable)\n"
        out +=
            "# HELP touchtone_store_unreachable_answers_total Pushes answered without their session (store unreachable or too slow), by event.\n"
        out += "# TYPE touchtone_store_unreachable_answers_total counter\n"
        for name in EventName.allCases {
            out += "touchtone_store_unreachable_answers_total{event=\"\(name.rawValue)\"} \(engine.storeUnreachableByEvent[name] ?? 0)\n"
        }
        return out
    }

    /// A histogram family over microsecond `bounds`.
    static func histogram(_ name: String, _ help: String, bounds: [Int], counts: [Int], sumMicroseconds: Int, count: Int) -> String {
        "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
            + histogramSeries(name, labels: "", bounds: bounds, counts: counts, sumMicroseconds: sumMicroseconds, count: count)
    }

    /// One series of a histogram family: its buckets, sum and count, with `labels`
    /// (`flow="hotline",state="lookup"`, or empty) before `le`.
    static func histogramSeries(_ name: String, labels: String, bounds: [Int], counts: [Int], sumMicroseconds: Int, count: Int) -> String {
        let prefix = labels.isEmpty ? "" : labels + ","
        let own = labels.isEmpty ? "" : "{\(labels)}"
        var out = ""
        var cumulative = 0
        for (i, bound) in bounds.enumerated() {
            cumulative += counts[i]
            out += "\(name)_bucket{\(prefix)le=\"\(seconds(bound))\"} \(cumulative)\n"
        }
        cumulative += counts[bounds.count]
        out += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(cumulative)\n"
        out += "\(name)_sum\(own) \(seconds(sumMicroseconds))\n"
        out += "\(name)_count\(own) \(count)\n"
        return out
    }

    /// Microseconds as a decimal number of seconds, without floating-point noise.
    static func seconds(_ microseconds: Int) -> String {
        let whole = microseconds / 1_000_000
        var fraction = String(microseconds % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? "\(whole)" : "\(whole).\(fraction)"
    }
}
