import Dispatch

/// Runs blocking work (LMDB transactions, in-memory as-of rebuilds) on a Dispatch queue instead of
/// Swift's cooperative pool, and resumes the caller with its result. The closure is synchronous,
/// so a transaction it opens never spans an `await`.
enum Offload {
    /// A concurrent queue for reads too heavy for the cooperative pool (as-of, rebuilds).
    static let queue = DispatchQueue(label: "bulkhead.service.offload", qos: .userInitiated, attributes: .concurrent)

    /// Runs `body` on `queue` and returns what it returns.
    static func run<R: Sendable>(on queue: DispatchQueue = Offload.queue, _ body: @escaping @Sendable () throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
