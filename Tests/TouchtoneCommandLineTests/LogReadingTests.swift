import Testing

@testable import TouchtoneCommandLine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reading a log in chunks, times, and the percentile histogram.
@Suite struct LogReadingTests {
    /// The lines `LogReader` hands over for `bytes` (`nil` for a line too long), with their numbers.
    func lines(of bytes: [UInt8], maxLineBytes: Int = 64) throws -> [(Int, String?)] {
        let path = "/tmp/touchtone-report-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(fd >= 0)
        try #require(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
        close(fd)
        defer { unlink(path) }
        let input = open(path, O_RDONLY)
        defer { close(input) }
        var seen: [(Int, String?)] = []
        let failure = LogReader.lines(of: input, maxLineBytes: maxLineBytes) { number, line in
            seen.append((number, line.map { String(decoding: $0, as: UTF8.self) }))
        }
        #expect(failure == nil)
        return seen
    }

    @Test func linesAcrossChunksAndAnOverlongOneSkipped() throws {
        // More than one chunk: the line that crosses a chunk's end comes out whole.
        let filler = String(repeating: "a", count: 50)
        var text = ""
        let count = LogReader.chunkBytes / 51 + 10
        for _ in 0..<count { text += filler + "\n" }
        text += String(repeating: "b", count: 1_000) + "\nafter\nlast"
        let seen = try lines(of: Array(text.utf8))
        #expect(seen.count == count + 3)
        #expect(seen[..<count].allSatisfy { $0.1 == filler })
        #expect(seen[count].0 == count + 1 && seen[count].1 == nil)  // too long: once, then skipped
        #expect(seen[count + 1].0 == count + 2 && seen[count + 1].1 == "after")
        #expect(seen[count + 2].1 == "last")  // no newline at the end
    }

    @Test func anOverlongLastLineIsReportedOnce() throws {
        let seen = try lines(of: Array(("x\n" + String(repeating: "y", count: 200)).utf8))
        #expect(seen.map(\.0) == [1, 2] && seen[0].1 == "x" && seen[1].1 == nil)
    }

    @Test func unreadableInputIsAnError() {
        // A directory opens, but cannot be read.
        let fd = open("/", O_RDONLY)
        defer { close(fd) }
        #expect(LogReader.lines(of: fd) { _, _ in } == EISDIR)
    }

    @Test func timesInUTC() {
        let day = LogTime.milliseconds("2026-12-06")
        #expect(day == 1_796_515_200_000)
        #expect(LogTime.milliseconds("2026-12-06T14:00") == 1_796_565_600_000)
        #expect(LogTime.milliseconds("2026-12-06T14:00:00Z") == 1_796_565_600_000)
        #expect(LogTime.milliseconds("2026-12-06T14:00:00.5Z") == 1_796_565_600_500)
        #expect(LogTime.milliseconds("2026-12-06T14:03:12.345Z") == 1_796_565_792_345)
        #expect(LogTime.milliseconds("1970-01-01") == 0)
        #expect(LogTime.milliseconds("2024-02-29") != nil)
        for bad in [
            "2026-02-29", "2026-13-01", "2026-12-06T24:00", "2026-12-06T14", "2026-12-06 14:00", "26-12-06", "2026-12-06T14:00:00+01:00",
            "",
        ] {
            #expect(LogTime.milliseconds(bad) == nil, "\(bad)")
        }
    }

    @Test func histogramBucketsHoldTheirValues() {
        for value in Array(0..<5_000) + [65_535, 1 << 20, 123_456_789, Int(Int32.max)] {
            let (low, width) = LatencyHistogram.range(of: LatencyHistogram.bucket(of: value))
            #expect(low <= value && value < low + width)
            #expect(Double(width / 2) <= Double(low) * 0.016)  // the middle, reported, is within 1.6%
        }
    }

    @Test func percentilesWithinTheBucketError() {
        var histogram = LatencyHistogram()
        #expect(histogram.percentile(0.5) == nil)
        for value in 1...10_000 { histogram.record(value) }
        for (p, exact) in [(0.5, 5_000.0), (0.9, 9_000.0), (0.99, 9_900.0)] {
            let estimate = Double(histogram.percentile(p) ?? 0)
            #expect(abs(estimate - exact) / exact < 0.02, "p\(p): \(estimate)")
        }
        #expect(histogram.maximum == 10_000 && histogram.count == 10_000)
        var small = LatencyHistogram()
        for value in [3, 7, 7, 40] { small.record(value) }
        #expect(small.percentile(0.5) == 7 && small.percentile(1) == 40)
        var sum = small
        sum.add(histogram)
        #expect(sum.count == 10_004 && sum.minimum == 1 && sum.maximum == 10_000)
    }
}
