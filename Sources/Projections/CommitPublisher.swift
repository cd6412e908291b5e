import Synchronization

/// Publishes "committed up to position N" for one tenant: the store's writer calls ``publish(_:)``
/// after each commit that appended, and event streams wait on it instead of polling the log.
///
/// Only commits made through this process's ``TenantStore`` are published; a reader that must
/// also see commits of other processes (or of code that bypasses the store) waits with a timeout
/// and looks at the log when it expires (``TenantStore/waitForCommit(after:timeout:)``).
public final class CommitPublisher: Sendable {
    private struct Waiter {
        let continuation: CheckedContinuation<Bool, Never>
        var timer: Task<Void, Never>?
    }

    private struct State {
        var position: UInt64 = 0
        var nextID: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
        var streams: [UInt64: AsyncStream<UInt64>.Continuation] = [:]
    }

    private let state = Mutex(State())

    /// Creates a publisher that has seen no commit.
    public init() {}

    /// The last position published (0 before the first commit through this process's store).
    public var position: UInt64 { state.withLock { $0.position } }

    /// How many callers of ``wait(after:timeout:)`` wait now (tests wait for a reader to wait).
    var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// Records that the log is committed up to `position` and wakes every waiter and stream.
    /// A position not beyond the last one published changes nothing.
    public func publish(_ position: UInt64) {
        let woken = state.withLock { state -> [Waiter] in
            guard position > state.position else { return [] }
            state.position = position
            for stream in state.streams.values { stream.yield(position) }
            let woken = Array(state.waiters.values)
            state.waiters.removeAll()
            return woken
        }
        for waiter in woken {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: true)
        }
    }

    /// The positions published from now on, the newest one only when the reader falls behind.
    ///
    /// ```swift
    /// for await position in store.commits.positions() { print("committed up to", position) }
    /// ```
    public func positions() -> AsyncStream<UInt64> {
        let (stream, continuation) = AsyncStream.makeStream(of: UInt64.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            state.streams[state.nextID] = continuation
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.streams.removeValue(forKey: id) }
        }
        return stream
    }

    /// Waits until a position beyond `position` is published, or `timeout` passes, or the task is
    /// cancelled.
    ///
    /// - Returns: `true` when a commit beyond `position` was published, `false` otherwise.
    public func wait(after position: UInt64, timeout: Duration) async -> Bool {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let ready = state.withLock { state -> Bool in
                    guard state.position <= position else { return true }
                    state.waiters[id] = Waiter(continuation: continuation, timer: nil)
                    return false
                }
                if ready {
                    continuation.resume(returning: true)
                    return
                }
                let timer = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    self?.expire(id)
                }
                let registered = state.withLock { state -> Bool in
                    guard state.waiters[id] != nil else { return false }
                    state.waiters[id]?.timer = timer
                    return true
                }
                if !registered { timer.cancel() }
            }
        } onCancel: {
            expire(id)
        }
    }

    /// Ends waiter `id` without a commit (its timeout passed or its task was cancelled).
    private func expire(_ id: UInt64) {
        guard let waiter = state.withLock({ $0.waiters.removeValue(forKey: id) }) else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume(returning: false)
    }
}
