import Testing

@testable import TouchtoneServer

@Suite("Redis URL")
struct RedisURLTests {
    static func error(_ text: String) -> String? {
        do {
            _ = try RedisURL(parsing: text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func defaultsArePort6379AndDatabase0() throws {
        let url = try RedisURL(parsing: "redis://localhost")
        #expect(url == RedisURL(host: "localhost", port: 6379, user: nil, password: nil, database: 0))
        #expect(url.description == "redis://localhost:6379/0")
        #expect(try RedisURL(parsing: "redis://10.0.0.5:6380/").port == 6380)
    }

    @Test func everyPart() throws {
        let url = try RedisURL(parsing: "redis://touchtone:s3cret@redis.internal:6390/2")
        #expect(url == RedisURL(host: "redis.internal", port: 6390, user: "touchtone", password: "s3cret", database: 2))
        #expect(url.description == "redis://touchtone:****@redis.internal:6390/2")
    }

    @Test func aPasswordWithoutUserIsForTheDefaultUser() throws {
        let url = try RedisURL(parsing: "redis://:s3cret@127.0.0.1")
        #expect(url.user == nil && url.password == "s3cret")
        #expect(url.description == "redis://:****@127.0.0.1:6379/0")
    }

    @Test func escapesAreDecodedAndAWholeUnescapedPasswordIsKept() throws {
        let url = try RedisURL(parsing: "redis://us%65r:p%40ss%3Aw%2Fd%25@host")
        #expect(url.user == "user" && url.password == "p@ss:w/d%")
        // Unescaped, '@', ':' and '/' stay in the password: it runs to the last '@'.
        let raw = try RedisURL(parsing: "redis://u:a:b/c@d@host:7000/1")
        #expect(raw.user == "u" && raw.password == "a:b/c@d" && raw.host == "host" && raw.port == 7000 && raw.database == 1)
        #expect(raw.description == "redis://u:****@host:7000/1")
    }

    @Test func ipv6HostsAreInBrackets() throws {
        let url = try RedisURL(parsing: "redis://[::1]:6380/3")
        #expect(url.host == "::1" && url.port == 6380 && url.database == 3)
        #expect(url.description == "redis://[::1]:6380/3")
        #expect(try RedisURL(parsing: "redis://[2001:db8::7]").port == 6379)
    }

    @Test func malformedURLsAreRefusedInOneLine() {
        #expect(Self.error("http://localhost") == "redis URL: must start with redis://")
        #expect(Self.error("rediss://localhost") == "redis URL: rediss:// (TLS) is not supported; use redis://")
        #expect(Self.error("redis://") == "redis URL: no host")
        #expect(Self.error("redis://host:0") == "redis URL: port is not a number 1...65535")
        #expect(Self.error("redis://host:65536") == "redis URL: port is not a number 1...65535")
        #expect(Self.error("redis://host:+1") == "redis URL: port is not a number 1...65535")
        #expect(Self.error("redis://host:") == "redis URL: port is not a number 1...65535")
        #expect(Self.error("redis://host/16") == "redis URL: database is not a number 0...15")
        #expect(Self.error("redis://host/-1") == "redis URL: database is not a number 0...15")
        #expect(Self.error("redis://host/1?x=y") == "redis URL: database is not a number 0...15")
        #expect(Self.error("redis://ho st") == "redis URL: host is not a name or address (letters, digits, '.', '-', '_', or [IPv6])")
        #expect(Self.error("redis://[::1") == "redis URL: IPv6 host without ]")
        #expect(Self.error("redis://[::1]x") == "redis URL: unexpected text after the IPv6 host")
        #expect(Self.error("redis://[zz]") == "redis URL: malformed IPv6 host")
        #expect(Self.error("redis://user@host") == "redis URL: a user needs a password: redis://user:password@host")
        #expect(Self.error("redis://user:@host") == "redis URL: empty password")
        #expect(Self.error("redis://:p%4@host") == "redis URL: malformed %-escape in the password")
        #expect(Self.error("redis://:p%0Ax@host") == "redis URL: the password is not UTF-8 text without control characters")
        #expect(Self.error("redis://:p%FFx@host") == "redis URL: the password is not UTF-8 text without control characters")
        #expect(Self.error("redis://" + String(repeating: "a", count: 5000)) == "redis URL: longer than 4096 bytes")
    }

    @Test func noErrorShowsAnyPartOfTheURL() {
        // A forgotten '@' makes the password look like a port or a host; neither is quoted.
        for text in ["redis://user:hunter2", "redis://hunter2:", "redis://x/hunter2", "redis://:hunter2@[hunter2"] {
            let message = Self.error(text)
            #expect(message != nil && !message!.contains("hunter2"), "\(text): \(message ?? "accepted")")
        }
    }

    @Test func debuggingShowsNoPasswordEither() {
        let url = RedisURL(host: "h", user: "u", password: "hunter2")
        var dumped = ""
        dump(url, to: &dumped)
        for shown in [String(reflecting: url), "\(url)", dumped] {
            #expect(!shown.contains("hunter2") && shown.contains("****"), "\(shown)")
        }
        let auth = RESPCommand("AUTH", "u", "hunter2")
        var dumpedCommand = ""
        dump(auth, to: &dumpedCommand)
        for shown in [String(reflecting: auth), "\(auth)", dumpedCommand] {
            #expect(!shown.contains("hunter2"), "\(shown)")
        }
        #expect("\(auth)" == "AUTH (3 arguments)")
    }

    @Test func theUserIsShownEscapedWhereItWouldBreakTheURL() {
        #expect(RedisURL(host: "h", user: "a:b@c", password: "x").description == "redis://a%3Ab%40c:****@h:6379/0")
    }
}
