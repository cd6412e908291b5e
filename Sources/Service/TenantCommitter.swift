import BulkheadCore
import Dispatch
import Domain
import EventLog
import Foundation
import Projections
import Synchronization

/// Group commit for one tenant: commands that arrive while a commit is under way wait in a queue,
/// and the next commit takes all of them (up to `maxBatch`) through
/// `TenantEngine.execute(batch:tenant:)`: each decided in order, in one write transaction and one
/// durable commit. Each caller gets its own result.
///
/// LMDB transactions are synchronous and belong to one thread, so commits run on the tenant's own
/// serial Dispatch queue, off Swift's cooperative pool; callers wait on a continuation. Tenants
/// have separate queues (and separate LMDB environments), so they commit in parallel.
final class TenantCommitter: Sendable {
    /// The tenant.
    let tenant: TenantID
    private let engine: TenantEngine
    /// The serial queue the tenant's commits run on (tests hold it to gather a batch).
    let queue: DispatchQueue
    private let maxBatch: Int
    private let metrics: ServiceMetrics
    private let state = Mutex(State())

    private struct Pending: Sendable {
        let command: any Command
        let actor: String
        let apiKeyID: UUID?
        let continuation: CheckedContinuation<CommandOutcome, any Error>
    }

    private struct State {
        var pending: [Pending] = []
        var draining = false
        var commits = 0
    }

    /// How many commands wait for the next commit.
    var pendingCount: Int { state.withLock { $0.pending.count } }
    /// How many write transactions this committer has run.
    var commitCount: Int { state.withLock { $0.commits } }

    init(tenant: TenantID, engine: TenantEngine, maxBatch: Int, metrics: ServiceMetrics) {
        self.tenant = tenant
        self.engine = engine
        self.maxBatch = max(1, maxBatch)
        self.metrics = metrics
        queue = DispatchQueue(label: "bulkhead.commit.\(tenant)", qos: .userInitiated)
    }

    /// How many commands may wait for the tenant's next commits: beyond that a command is turned
    /// away at once (503) rather than queued without bound.
    var maxPending: Int { maxBatch * 16 }

    /// Decides and applies `command` in the tenant's next group commit.
    ///
    /// - Throws: ``CommandError`` for a refusal (nothing of it written); ``ServiceError`` 503 when
    ///   ``maxPending`` commands already wait; storage and log errors.
    func submit(_ command: any Command, actor: String, apiKeyID: UUID? = nil) async throws -> CommandOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let (start, full) = state.withLock { state -> (Bool, Bool) in
                guard state.pending.count < maxPending else { return (false, true) }
                state.pending.append(
                    Pending(command: command, actor: actor, apiKeyID: apiKeyID, continuation: continuation))
                guard !state.draining else { return (false, false) }
                state.draining = true
                return (true, false)
            }
            if full {
                continuation.resume(throwing: ServiceError(
                    .serviceUnavailable, code: "unavailable",
                    message: "\(maxPending) commands of this tenant are waiting to be committed; nothing of this one was written: retry shortly"))
                return
            }
            if start { queue.async { self.drain() } }
        }
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
            for (pending, result) in zip(batch, results) {
                switch result {
                case .success(let outcome):
                    applied += 1
                    events += outcome.events.count
                    pending.continuation.resume(returning: outcome)
                case .failure(let refusal):
                    refused += 1
                    pending.continuation.resume(throwing: refusal)
                }
            }
            metrics.commit(tenant: tenant, commands: batch.count, applied: applied, refused: refused, failed: 0, events: events,
                           nanoseconds: DispatchTime.now().uptimeNanoseconds - started)
        } catch let error as EventLogError where batch.count > 1 && Self.abortsOnlyItsTransaction(error) {
            // One command's append was refused by the log itself (a stream that must be new already
            // exists, ...). The transaction was aborted, so nothing of the batch was written: decide
            // each command on its own, so only the offender fails.
            for pending in batch { commit([pending]) }
        } catch {
            for pending in batch { pending.continuation.resume(throwing: error) }
            metrics.commit(tenant: tenant, commands: batch.count, applied: 0, refused: 0, failed: batch.count, events: 0,
                           nanoseconds: DispatchTime.now().uptimeNanoseconds - started)
        }
    }

    /// Errors that `LogWriter.append` throws inside the write transaction, before anything commits.
    private static func abortsOnlyItsTransaction(_ error: EventLogError) -> Bool {
        switch error {
        case .versionConflict, .duplicateEventID, .invalidAppend: return true
        default: return false
        }
    }
}

/// The committers of every tenant that has written through this server, one per tenant.
final class CommitCoordinator: Sendable {
    private let engine: TenantEngine
    private let maxBatch: Int
    private let metrics: ServiceMetrics
    private let committers = Mutex<[TenantID: TenantCommitter]>([:])

    init(engine: TenantEngine, maxBatch: Int, metrics: ServiceMetrics) {
        self.engine = engine
        self.maxBatch = maxBatch
        self.metrics = metrics
    }

    /// The committer of `tenant` (created on first use).
    func committer(for tenant: TenantID) -> TenantCommitter {
        committers.withLock { committers in
            if let existing = committers[tenant] { return existing }
            let created = TenantCommitter(tenant: tenant, engine: engine, maxBatch: maxBatch, metrics: metrics)
            committers[tenant] = created
            return created
        }
    }

    /// Decides and applies `command` for `tenant` in the tenant's next group commit.
    func submit(
        _ command: any Command, tenant: TenantID, actor: String, apiKeyID: UUID?
    ) async throws -> CommandOutcome {
        try await committer(for: tenant).submit(command, actor: actor, apiKeyID: apiKeyID)
    }
}
