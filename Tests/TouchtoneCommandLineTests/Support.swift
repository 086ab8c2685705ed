import Touchtone
import TouchtoneCommandLine

/// Standard streams that collect what a command writes.
final class CollectedStreams: Sendable {
    private let collected = Lock<(output: String, errors: String)>(("", ""))

    /// Everything written to standard output.
    var output: String { collected.withLock { $0.output } }
    /// Everything written to standard error.
    var errors: String { collected.withLock { $0.errors } }

    /// Streams that write here and read `input` (a file descriptor).
    func streams(input: Int32 = 0) -> StandardStreams {
        StandardStreams(
            input: input, output: { text in self.collected.withLock { $0.output += text } },
            error: { text in self.collected.withLock { $0.errors += text } })
    }

    var streams: StandardStreams { streams() }
}
