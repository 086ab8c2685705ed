import CTouchtoneSystem
import Testing
import Touchtone

@testable import TouchtoneServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A `redis-server` of a test's own: on a free port of 127.0.0.1, with a temporary
/// directory, no persistence, stopped (killed) and its directory removed at the end.
///
/// Where `redis-server` is not on `PATH`, the Redis suites are skipped with the reason
/// shown, so that `swift test` passes with the Swift toolchain alone; with
/// `TOUCHTONE_REQUIRE_REDIS=1` (as `.ci/run` sets it) they run and fail instead.
final class RedisTestServer {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The `redis-server` found on `PATH`.
    static let binary: String? = {
        guard let path = getenv("PATH").map({ String(cString: $0) }) else { return nil }
        return path.split(separator: ":").map { "\($0)/redis-server" }.first { access($0, X_OK) == 0 }
    }()

    /// Whether a missing `redis-server` fails the tests instead of skipping them.
    static let required: Bool = getenv("TOUCHTONE_REQUIRE_REDIS").map { String(cString: $0) == "1" } ?? false

    /// Whether the Redis suites run.
    static let enabled = binary != nil || required

    /// Why they do not.
    static let skipReason: Comment =
        "redis-server not found on PATH: the tests against a real Redis are skipped (TOUCHTONE_REQUIRE_REDIS=1 makes this a failure)"

    let port: Int
    let directory: String
    private let arguments: [String]
    private var pid: pid_t = 0
    /// The read end of the server's log: kept open while it runs, so that its writes never
    /// meet a closed pipe (the little it logs after start-up fits in the pipe).
    private var logFD: Int32 = -1

    /// Starts a server; `arguments` are added to its command line (`--requirepass x`).
    init(_ arguments: [String] = []) throws {
        guard Self.binary != nil else {
            throw Failure(description: "redis-server not found on PATH, and TOUCHTONE_REQUIRE_REDIS=1 asks for it")
        }
        port = try Self.freePort()
        var template = Array("/tmp/touchtone-redis-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw Failure(description: "mkdtemp failed")
        }
        directory = String(cString: made)
        self.arguments = arguments
        try start()
    }

    deinit {
        kill()
        // Only the files redis-server may have written (it persists nothing here), then the directory.
        for name in ["dump.rdb", "appendonly.aof"] { unlink(directory + "/" + name) }
        rmdir(directory)
    }

    /// `redis://[credentials@]127.0.0.1:PORT[/db]`.
    func url(user: String? = nil, password: String? = nil, database: Int = 0) -> RedisURL {
        RedisURL(host: "127.0.0.1", port: port, user: user, password: password, database: database)
    }

    /// Starts the server (again, on the same port) and waits until it accepts connections.
    func start() throws {
        guard pid == 0 else { return }
        let command =
            [
                Self.binary!, "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", directory, "--daemonize", "no", "--loglevel", "notice",
            ] + arguments
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { throw Failure(description: "pipe failed") }
        // Close-on-exec: the server gets the write end only as its stdout and stderr.
        for fd in pipeFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        logFD = pipeFDs[0]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        let argv = command.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, command[0], &actions, nil, argv, environ)
        close(pipeFDs[1])
        guard rc == 0 else {
            close(logFD)
            logFD = -1
            throw Failure(description: "posix_spawn redis-server failed: \(rc)")
        }
        pid = child
        try waitUntilReady(output: pipeFDs[0])
    }

    /// Reads the server's log until it says it accepts connections (within 10 seconds).
    private func waitUntilReady(output fd: Int32) throws {
        let deadline = Clock.monotonicNanoseconds() + 10_000_000_000
        var log: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: log, as: UTF8.self).contains("Ready to accept connections") {
            let now = Clock.monotonicNanoseconds()
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let n = now < deadline ? poll(&entry, 1, Int32((deadline - now) / 1_000_000 + 1)) : 0
            let count = n > 0 ? chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } : 0
            guard count > 0 else {
                kill()
                throw Failure(description: "redis-server did not start on port \(port):\n" + String(decoding: log, as: UTF8.self))
            }
            log += chunk[0..<count]
        }
    }

    /// Kills the server at once (as a crash would) and reaps it.
    func kill() {
        if pid != 0 {
            _ = Glibc.kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
            pid = 0
        }
        if logFD >= 0 { close(logFD) }
        logFD = -1
    }

    /// A port nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = ctt_listen_tcp("127.0.0.1", 0, 1, .CTT_LISTEN_ALONE)
        guard fd >= 0 else { throw Failure(description: "no free port: \(-fd)") }
        defer { ctt_close(fd) }
        return Int(ctt_local_port(fd))
    }
}
