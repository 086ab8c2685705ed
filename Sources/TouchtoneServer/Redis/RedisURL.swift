import Touchtone

/// Where a Redis (or Valkey) server is and how to log in:
/// `redis://[[user]:password@]host[:port][/db]`.
///
/// - The user is optional (`redis://:secret@10.0.0.5`): Redis then checks the password of
///   its `default` user. User and password may be URL-escaped (`%40` for `@`); the
///   password is everything between the first `:` and the last `@`, so a password that
///   still holds an unescaped `@`, `/` or `:` is read whole rather than torn apart.
/// - The port defaults to 6379, the database to 0 (`SELECT` is sent for any other).
/// - Only `redis://`: TLS (`rediss://`) needs a TLS library Touchtone does not have.
///
/// ``description`` never shows the password: `redis://user:****@host:6379/2`. The errors of
/// ``init(parsing:)`` quote no part of the URL at all: a URL with its `@` forgotten would
/// show the password as a host or port.
package struct RedisURL: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// A host name, an IPv4 address or an IPv6 address (without brackets).
    package var host: String
    /// 1...65535.
    package var port: Int
    /// The ACL user for `AUTH user password`; nil for `AUTH password` (or no `AUTH`).
    package var user: String?
    /// The password for `AUTH`; nil: no `AUTH`.
    package var password: String?
    /// The database `SELECT`ed after connecting: 0...15.
    package var database: Int

    /// The databases a URL may name (Redis's default `databases 16`).
    package static let databases = 0...15
    /// URLs longer than this are refused before they are looked at.
    package static let maxLength = 4096

    /// A server at `host:port` with no password, database 0 unless given.
    package init(host: String, port: Int = 6379, user: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
    }

    /// Parses `redis://[[user]:password@]host[:port][/db]`.
    /// - Throws: ``RedisURLError``, one line that quotes no part of the URL.
    package init(parsing text: String) throws(RedisURLError) {
        guard text.utf8.count <= Self.maxLength else { throw RedisURLError("longer than \(Self.maxLength) bytes") }
        let scheme = "redis://"
        guard text.hasPrefix(scheme) else {
            if text.hasPrefix("rediss://") { throw RedisURLError("rediss:// (TLS) is not supported; use redis://") }
            throw RedisURLError("must start with redis://")
        }
        var rest = text.dropFirst(scheme.count)
        var user: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            (user, password) = try Self.credentials(rest[..<at])
            rest = rest[rest.index(after: at)...]
        }
        let (hostAndPort, path) = Self.splitPath(rest)
        let (host, port) = try Self.hostAndPort(hostAndPort)
        self.init(host: host, port: port, user: user, password: password, database: try Self.database(path))
    }

    /// `redis://user:****@host:6379/2`: the password masked, IPv6 hosts in brackets.
    package var description: String {
        var text = "redis://"
        if password != nil {
            text += Self.escaped(user ?? "") + ":****@"
        }
        text += host.contains(":") ? "[\(host)]" : host
        return text + ":\(port)/\(database)"
    }

    /// `redis://host:6379/2`: where the server is, without user or password (for answers
    /// anyone may read, such as `/healthz`).
    package var address: String {
        "redis://" + (host.contains(":") ? "[\(host)]" : host) + ":\(port)/\(database)"
    }

    /// The ``description``: `debugPrint` and string interpolation in tests show no password either.
    package var debugDescription: String { description }

    /// Host, port, user and database, the password masked: what `dump` shows.
    package var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host, "port": port, "user": user as Any, "password": password.map { _ in "****" } as Any,
                "database": database,
            ])
    }

    // MARK: - Parts

    /// User and password from `[user]:password`, unescaped.
    private static func credentials(_ userInfo: Substring) throws(RedisURLError) -> (String?, String?) {
        guard let colon = userInfo.firstIndex(of: ":") else {
            throw RedisURLError("a user needs a password: redis://user:password@host")
        }
        let user = try unescaped(userInfo[..<colon], "user")
        let password = try unescaped(userInfo[userInfo.index(after: colon)...], "password")
        guard !password.isEmpty else { throw RedisURLError("empty password") }
        return (user.isEmpty ? nil : user, password)
    }

    /// `host[:port]` and the path after the first `/` (nil when there is none).
    private static func splitPath(_ rest: Substring) -> (Substring, Substring?) {
        guard let slash = rest.firstIndex(of: "/") else { return (rest, nil) }
        return (rest[..<slash], rest[rest.index(after: slash)...])
    }

    private static func hostAndPort(_ text: Substring) throws(RedisURLError) -> (String, Int) {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw RedisURLError("IPv6 host without ]") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw RedisURLError("unexpected text after the IPv6 host") }
                portText = after.dropFirst()
            }
            guard !host.isEmpty, host.utf8.allSatisfy({ Hex.value($0) != nil || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
            else { throw RedisURLError("malformed IPv6 host") }
        } else {
            let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            host = parts[0]
            portText = parts.count > 1 ? parts[1] : nil
            guard !host.isEmpty else { throw RedisURLError("no host") }
            guard host.utf8.count <= 253, host.utf8.allSatisfy(isHostNameByte) else {
                throw RedisURLError("host is not a name or address (letters, digits, '.', '-', '_', or [IPv6])")
            }
        }
        guard let portText else { return (String(host), 6379) }
        guard portText.utf8.count <= 5, portText.utf8.allSatisfy(ASCII.isDigit), let port = Int(portText), (1...65535).contains(port) else {
            throw RedisURLError("port is not a number 1...65535")
        }
        return (String(host), port)
    }

    private static func database(_ path: Substring?) throws(RedisURLError) -> Int {
        guard let path, !path.isEmpty else { return 0 }
        guard path.utf8.count <= 2, path.utf8.allSatisfy(ASCII.isDigit), let database = Int(path), databases.contains(database) else {
            throw RedisURLError("database is not a number \(databases.lowerBound)...\(databases.upperBound)")
        }
        return database
    }

    /// Letters, digits, `.`, `-` and `_`: host names and IPv4 addresses.
    private static func isHostNameByte(_ byte: UInt8) -> Bool {
        ASCII.isDigit(byte) || ASCII.lowercase(byte) &- UInt8(ascii: "a") < 26
            || byte == UInt8(ascii: ".") || byte == ASCII.hyphen || byte == UInt8(ascii: "_")
    }

    /// `%XX` decoded; the result must be UTF-8 without control characters.
    private static func unescaped(_ text: Substring, _ what: String) throws(RedisURLError) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == ASCII.percent else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Hex.value), let low = iterator.next().flatMap(Hex.value) else {
                throw RedisURLError("malformed %-escape in the \(what)")
            }
            bytes.append(high << 4 | low)
        }
        guard let value = bytes.withUnsafeBufferPointer({ String(checkingUTF8: $0) }),
            !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F })
        else { throw RedisURLError("the \(what) is not UTF-8 text without control characters") }
        return value
    }

    /// The user as a URL shows it: what could end the user part escaped.
    private static func escaped(_ text: String) -> String {
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            if byte == UInt8(ascii: ":") || byte == UInt8(ascii: "@") || byte == UInt8(ascii: "/")
                || byte == ASCII.percent || byte <= 0x20 || byte >= 0x7F
            {
                bytes.append(ASCII.percent)
                bytes.appendHex(byte, uppercase: true)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Why a Redis URL was refused: one line that names the part, never the password.
package struct RedisURLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    package var reason: String

    /// A refusal for `reason`, which quotes no part of the URL.
    init(_ reason: String) { self.reason = reason }

    /// `redis URL: port is not a number 1...65535`.
    package var description: String { "redis URL: \(reason)" }
}
