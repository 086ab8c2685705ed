import Touchtone

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

    /// An argument as an error shows it: in single quotes, at most 60 characters, control
    /// characters escaped (a value pasted from a terminal must not move the cursor of the one
    /// reading the error).
    ///
    /// `UsageError.quoted("a\u{1B}b")` is `'a\u{001B}b'`.
    public static func quoted(_ text: String) -> String {
        text.quotedForMessage(limit: 60, quote: "'")
    }
}
