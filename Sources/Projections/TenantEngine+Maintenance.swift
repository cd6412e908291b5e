import BulkheadCore
import Domain
import Foundation

/// What one maintenance pass of a tenant did.
public struct MaintenanceReport: Sendable, Equatable {
    /// The tenant.
    public let tenant: TenantID
    /// Analysis runs expired (active for more than 10 minutes).
    public let expiredRuns: [UUID]
    /// Syncs orphaned (running for more than 10 minutes).
    public let orphanedSyncs: [UUID]
    /// The positions appended, in order (empty when nothing was due).
    public let positions: [UInt64]

    /// Whether anything was due.
    public var changed: Bool { !positions.isEmpty }
}

extension TenantEngine {
    /// Runs a tenant's time-based maintenance once: expires analysis runs active for more than
    /// 10 minutes (`analysis.expireStale`) and orphans syncs running for more than 10 minutes
    /// (`sync.cleanupOrphans`), recorded under ``SystemActor/maintenance``. Appends nothing, and
    /// leaves the store byte-identical, when nothing is due.
    ///
    /// ```swift
    /// let report = try engine.maintain(tenant: id)
    /// print(report.expiredRuns.count, report.orphanedSyncs.count)
    /// ```
    /// - Throws: ``EventLogError`` for an unknown tenant, ``StorageError`` for a storage failure.
    public func maintain(tenant: TenantID) throws -> MaintenanceReport {
        var expired: [UUID] = []
        var orphaned: [UUID] = []
        var positions: [UInt64] = []
        for command in [ExpireStaleAnalyses() as any Command, CleanupOrphanSyncs()] {
            let outcome = try execute(command, tenant: tenant, as: .maintenance)
            positions += outcome.events.map(\.position)
            // The stream of each event names its run or sync: `analysis-<uuid>`, `sync-<uuid>`.
            for event in outcome.events {
                guard let id = UUID(uuidString: String(event.stream.drop { $0 != "-" }.dropFirst())) else { continue }
                if event.type == "analysis.expired" {
                    expired.append(id)
                } else if event.type == "sync.orphaned" {
                    orphaned.append(id)
                }
            }
        }
        return MaintenanceReport(tenant: tenant, expiredRuns: expired, orphanedSyncs: orphaned, positions: positions)
    }
}
