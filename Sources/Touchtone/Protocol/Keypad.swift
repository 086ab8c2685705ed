/// The keys of a phone's keypad, as sipgate reports them in `dtmf` pushes.
package enum Keypad {
    /// `0`-`9`, `*`, `#` and the rarely seen `A`-`D`.
    @inlinable @inline(__always)
    package static func isKey(_ byte: UInt8) -> Bool {
        ASCII.isDigit(byte) || byte == UInt8(ascii: "*") || byte == UInt8(ascii: "#") || byte &- UInt8(ascii: "A") < 4
    }
}
