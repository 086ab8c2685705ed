import Synchronization

/// The package's lock: a `Mutex` whose hand-offs ThreadSanitizer can see. Use it instead
/// of `Mutex` in every module and test of the package.
///
/// Why not `Mutex` alone: on Linux a contended `Mutex` is handed from one thread to the
/// next inside the toolchain's Synchronization library (`_lockSlow`/`_unlockSlow`, a PI
/// futex), which is not instrumented, so ThreadSanitizer sees no order between two
/// critical sections that met on the lock and reports the accesses in them as races.
/// Each critical section here starts with an acquiring load and ends with a releasing
/// store of `handoff`, an atomic touched only under the lock: the order the lock already
/// guarantees, in a form ThreadSanitizer understands. On x86 both are plain moves.
package struct Lock<Value: ~Copyable>: ~Copyable {
    @usableFromInline let mutex: Mutex<Value>
    @usableFromInline let handoff = Atomic<UInt8>(0)

    @inlinable
    package init(_ initialValue: consuming sending Value) {
        mutex = Mutex(initialValue)
    }

    /// Runs `body` on the value while holding the lock (not reentrant).
    @inlinable
    package borrowing func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        try mutex.withLock { (value: inout sending Value) throws(E) -> sending Result in
            _ = handoff.load(ordering: .acquiring)
            defer { handoff.store(0, ordering: .releasing) }
            return try body(&value)
        }
    }
}

extension Lock: Sendable where Value: ~Copyable {}
