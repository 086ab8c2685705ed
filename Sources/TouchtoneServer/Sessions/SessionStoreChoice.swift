import Touchtone

/// Where the server keeps the calls' sessions.
package enum SessionStoreChoice: Sendable, Hashable, CustomStringConvertible {
    /// In this process (the engine's own store): nothing else to run; calls do not survive
    /// the process except through the state file.
    case memory
    /// In Redis or Valkey, shared by every instance pointed at it.
    case redis(RedisSessionSettings)

    /// `memory`, or the Redis URL with its password masked.
    package var description: String {
        switch self {
        case .memory: "memory"
        case .redis(let settings): settings.url.description
        }
    }
}

/// How sessions are kept in Redis.
package struct RedisSessionSettings: Sendable, Hashable {
    package var url: RedisURL
    /// Put before every key: `touchtone:` gives `touchtone:{callId}` (the callId is the
    /// key's hash tag, so that a cluster keeps all of a call on one node).
    package var keyPrefix: String = "touchtone:"
    /// A session's key expires this long after the push that last wrote it.
    package var sessionTTL: Duration = .seconds(2 * 60 * 60)
    /// How long start-up tries to reach Redis before giving up.
    package var startupWait: Duration = .seconds(30)
    /// Timeouts, reconnecting and keepalive of each loop's connection.
    package var link = RedisSettings()
    /// Writes of one push that met another instance's change first, at most, before the
    /// push is answered as if the store were unreachable.
    package var maxConflicts = 8

    package init(url: RedisURL) {
        self.url = url
    }

    /// The key of a call's session: the prefix, then the callId in braces.
    func key(_ callId: CallID) -> [UInt8] {
        var key = Array(keyPrefix.utf8)
        key.reserveCapacity(key.count + 96)
        key.append(UInt8(ascii: "{"))
        callId.appendUTF8(to: &key)
        key.append(UInt8(ascii: "}"))
        return key
    }
}

/// The script that writes a session only if nobody changed it since it was read: one round
/// trip, atomic on the server, and no per-connection state (`WATCH` would tie the check to
/// a connection that carries the pushes of every call of the loop). It answers 1 when it
/// wrote, else the value found (nil when the session is gone).
enum ReplaceScript {
    static let source = """
        local current = redis.call('GET', KEYS[1])
        if current == ARGV[1] then
          redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
          return 1
        end
        return current
        """
}
