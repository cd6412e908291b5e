import BulkheadCore
import Dispatch
import Domain
import EventLog
import Foundation
import Synchronization

/// One tenant's reads and writes, scheduled: commands go to the tenant's serial writer, which
/// commits those that wait together in one transaction and one durable commit (group commit);
/// reads run on the process's bounded read pool; replays and rebuilds run on a bounded pool of
/// their own, turned away beyond its limit. Every entry point has a synchronous and an `async`
/// form; the closures stay synchronous, so a transaction never spans an `await`.
///
/// GRDB's `DatabasePool` is the model: callers never offload work themselves. Get a store from
/// the process's ``Stores`` (one store per tenant per process):
///
/// ```swift
/// let store = try stores.store(for: tenant)
/// let outcome = try await store.write(CreateProject(name: "CodeMCP"), actor: "oliver@example.com")
/// let projects = try await store.read { try $0.projects() }
/// ```
///
/// After each commit that appended events, the store publishes the position it committed up to
/// (``commits``); ``waitForCommit(after:timeout:)`` waits for it.
public final class TenantStore: Sendable {
    /// The tenant.
    public let tenant: TenantID
    /// The engine that decides commands and reads projections.
    public let engine: TenantEngine
    /// "Committed up to position N" for commits made through this store.
    public let commits: CommitPublisher
    /// The serial queue the tenant's writes run on (tests hold it to gather a batch).
    let writerQueue: DispatchQueue
    private let readPool: WorkerPool
    private let heavyPool: WorkerPool
    private let heavyLimiter: HeavyWorkLimiter
    private let maxBatch: Int
    private let onCommit: (@Sendable (CommitReport) -> Void)?
    private let state = Mutex(WriterState())

    private struct Pending: Sendable {
        let command: any Command
        let actor: String
        let apiKeyID: UUID?
        let complete: @Sendable (Result<CommandOutcome, any Error>) -> Void
    }

    private struct WriterState {
        var pending: [Pending] = []
        var draining = false
        var commits = 0
    }

    init(tenant: TenantID, engine: TenantEngine, configuration: StoreConfiguration, readPool: WorkerPool,
         heavyPool: WorkerPool, heavyLimiter: HeavyWorkLimiter) {
        self.tenant = tenant
        self.engine = engine
        self.readPool = readPool
        self.heavyPool = heavyPool
        self.heavyLimiter = heavyLimiter
        maxBatch = max(1, configuration.maxBatch)
        onCommit = configuration.onCommit
        commits = CommitPublisher()
        writerQueue = DispatchQueue(label: "bulkhead.writer.\(tenant)", qos: .userInitiated)
    }

    /// How many commands may wait for the tenant's next commits: beyond that a command is turned
    /// away at once (``TenantStoreError/writerBusy(tenant:waiting:)``) rather than queued without bound.
    public var maxPending: Int { maxBatch * 16 }
    /// How many commands wait for the next commit.
    public var pendingCount: Int { state.withLock { $0.pending.count } }
    /// How many group commits this store has run.
    public var commitCount: Int { state.withLock { $0.commits } }

    // MARK: Writes

    /// Decides and applies `command` in the tenant's next group commit, recording `actor` on its
    /// events (and `apiKeyID`, the id of the API key that submitted it over HTTP, when given: it
    /// must be one of the tenant's own keys, not revoked), and waits for it.
    ///
    /// - Throws: ``CommandError`` for a refusal (nothing of it written);
    ///   ``TenantStoreError/writerBusy(tenant:waiting:)`` when ``maxPending`` commands already
    ///   wait; storage and log errors.
    public func write(_ command: any Command, actor: String, apiKeyID: UUID? = nil) throws -> CommandOutcome {
        dispatchPrecondition(condition: .notOnQueue(writerQueue))
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<CommandOutcome>()
        try enqueue(Pending(command: command, actor: actor, apiKeyID: apiKeyID) { result in
            box.set(result)
            done.signal()
        })
        done.wait()
        return try box.get()
    }

