import BulkheadCore
import EventLog
import Foundation
import Logging
import Projections
import Synchronization

/// Signs what the service hands out and keeps: a receipt for every applied command, and a
/// checkpoint of a tenant's head every ``ServiceConfiguration/checkpointEvery`` events, every
/// ``ServiceConfiguration/checkpointInterval`` (``CheckpointScheduler``) and on demand
/// (`POST /v1/audit/checkpoints`). Exists only when `serve` was given `--signing-key`.
///
/// ```swift
/// let signer = AuditSigner(key: try SigningKey.load(from: "/etc/bulkhead/signing.key"), data: data, every: 1000)
/// reply.receipt = try signer.receipt(for: outcome)?.json
/// ```
public final class AuditSigner: Sendable {
    /// The key.
    public let key: SigningKey
    let data: DataDirectory
    let every: UInt64
    let clock: @Sendable () -> Date
    /// Per tenant: whether the key is recorded with it, and the position of its last checkpoint.
    private let known = Mutex<[TenantID: (registered: Bool, checkpointed: UInt64)]>([:])
    /// Per tenant, the newest receipt signed: the other commands of its group commit reuse it.
    private let lastSigned = Mutex<[TenantID: Receipt]>([:])

    /// Signs with `key` over `data`, checkpointing each tenant every `every` events (at least 1).
    public init(key: SigningKey, data: DataDirectory, every: UInt64,
                clock: @escaping @Sendable () -> Date = Date.init) {
        precondition(every > 0, "checkpoints every 0 events")
        self.key = key
        self.data = data
        self.every = every
        self.clock = clock
    }

    /// The signed receipt of an applied command (the key is recorded with the tenant the first
    /// time it signs for it): one signature per group commit, shared by the commands it applied
    /// (``CommandOutcome/receipt(signedWith:reusing:partition:)``). `nil` when it appended nothing.
    public func receipt(for outcome: CommandOutcome) throws -> Receipt? {
        let tenant = outcome.tenant
        let partition = try data.partition(for: tenant)
        if known.withLock({ $0[tenant]?.registered }) != true {
            try partition.register(key, at: clock())
            let last = try partition.lastCheckpointPosition()
            known.withLock { $0[tenant] = (true, max(last, $0[tenant]?.checkpointed ?? 0)) }
        }
        let receipt = try outcome.receipt(signedWith: key, reusing: lastSigned.withLock { $0[tenant] },
                                          partition: partition)
        if let receipt { lastSigned.withLock { $0[tenant] = receipt } }
        return receipt
    }

    /// Whether `tenant`'s head at `head` is ``every`` or more events past its last checkpoint; a
    /// `true` claims it (the caller then makes the checkpoint), so concurrent commands claim it once.
    public func claimCheckpoint(tenant: TenantID, head: UInt64) -> Bool {
        known.withLock { state in
            let last = state[tenant]?.checkpointed ?? 0
            guard head >= last + every else { return false }
            state[tenant] = (state[tenant]?.registered ?? false, head)
            return true
        }
    }

    /// Signs and keeps a checkpoint of `tenant`'s head now (a write transaction: call it off the
    /// event loop). `nil` for an empty log.
    @discardableResult
    public func checkpoint(tenant: TenantID) throws -> Checkpoint? {
        let made = try data.partition(for: tenant).checkpoint(with: key, at: clock())
        if let made {
            known.withLock { $0[tenant] = (true, max(made.position, $0[tenant]?.checkpointed ?? 0)) }
        }
        return made
    }

    /// Checkpoints every tenant whose head moved past its last checkpoint; for the timer.
    /// - Returns: The checkpoints made.
    public func checkpointMovedTenants(logger: Logger) -> [Checkpoint] {
        let tenants: [TenantRecord]
        do {
            tenants = try data.catalog.allTenants()
        } catch {
            logger.error("checkpoints: cannot list tenants", metadata: ["error": "\(error)"])
            return []
        }
        var made: [Checkpoint] = []
        for record in tenants {
            do {
                let partition = try data.partition(for: record.id)
                let head = try partition.head().position
                guard head > 0, head > (try partition.lastCheckpointPosition()) else { continue }
                if let checkpoint = try checkpoint(tenant: record.id) { made.append(checkpoint) }
            } catch {
                logger.error("checkpoint failed", metadata: ["tenant": "\(record.id)", "error": "\(error)"])
            }
        }
        return made
    }
}
