import Touchtone

extension MiniXML {
    /// `"text"` as a problem message shows a value: bounded, escaped, on one line.
    static func quoted(_ text: String, limit: Int = 60) -> String { text.quotedForMessage(limit: limit) }

    /// Upper-case hex, at least four digits, as in `U+000B`.
    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