    /// Decides and applies `command` in the tenant's next group commit (see ``write(_:actor:)-sync``).
    public func write(_ command: any Command, actor: String, apiKeyID: UUID? = nil) async throws -> CommandOutcome {
        try await withCheckedThrowingContinuation { continuation in
            do {
                try enqueue(Pending(command: command, actor: actor, apiKeyID: apiKeyID) {
                    continuation.resume(with: $0)
                })
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Decides and applies `command` as one of Bulkhead's own ``SystemActor``s, alone in one commit
    /// on the tenant's writer.
    public func write(_ command: any Command, as actor: SystemActor) throws -> CommandOutcome {
        try exclusive { engine, tenant in try engine.execute(command, tenant: tenant, as: actor) }
    }

    /// Decides and applies the commands of `batch` in order, in one transaction on the tenant's
    /// writer, however many wait (``TenantEngine/execute(batch:tenant:)``).
    ///
    /// - Returns: One result per command: its outcome or its refusal.
    public func write(
        batch: [(command: any Command, actor: String)]
    ) throws -> [Result<CommandOutcome, CommandError>] {
        try exclusive { engine, tenant in try engine.execute(batch: batch, tenant: tenant) }
    }

    /// Runs the tenant's time-based maintenance once, on its writer (``TenantEngine/maintain(tenant:)``).
    public func maintain() throws -> MaintenanceReport {
        try exclusive { engine, tenant in try engine.maintain(tenant: tenant) }
    }

    /// Runs the tenant's time-based maintenance once, on its writer.
    public func maintain() async throws -> MaintenanceReport {
        try await exclusive { engine, tenant in try engine.maintain(tenant: tenant) }
    }

    /// Runs `body` on the tenant's writer, between group commits: for a write beside the log (a
    /// signed checkpoint) that should neither contend with commits for LMDB's write lock nor hold a
    /// read thread while it waits for it.
    public func onWriter<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
        try await exclusive { _, _ in try body() }
    }

    /// Runs `body` alone on the tenant's writer, then publishes the head it left.
    private func exclusive<R>(_ body: (TenantEngine, TenantID) throws -> R) throws -> R {
        dispatchPrecondition(condition: .notOnQueue(writerQueue))
        return try writerQueue.sync {
            defer { publishHead() }
            return try body(engine, tenant)
        }
    }

    private func exclusive<R: Sendable>(
        _ body: @escaping @Sendable (TenantEngine, TenantID) throws -> R
    ) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            writerQueue.async {
                defer { self.publishHead() }
                continuation.resume(with: Result { try body(self.engine, self.tenant) })
            }
        }
    }

    private func publishHead() {
        if let head = try? engine.data.partition(for: tenant).head().position { commits.publish(head) }
    }

