extension String {
    /// The bytes as a String when they are UTF-8, else nil.
    ///
    /// Values read from pushes and the state file are nearly always ASCII: that is checked
    /// in one tight loop, which skips the general validator, slower for short values.
    @inlinable @inline(__always)
    package init?(checkingUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        var highBits: UInt8 = 0
        for byte in bytes { highBits |= byte }
        if highBits < 0x80 {
            self.init(decoding: bytes, as: UTF8.self)
        } else {
            guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
            self = text
        }
    }
}
