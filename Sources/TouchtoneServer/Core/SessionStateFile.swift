import FoundationEssentials
import Touchtone
#if canImport(Glibc)
import Glibc
#endif

/// Saves and loads the sessions kept across a restart.
///
/// Interim format until `SessionFile` (store branch) lands: a JSON array of sessions,
/// written to a temporary file and renamed, so a crash never leaves half a file.
enum SessionStateFile {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func load(from path: String) throws -> [Session] {
        guard let bytes = try readIfPresent(path) else { return [] }
        if bytes.isEmpty { return [] }
        return try JSONDecoder().decode([Session].self, from: Data(bytes))
    }

    static func save(_ sessions: [Session], to path: String) throws {
        let data = try JSONEncoder().encode(sessions)
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "open \(temporary): \(String(cString: strerror(errno)))") }
        var ok = true
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { ok = false; return }
                offset += n
            }
        }
        if fsync(fd) != 0 { ok = false }
        close(fd)
        guard ok else { throw Failure(description: "write \(temporary): \(String(cString: strerror(errno)))") }
        guard rename(temporary, path) == 0 else {
            throw Failure(description: "rename to \(path): \(String(cString: strerror(errno)))")
        }
    }

    private static func readIfPresent(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw Failure(description: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw Failure(description: String(cString: strerror(errno))) }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }
}
