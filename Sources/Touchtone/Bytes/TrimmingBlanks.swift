extension ASCII {
    /// A space or a tab: what HTTP calls optional white space around a value.
    @inlinable @inline(__always)
    package static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    /// `bytes` without the spaces and tabs at either end.
    @inlinable
    package static func trimmingBlanks(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = bytes.count
        while start < end, isBlank(bytes[start]) { start += 1 }
        while end > start, isBlank(bytes[end - 1]) { end -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (header values, comma-separated lists).
    package var trimmingSpaces: Substring {
        var s = self
        while let first = s.utf8.first, ASCII.isBlank(first) { s = s.dropFirst() }
        while let last = s.utf8.last, ASCII.isBlank(last) { s = s.dropLast() }
        return s
    }
}
