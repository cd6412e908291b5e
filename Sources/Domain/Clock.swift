import Foundation
import Synchronization

/// Where a decision gets the time: every guard (3-minute window, 10-minute expiry) reads it here,
/// so tests can move time instead of sleeping.
public protocol Clock: Sendable {
    /// The current time.
    var now: Date { get }
}

/// The system's wall clock.
public struct SystemClock: Clock {
    /// Creates the system clock.
    public init() {}
    /// `Date()`.
    public var now: Date { Date() }
}

/// A clock that stands still until moved: for tests and deterministic demos.
public final class ManualClock: Clock {
    private let time: Mutex<Date>

    /// Starts at `start`.
    public init(_ start: Date) { time = Mutex(start) }

    /// The clock's current time.
    public var now: Date { time.withLock { $0 } }

    /// Moves the clock forward by `seconds`.
    public func advance(by seconds: TimeInterval) { time.withLock { $0 += seconds } }

    /// Sets the clock to `date`.
    public func set(_ date: Date) { time.withLock { $0 = date } }
}