    private func enqueue(_ pending: Pending) throws {
        let limit = maxPending
        let start = try state.withLock { state -> Bool in
            guard state.pending.count < limit else { throw TenantStoreError.writerBusy(tenant: tenant, waiting: limit) }
            state.pending.append(pending)
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        if start { writerQueue.async { self.drain() } }
    }

    /// Commits batches until no command is waiting.
    private func drain() {
        while true {
            let batch = state.withLock { state -> [Pending] in
                guard !state.pending.isEmpty else {
                    state.draining = false
                    return []
                }
                let count = min(maxBatch, state.pending.count)
                let batch = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                return batch
            }
            if batch.isEmpty { return }
            commit(batch)
        }
    }

    private func commit(_ batch: [Pending]) {
        let started = DispatchTime.now().uptimeNanoseconds
        state.withLock { $0.commits += 1 }
        do {
            let results = try engine.execute(batch: batch.map { ($0.command, $0.actor, $0.apiKeyID) }, tenant: tenant)
            var applied = 0, refused = 0, events = 0
            var last: UInt64 = 0
            for result in results {
                switch result {
                case .success(let outcome):
                    applied += 1
                    events += outcome.events.count
                    last = max(last, outcome.events.last?.position ?? 0)
                case .failure:
                    refused += 1
                }
            }
            // Published before the callers hear back: a caller that then waits for its own
            // position never misses it.
            if last > 0 { commits.publish(last) }
            for (pending, result) in zip(batch, results) { pending.complete(result.mapError { $0 }) }
            report(batch.count, applied: applied, refused: refused, failed: 0, events: events, since: started)
        } catch let error as EventLogError where batch.count > 1 && Self.abortsOnlyItsTransaction(error) {
            // One command's append was refused by the log itself (a stream that must be new already
            // exists, ...). The transaction was aborted, so nothing of the batch was written: decide
            // each command on its own, so only the offender fails.
            for pending in batch { commit([pending]) }
        } catch {
            for pending in batch { pending.complete(.failure(error)) }
            report(batch.count, applied: 0, refused: 0, failed: batch.count, events: 0, since: started)
        }
    }

    private func report(_ commands: Int, applied: Int, refused: Int, failed: Int, events: Int, since started: UInt64) {
        onCommit?(CommitReport(
            tenant: tenant, commands: commands, applied: applied, refused: refused, failed: failed, events: events,
            nanoseconds: DispatchTime.now().uptimeNanoseconds - started))
    }

    /// Errors that `LogWriter.append` throws inside the write transaction, before anything commits.
    private static func abortsOnlyItsTransaction(_ error: EventLogError) -> Bool {
        switch error {
        case .versionConflict, .duplicateEventID, .invalidAppend: return true
        default: return false
        }
    }

    // MARK: Reads

    /// Runs `body` with the tenant's live projections on one consistent snapshot, on the read pool.
    ///
    /// - Throws: What `body` throws; ``EventLogError`` for an unknown tenant; storage errors.
    public func read<R>(_ body: (TenantView) throws -> R) throws -> R {
        try readPool.runAndWait { try engine.read(tenant: tenant, body) }
    }

    /// Runs `body` with the tenant's live projections on one consistent snapshot, on the read pool.
    public func read<R: Sendable>(_ body: @escaping @Sendable (TenantView) throws -> R) async throws -> R {
        let (engine, tenant) = (engine, tenant)
        return try await readPool.run { try engine.read(tenant: tenant, body) }
    }

    /// Runs `body` with the tenant's log in one read transaction, on the read pool.
    public func readLog<R>(_ body: (LogReader) throws -> R) throws -> R {
        try readPool.runAndWait { try engine.data.partition(for: tenant).read(body) }
    }

    /// Runs `body` with the tenant's log in one read transaction, on the read pool.
    public func readLog<R: Sendable>(_ body: @escaping @Sendable (LogReader) throws -> R) async throws -> R {
        let (data, tenant) = (engine.data, tenant)
        return try await readPool.run { try data.partition(for: tenant).read(body) }
    }

    /// Waits until a commit through this store goes beyond `position`, or `timeout` passes.
    ///
    /// Commits made by another process (or by code that bypasses the store) are not published: a
    /// reader that must see them looks at the log when this returns `false`, so `timeout` is the
    /// longest it lags behind them.
    /// - Returns: Whether a commit beyond `position` was published.
    public func waitForCommit(after position: UInt64, timeout: Duration) async -> Bool {
        await commits.wait(after: position, timeout: timeout)
    }

    // MARK: Replays and rebuilds

    /// Runs `body` over the tenant's projections computed as of `position` or `time`
    /// (``TenantEngine/asOf(tenant:position:time:_:)``), on the heavy pool.
    ///
    /// - Throws: ``TenantStoreError/heavyWorkBusy(limit:)`` when the limit of heavy work runs.
    public func asOf<R>(position: UInt64? = nil, time: Date? = nil, _ body: (TenantView) throws -> R) throws -> R {
        try heavy { try engine.asOf(tenant: tenant, position: position, time: time, body) }
    }

    /// Runs `body` over the tenant's projections computed as of `position` or `time`, on the heavy pool.
    public func asOf<R: Sendable>(
        position: UInt64? = nil, time: Date? = nil, _ body: @escaping @Sendable (TenantView) throws -> R
    ) async throws -> R {
        let (engine, tenant) = (engine, tenant)
        return try await heavy { try engine.asOf(tenant: tenant, position: position, time: time, body) }
    }

    /// Rebuilds the tenant's projections on the heavy pool; commands keep committing meanwhile
    /// (``TenantEngine/rebuild(tenant:projections:dryRun:differenceLimit:memoryBudget:progress:)``).
    public func rebuild(
        projections names: [String], dryRun: Bool, differenceLimit: Int = 50,
        memoryBudget: Int = TenantEngine.defaultRebuildMemory, progress: ((UInt64, UInt64) -> Void)? = nil
    ) throws -> RebuildReport {
        try heavy {
            try engine.rebuild(tenant: tenant, projections: names, dryRun: dryRun, differenceLimit: differenceLimit,
                               memoryBudget: memoryBudget, progress: progress)
        }
    }

    /// Rebuilds the tenant's projections on the heavy pool; `progress` is called between batches
    /// of events with the position reached and the head (on the heavy pool's thread).
    public func rebuild(
        projections names: [String], dryRun: Bool, memoryBudget: Int = TenantEngine.defaultRebuildMemory,
        progress: (@Sendable (UInt64, UInt64) -> Void)? = nil
    ) async throws -> RebuildReport {
        let (engine, tenant) = (engine, tenant)
        return try await heavy {
            try engine.rebuild(
                tenant: tenant, projections: names, dryRun: dryRun, memoryBudget: memoryBudget, progress: progress)
        }
    }

    /// Compares the tenant's live projections with a rebuild in memory, on the heavy pool
    /// (``TenantEngine/check(tenant:differenceLimit:)``).
    public func check(differenceLimit: Int = 50) throws -> (differences: [ProjectionDifference], count: Int) {
        try heavy { try engine.check(tenant: tenant, differenceLimit: differenceLimit) }
    }

    private func heavy<R>(_ body: () throws -> R) throws -> R {
        guard heavyLimiter.enter() else { throw TenantStoreError.heavyWorkBusy(limit: heavyLimiter.limit) }
        defer { heavyLimiter.leave() }
        return try heavyPool.runAndWait(body)
    }

    private func heavy<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
        guard heavyLimiter.enter() else { throw TenantStoreError.heavyWorkBusy(limit: heavyLimiter.limit) }
        defer { heavyLimiter.leave() }
        return try await heavyPool.run(body)
    }
}

/// A result handed from the writer's thread to a caller that waits on a semaphore.
private final class ResultBox<R: Sendable>: Sendable {
    private let result = Mutex<Result<R, any Error>?>(nil)

    func set(_ value: Result<R, any Error>) { result.withLock { $0 = value } }

    func get() throws -> R {
        guard let value = result.withLock({ $0 }) else { preconditionFailure("a write ended without a result") }
        return try value.get()
    }
}
