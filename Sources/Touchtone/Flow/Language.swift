/// The language a call hears its prompts in: a short code such as `de` or `en-GB`, naming
/// the folder `Audio/<code>/` its recordings come from.
///
/// A call's language is kept in its session as the variable ``variable`` (both session
/// stores keep variables already); a call that never chooses one hears the flow's default
/// and stores nothing.
public enum Language {
    /// The session variable holding the call's language once it is chosen.
    public static let variable = "language"

    /// Whether `code` is a language code Touchtone accepts: 2 or 3 lower-case letters,
    /// optionally `-` and 2 to 8 letters or digits (`de`, `en`, `en-GB`, `gsw`). Codes name
    /// folders and URL segments, so nothing else gets through.
    public static func isValid(_ code: String) -> Bool {
        let bytes = Array(code.utf8)
        var index = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "a"), bytes[index] <= UInt8(ascii: "z") { index += 1 }
        guard (2...3).contains(index) else { return false }
        if index == bytes.count { return true }
        guard bytes[index] == UInt8(ascii: "-") else { return false }
        let rest = bytes[(index + 1)...]
        return (2...8).contains(rest.count) && rest.allSatisfy { ASCII.isDigit($0) || isLetter($0) }
    }

    /// A caller's number from a country of language `code`, for tools and tests that place a
    /// call in a language through a flow that chooses it by the caller's number: German (`de`)
    /// a German mobile, English (`en`) a London number; `nil` for other languages.
    public static func exampleCaller(speaking code: String) -> String? {
        switch code {
        case "de": "4915112345678"
        case "en", "en-GB": "442079460000"
        case "en-US": "12025550100"
        case "fr": "33142868200"
        default: nil
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }
}
