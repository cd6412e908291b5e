import BulkheadCore
import EventLog
import Foundation
import Logging
import Projections
import ServiceLifecycle

/// Signs a checkpoint of every tenant whose log moved, every ``ServiceConfiguration/checkpointInterval``
/// while the service runs (only with a signing key). A tenant with no new events gets none.
///
/// ```swift
/// let scheduler = CheckpointScheduler(signer: signer, pool: stores.readPool, interval: .seconds(300), logger: logger)
/// ```
public struct CheckpointScheduler: Service {
    let signer: AuditSigner
    let pool: WorkerPool
    let interval: Duration
    let logger: Logger

    /// Creates a scheduler that runs a pass every `interval`, the first one `interval` after start,
    /// on `pool` (the stores' bounded pool: a pass opens partitions and writes transactions).
    public init(signer: AuditSigner, pool: WorkerPool, interval: Duration, logger: Logger) {
        precondition(interval > .zero, "a checkpoint interval must be positive")
        self.signer = signer
        self.pool = pool
        self.interval = interval
        self.logger = logger
    }

    /// Runs passes until the service shuts down.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    try await Task.sleep(for: interval)
                    let signer = signer, logger = logger
                    let made = try await pool.run { signer.checkpointMovedTenants(logger: logger) }
                    if !made.isEmpty { logger.info("checkpoints signed", metadata: ["tenants": "\(made.count)"]) }
                }
            }
        } catch is CancellationError {
            return
        }
    }
}
