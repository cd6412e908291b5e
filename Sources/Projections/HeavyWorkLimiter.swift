import Synchronization

/// Counts the work that replays or rebuilds a tenant's log (it takes a core each for as long as
/// the log is long), up to a limit: beyond it, work is turned away at once, never queued.
public final class HeavyWorkLimiter: Sendable {
    /// The most that may run at once.
    public let limit: Int
    private let running = Mutex(0)

    /// Creates a limiter that lets `limit` run at once (none when `limit` is 0).
    public init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// Counts one more, unless `limit` already run.
    public func enter() -> Bool {
        running.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    /// Counts one fewer.
    public func leave() {
        running.withLock { $0 -= 1 }
    }
}
