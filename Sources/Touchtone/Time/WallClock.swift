import FoundationEssentials

/// Where Touchtone reads the time: inject one in tests to move time by hand.
public protocol WallClock: Sendable {
    /// The current time.
    func now() -> Date
}

/// The system's clock.
public struct SystemClock: WallClock {
    /// The system clock; there is nothing to set.
    public init() {}
    /// The system's current time (`Date()`).
    public func now() -> Date { Date() }
}

/// A clock that moves only when told to; for tests and simulations.
///
/// ```swift
/// let clock = ManualClock(Date(timeIntervalSince1970: 0))
/// clock.advance(by: 90)   // seconds
/// ```
public final class ManualClock: WallClock {
    private let current: Lock<Date>

    /// A clock stopped at `start`, by default 2026-01-01 00:00 UTC.
    public init(_ start: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
        current = Lock(start)
    }

    /// The time the clock was last set or advanced to.
    public func now() -> Date { current.withLock { $0 } }

    /// Moves the clock forward by `seconds` (back if negative).
    public func advance(by seconds: Double) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// Sets the clock to `date`, earlier or later than now.
    public func set(_ date: Date) {
        current.withLock { $0 = date }
    }
}
