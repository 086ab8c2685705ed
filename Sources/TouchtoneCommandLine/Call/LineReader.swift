#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Lines from a file descriptor, bounded: a line longer than the limit is skipped, not kept.
struct LineReader {
    enum Line: Equatable {
        case line(String)
        case tooLong
    }

    let fd: Int32
    private var buffer: [UInt8] = []
    private var atEnd = false

    init(fd: Int32) { self.fd = fd }

    /// The next line without its newline; `nil` at the end of input.
    mutating func next(maxBytes: Int) -> Line? {
        var tooLong = false
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[..<newline]
                buffer.removeSubrange(...newline)
                return tooLong || line.count > maxBytes ? .tooLong : .line(String(decoding: line, as: UTF8.self))
            }
            if buffer.count > maxBytes {
                tooLong = true
                buffer.removeAll(keepingCapacity: true)
            }
            if atEnd {
                guard !buffer.isEmpty || tooLong else { return nil }
                defer { buffer.removeAll() }
                return tooLong ? .tooLong : .line(String(decoding: buffer, as: UTF8.self))
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 {
                atEnd = true
            } else {
                buffer += chunk[..<count]
            }
        }
    }
}
