/// The loop's record of one accepted socket: its descriptor, what epoll watches it for, and
/// the ``Connection`` state machine that decides what happens on it.
final class ConnectionHandle {
    /// The epoll token (unique per loop, never reused).
    let id: UInt64
    let fd: Int32
    let peer: IPAddress
    var connection: Connection
    /// What epoll watches the socket for now: it is added to epoll for reading.
    var registered = Interest.readable
    /// False once the socket is closed: events already fetched for it are dropped.
    var isOpen = true

    init(id: UInt64, fd: Int32, peer: IPAddress, connection: Connection) {
        self.id = id
        self.fd = fd
        self.peer = peer
        self.connection = connection
    }
}
