#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file read whole, as long as it is small: a key, a prompt list, a prompt.
enum SmallFile: Equatable {
    case bytes([UInt8])
    /// More than the limit: not read further, so a huge or endless file costs nothing.
    case tooLarge
    /// Not there, not a file, or not readable.
    case unreadable

    /// The file at `path` if it has at most `maxBytes` bytes.
    init(path: String, maxBytes: Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            self = .unreadable
            return
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count <= maxBytes {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 {
                self = .unreadable
                return
            }
            if n == 0 {
                self = .bytes(bytes)
                return
            }
            bytes += chunk[..<n]
        }
        self = .tooLarge
    }

    /// The text of the file, if it could be read.
    var text: String? {
        guard case .bytes(let bytes) = self else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
