import Touchtone

extension MiniXML {
    /// The bytes the reader looks for, named.
    enum Byte {
        static let tab = UInt8(ascii: "\t")
        static let newline = UInt8(ascii: "\n")
        static let carriageReturn = UInt8(ascii: "\r")
        static let space = UInt8(ascii: " ")
        static let quote = UInt8(ascii: "\"")
        static let apostrophe = UInt8(ascii: "'")
        static let ampersand = UInt8(ascii: "&")
        static let lessThan = UInt8(ascii: "<")
        static let greaterThan = UInt8(ascii: ">")
        static let equals = UInt8(ascii: "=")
        static let hash = UInt8(ascii: "#")
        static let semicolon = UInt8(ascii: ";")
        static let hyphen = UInt8(ascii: "-")
        static let closingBracket = UInt8(ascii: "]")
    }

    /// `"text"` as a problem message shows a value: bounded, escaped, on one line.
    static func quoted(_ text: String, limit: Int = 60) -> String { text.quotedForMessage(limit: limit) }

    /// Upper-case hex, at least four digits, as in `U+000B`.
    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
