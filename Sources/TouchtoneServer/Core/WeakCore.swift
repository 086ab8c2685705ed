import Touchtone

/// A weak reference to the server's core, set once before the loops start.
///
/// The router's metrics read the core, and the core holds the router: without this weak
/// link the two (and the engine with them) would keep each other alive after the server stops.
final class WeakCore: Sendable {
    private let lock = Lock<Void>(())
    nonisolated(unsafe) private weak var stored: ServerCore?

    var core: ServerCore? { lock.withLock { _ in stored } }

    func set(_ core: ServerCore) { lock.withLock { _ in stored = core } }
}
