import Dispatch
import Synchronization

/// Runs blocking work (LMDB transactions, in-memory as-of rebuilds) on a Dispatch queue instead of
/// Swift's cooperative pool, and resumes the caller with its result. The closure is synchronous,
/// so a transaction it opens never spans an `await`.
enum Offload {
    /// A concurrent queue for reads too heavy for the cooperative pool (as-of, rebuilds).
    static let queue = DispatchQueue(label: "bulkhead.service.offload", qos: .userInitiated, attributes: .concurrent)

    /// Runs `body` on `queue`, as one of at most `limiter`'s requests at a time: when that many
    /// already run, it throws ``ServiceError`` 503 at once (nothing is queued without bound).
    static func heavy<R: Sendable>(_ limiter: HeavyWorkLimiter, _ body: @escaping @Sendable () throws -> R) async throws -> R {
        guard limiter.enter() else {
            throw ServiceError(
                .serviceUnavailable, code: "unavailable",
                message: "\(limiter.limit) requests that replay or rebuild a log are already running; retry shortly")
        }
        defer { limiter.leave() }
        return try await run(body)
    }

    /// Runs `body` on `queue` and returns what it returns.
    static func run<R: Sendable>(on queue: DispatchQueue = Offload.queue, _ body: @escaping @Sendable () throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}

/// Counts the requests that replay or rebuild a tenant's log (they take a core each for as long as
/// the log is long), up to a limit.
final class HeavyWorkLimiter: Sendable {
    /// The most that may run at once.
    let limit: Int
    private let running = Mutex(0)

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// Counts one more, unless `limit` already run.
    func enter() -> Bool {
        running.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    /// Counts one fewer.
    func leave() {
        running.withLock { $0 -= 1 }
    }
}
