#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a log from a file descriptor in chunks with read(2) and hands over one line at a
/// time, without its newline: memory is one chunk and one line, whatever the file's size.
/// A line longer than ``LogLineParser/maxLineBytes`` is handed over as `nil` once, and the
/// rest of it is skipped unread.
///
/// ```swift
/// let failure = LogReader.lines(of: fd) { number, line in
///     if let line { count(line) } else { tooLong(at: number) }
/// }
/// ```
enum LogReader {
    /// The size of one read.
    static let chunkBytes = 256 * 1024

    /// Calls `body` with each line's number (from 1) and bytes, or `nil` for a line too
    /// long; a last line without a newline counts too. Returns the `errno` of a failed read,
    /// or `nil` at the end of the input.
    static func lines(
        of fd: Int32, maxLineBytes: Int = LogLineParser.maxLineBytes,
        _ body: (_ number: Int, _ line: UnsafeBufferPointer<UInt8>?) -> Void
    ) -> Int32? {
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: chunkBytes + maxLineBytes + 1)
        defer { buffer.deallocate() }
        var filled = 0  // bytes read into the buffer
        var lineStart = 0  // where the line not yet handed over begins
        var number = 1
        var skipping = false  // inside a line too long: drop bytes up to its newline
        while true {
            if lineStart > 0 {
                // Move the unfinished line to the front.
                let pending = filled - lineStart
                if pending > 0 { memmove(buffer.baseAddress!, buffer.baseAddress! + lineStart, pending) }
                filled = pending
                lineStart = 0
            }
            let n = read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if n == 0 {
                if filled > lineStart && !skipping { body(number, UnsafeBufferPointer(rebasing: buffer[lineStart..<filled])) }
                return nil
            }
            var scan = filled
            filled += n
            while scan < filled, let newline = firstNewline(buffer, from: scan, to: filled) {
                if skipping {
                    skipping = false
                } else {
                    body(number, newline - lineStart > maxLineBytes ? nil : UnsafeBufferPointer(rebasing: buffer[lineStart..<newline]))
                }
                number += 1
                lineStart = newline + 1
                scan = newline + 1
            }
            if !skipping && filled - lineStart > maxLineBytes {
                body(number, nil)
                skipping = true
            }
            if skipping { lineStart = filled }
        }
    }

    /// The index of the first `\n` in `buffer[from..<to]`.
    private static func firstNewline(_ buffer: UnsafeMutableBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        guard let found = memchr(buffer.baseAddress! + from, Int32(UInt8(ascii: "\n")), to - from) else { return nil }
        return buffer.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }
}
