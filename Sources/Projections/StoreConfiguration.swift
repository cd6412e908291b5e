import BulkheadCore
import Foundation

/// How a process's ``Stores`` schedule the tenants' work.
///
/// ```swift
/// var configuration = StoreConfiguration()
/// configuration.maxBatch = 64
/// let stores = Stores(engine: engine, configuration: configuration)
/// ```
public struct StoreConfiguration: Sendable {
    /// The most commands one group commit takes.
    public var maxBatch: Int
    /// How many threads run reads, across all tenants (each read is one short LMDB read
    /// transaction on one of them).
    public var readThreads: Int
    /// How many replays or rebuilds of a log (as-of reads, rebuilds, checks) may run at once across
    /// all tenants; more are turned away at once (``TenantStoreError/heavyWorkBusy(limit:)``).
    public var maxHeavyWork: Int
    /// Told about each group commit, on the tenant's writer (keep it short): the service records
    /// its metrics here.
    public var onCommit: (@Sendable (CommitReport) -> Void)?

    /// Creates a configuration: 256 commands a commit, two read threads per core (at least four),
    /// four heavy jobs at once.
    public init(
        maxBatch: Int = 256, readThreads: Int = max(4, 2 * ProcessInfo.processInfo.activeProcessorCount),
        maxHeavyWork: Int = 4, onCommit: (@Sendable (CommitReport) -> Void)? = nil
    ) {
        self.maxBatch = maxBatch
        self.readThreads = readThreads
        self.maxHeavyWork = maxHeavyWork
        self.onCommit = onCommit
    }
}

/// What one group commit of a tenant did.
public struct CommitReport: Sendable, Equatable {
    /// The tenant.
    public let tenant: TenantID
    /// How many commands the commit took.
    public let commands: Int
    /// How many were applied (appended events, or were skipped or had nothing to do).
    public let applied: Int
    /// How many were refused by their decision (nothing of them written).
    public let refused: Int
    /// How many failed with the whole transaction (nothing of them written).
    public let failed: Int
    /// How many events were appended.
    public let events: Int
    /// How long the commit took, in nanoseconds.
    public let nanoseconds: UInt64
}
