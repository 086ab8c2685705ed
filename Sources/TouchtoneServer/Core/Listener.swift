import CTouchtoneSystem

/// A listening TCP socket, non-blocking, with `SO_REUSEADDR`.
enum Listener {
    /// How a listener shares its port with the other loops' listeners.
    enum Mode {
        /// The port is its own (no `SO_REUSEPORT`).
        case alone
        /// The first of a server's `SO_REUSEPORT` listeners: fails when anything is bound to
        /// the port already, so that a second server cannot silently share it.
        case firstOfGroup
        /// Joins the first listener of the same server.
        case joinGroup

        fileprivate var c: ctt_listen_mode {
            switch self {
            case .alone: return .CTT_LISTEN_ALONE
            case .firstOfGroup: return .CTT_LISTEN_FIRST_OF_GROUP
            case .joinGroup: return .CTT_LISTEN_JOIN_GROUP
            }
        }
    }

    /// Binds and listens on `host:port` (port 0: a free one); returns the descriptor.
    static func open(host: String, port: Int, backlog: Int32, mode: Mode) throws(SystemError) -> Int32 {
        let fd = ctt_listen_tcp(host, Int32(port), backlog, mode.c)
        guard fd >= 0 else { throw SystemError("listen", code: -fd) }
        return fd
    }

    /// The port a listener is bound to.
    static func port(of fd: Int32) -> Int {
        Int(ctt_local_port(fd))
    }
}
