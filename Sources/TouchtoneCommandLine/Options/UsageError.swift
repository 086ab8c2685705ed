/// A command line that cannot be used: one line saying why. Commands exit with status 2.
///
/// ```swift
/// throw UsageError("--port must be a whole number from 0 to 65535, not \(UsageError.quoted(text))")
/// ```
public struct UsageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, e.g. `--port must be a whole number from 0 to 65535, not 'abc'`.
    public var message: String
    /// An error saying `message`.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }

    /// An argument as an error shows it: quoted, at most 60 characters, control characters as `?`
    /// (a value pasted from a terminal must not move the cursor of the one reading the error).
    ///
    /// `UsageError.quoted("a\u{1B}b")` is `'a?b'`.
    public static func quoted(_ text: String) -> String {
        "'" + printable(text, limit: 60) + "'"
    }
}

/// At most `limit` characters of `text`, control characters as `?`, with `ellipsis` after a cut.
func printable(_ text: String, limit: Int, ellipsis: String = "") -> String {
    let scalars = text.unicodeScalars
    let cleaned = String(scalars.prefix(limit).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    return scalars.count > limit ? cleaned + ellipsis : cleaned
}
