import Foundation
import Synchronization

/// A fixed number of threads that run blocking work (LMDB read transactions, replays, rebuilds)
/// off Swift's cooperative pool: at most ``limit`` closures run at once, the rest wait in order.
///
/// Threads are started on demand, up to the limit, and stop when the pool is released. A
/// closure runs wholly on one thread, so an LMDB transaction it opens never changes thread.
///
/// ```swift
/// let pool = WorkerPool(label: "reads", limit: 4)
/// let head = try await pool.run { try partition.head().position }
/// ```
public final class WorkerPool: Sendable {
    /// The most closures that run at once (the most threads the pool starts).
    public let limit: Int
    /// The threads' name.
    public let label: String
    private let shared: Shared

    /// Creates a pool of at most `limit` threads (at least one).
    public init(label: String, limit: Int) {
        self.limit = max(1, limit)
        self.label = label
        shared = Shared()
    }

    deinit { shared.shutDown() }

    /// How many threads the pool has started and not stopped.
    public var threadCount: Int { shared.condition.withLocked { shared.threads } }

    /// How many closures run now.
    public var runningCount: Int { shared.condition.withLocked { shared.running } }

    /// How many closures wait for a thread.
    public var waitingCount: Int { shared.condition.withLocked { shared.queue.count } }

    /// Runs `body` on one of the pool's threads and returns what it returns.
    ///
    /// - Throws: What `body` throws.
    public func run<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            submit { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Runs `body` on one of the pool's threads and waits for it; on one of the pool's own threads
    /// (a read nested in another), it runs at once on that thread, so a nested call never waits
    /// for a place its caller holds.
    ///
    /// - Throws: What `body` throws.
    public func runAndWait<R>(_ body: () throws -> R) throws -> R {
        if Thread.current.threadDictionary[shared.key] != nil { return try body() }
        return try withoutActuallyEscaping(body) { body in
            let box = UnsafeResultBox<R>()
            box.body = body
            let done = DispatchSemaphore(value: 0)
            submit {
                // The closure is released before the caller goes on (the scope ends before the
                // signal): `withoutActuallyEscaping` checks that it did not outlive the call.
                do {
                    let work = box.body
                    box.body = nil
                    box.result = work.map { work in Result { try work() } }
                }
                done.signal()
            }
            done.wait()
            // The semaphore orders the worker's writes before these reads.
            guard let result = box.result else { preconditionFailure("a pool closure ended without a result") }
            return try result.get()
        }
    }

    private func submit(_ work: @escaping @Sendable () -> Void) {
        let start = shared.condition.withLocked { () -> Bool in
            shared.queue.append(work)
            if shared.queue.count > shared.idle, shared.threads < limit {
                shared.threads += 1
                return true
            }
            shared.condition.signal()
            return false
        }
        if start {
            let shared = shared
            let thread = Thread { shared.work() }
            thread.name = label
            thread.start()
        }
    }

    /// The state the threads share with the pool (they outlive no reference to it but this one).
    private final class Shared: @unchecked Sendable {
        let condition = NSCondition()
        let key = "bulkhead.worker-pool.\(UUID().uuidString)"
        // Guarded by `condition`.
        var queue: [@Sendable () -> Void] = []
        var threads = 0
        var idle = 0
        var running = 0
        var stopping = false

        func work() {
            Thread.current.threadDictionary[key] = true
            while true {
                condition.lock()
                while queue.isEmpty && !stopping {
                    idle += 1
                    condition.wait()
                    idle -= 1
                }
                guard !queue.isEmpty else {
                    threads -= 1
                    condition.unlock()
                    return
                }
                let next = queue.removeFirst()
                running += 1
                condition.unlock()
                next()
                condition.withLocked { running -= 1 }
            }
        }

        func shutDown() {
            condition.withLocked {
                stopping = true
                condition.broadcast()
            }
        }
    }
}

/// A result written by one thread and read by another after a semaphore orders the two.
private final class UnsafeResultBox<R>: @unchecked Sendable {
    var body: (() throws -> R)?
    var result: Result<R, any Error>?
}

extension NSCondition {
    /// Runs `body` holding the lock.
    func withLocked<R>(_ body: () throws -> R) rethrows -> R {
        lock()
        defer { unlock() }
        return try body()
    }
}
