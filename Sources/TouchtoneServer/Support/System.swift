import CTouchtoneSystem

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed system call: what was attempted and the `errno` text.
public struct SystemError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The call that failed, e.g. `listen`.
    public var operation: String
    /// The `errno` value.
    public var code: Int32

    /// A failure of `operation` with `errno` `code`.
    public init(_ operation: String, code: Int32) {
        self.operation = operation
        self.code = code
    }

    /// `listen: Address already in use`.
    public var description: String {
        if code <= -1000 || code >= 1000 {
            // getaddrinfo failures are reported as -(1000 - EAI_*).
            return "\(operation): \(String(cString: gai_strerror(Int32(-1000) - code)))"
        }
        return "\(operation): \(String(cString: strerror(code)))"
    }
}

enum Clock {
    /// Monotonic nanoseconds, for timeouts and latency.
    @inline(__always) static func monotonicNanoseconds() -> UInt64 { ctt_monotonic_ns() }
}

/// Formats dates for HTTP `Date` headers and log lines without Foundation.
enum TimeText {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func now() -> (seconds: Int64, nanoseconds: Int32) {
        var s: Int64 = 0
        var ns: Int32 = 0
        ctt_realtime(&s, &ns)
        return (s, ns)
    }

    private static func fields(_ seconds: Int64) -> [Int32] {
        var f = [Int32](repeating: 0, count: 7)
        f.withUnsafeMutableBufferPointer { ctt_utc_fields(seconds, $0.baseAddress) }
        return f
    }

    private static func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// `Sun, 06 Nov 1994 08:49:37 GMT`
    static func httpDate(_ seconds: Int64) -> String {
        let f = fields(seconds)
        return "\(days[Int(f[6])]), \(two(f[2])) \(months[Int(f[1]) - 1]) \(f[0]) \(two(f[3])):\(two(f[4])):\(two(f[5])) GMT"
    }

    /// `2026-11-27T16:46:51.123Z`
    static func iso8601(_ seconds: Int64, nanoseconds: Int32) -> String {
        let f = fields(seconds)
        let ms = Int(nanoseconds / 1_000_000)
        let msText = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)"
        return "\(f[0])-\(two(f[1]))-\(two(f[2]))T\(two(f[3])):\(two(f[4])):\(two(f[5])).\(msText)Z"
    }
}

/// Writes all of `bytes` to a file descriptor (stdout, stderr), retrying on short writes.
package func writeAll(fd: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }
}
