import Touchtone

/// One Redis command as RESP2 puts it on the wire: an array of bulk strings, the command's
/// name first. Each argument is encoded the moment it is added, so writing the command out
/// is one header and one copy; arguments are binary-safe (their length is their byte count).
///
/// ```swift
/// var set = RESPCommand("SET", "touchtone:{abc}", [0x00, 0xFF])
/// set.append("PX")
/// set.append(30_000)
/// set.write(into: &output)   // *5\r\n$3\r\nSET\r\n$15\r\ntouchtone:{abc}\r\n$2\r\n..
/// ```
package struct RESPCommand: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The command's name as given (`GET`, `EVALSHA`): what errors and logs show of it,
    /// never its arguments (an `AUTH` carries a password).
    package let name: String
    /// `$<length>\r\n<bytes>\r\n` for every argument, the name included.
    private var encodedArguments: [UInt8] = []
    /// The number of arguments, the name included.
    package private(set) var argumentCount = 0

    /// A command named `name` (the first bulk string) followed by `arguments`.
    package init<each Argument: RESPArgument>(_ name: String, _ arguments: repeat each Argument) {
        self.name = name
        append(name)
        for argument in repeat each arguments { append(argument) }
    }

    /// A command from its words, the name first (e.g. from a script's `KEYS` and `ARGV`).
    package init(words: [String]) {
        name = words.first ?? ""
        for word in words { append(word) }
    }

    /// Adds one argument.
    package mutating func append(_ argument: some RESPArgument) {
        argument.appendBulkString(to: &encodedArguments)
        argumentCount += 1
    }

    /// The bytes the command takes on the wire.
    package var encodedByteCount: Int {
        // `*`, the count's digits and CRLF, then the arguments.
        var digits = 1
        var rest = argumentCount
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        return 3 + digits + encodedArguments.count
    }

    /// Appends the command, ready to send, to `buffer`.
    package func write(into buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "*"))
        buffer.appendDecimal(argumentCount)
        buffer.appendLiteral("\r\n")
        buffer.append(contentsOf: encodedArguments)
    }

    /// `AUTH (3 arguments)`: the name and the count, never the arguments (an `AUTH`
    /// carries a password, a `SET` a caller's data).
    package var description: String { "\(name) (\(argumentCount) arguments)" }

    /// The ``description``.
    package var debugDescription: String { description }

    /// The name and the count, as ``description``: `dump` shows no argument either.
    package var customMirror: Mirror {
        Mirror(self, children: ["name": name, "argumentCount": argumentCount])
    }

    /// The command's bytes alone.
    package var encoded: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encodedByteCount)
        write(into: &bytes)
        return bytes
    }
}

/// A value that can be one argument of a ``RESPCommand``: it writes itself as a RESP bulk
/// string, `$<byte count>\r\n<bytes>\r\n`.
package protocol RESPArgument {
    /// Appends `$<byte count>\r\n<bytes>\r\n` to `buffer`.
    func appendBulkString(to buffer: inout [UInt8])
}

extension Array where Element == UInt8 {
    /// Appends `bytes` as one RESP bulk string.
    package mutating func appendRESPBulkString(_ bytes: UnsafeBufferPointer<UInt8>) {
        append(UInt8(ascii: "$"))
        appendDecimal(bytes.count)
        appendLiteral("\r\n")
        append(contentsOf: bytes)
        appendLiteral("\r\n")
    }
}

extension String: RESPArgument {
    /// The UTF-8 bytes, copied from the string's contiguous storage.
    package func appendBulkString(to buffer: inout [UInt8]) {
        var text = self
        text.withUTF8 { buffer.appendRESPBulkString($0) }
    }
}

extension Substring: RESPArgument {
    /// The UTF-8 bytes of the substring.
    package func appendBulkString(to buffer: inout [UInt8]) {
        var text = self
        text.withUTF8 { buffer.appendRESPBulkString($0) }
    }
}

extension Array: RESPArgument where Element == UInt8 {
    /// The bytes as they are.
    package func appendBulkString(to buffer: inout [UInt8]) {
        withUnsafeBufferPointer { buffer.appendRESPBulkString($0) }
    }
}

extension ArraySlice: RESPArgument where Element == UInt8 {
    /// The bytes as they are.
    package func appendBulkString(to buffer: inout [UInt8]) {
        withUnsafeBufferPointer { buffer.appendRESPBulkString($0) }
    }
}

extension Int: RESPArgument {
    /// The decimal digits, with `-` when negative: how Redis reads numbers.
    package func appendBulkString(to buffer: inout [UInt8]) {
        // A bulk string states its length before its bytes: count the digits first.
        var length = self < 0 ? 2 : 1
        var rest = magnitude
        while rest >= 10 {
            rest /= 10
            length += 1
        }
        buffer.append(UInt8(ascii: "$"))
        buffer.appendDecimal(length)
        buffer.appendLiteral("\r\n")
        buffer.appendDecimal(self)
        buffer.appendLiteral("\r\n")
    }
}
