import BulkheadCore
import EventLog
import Foundation
import Logging
import Projections
import ServiceLifecycle

/// Runs every tenant's time-based maintenance on a schedule while the service runs: stale
/// analysis runs expired, stale syncs orphaned (``TenantEngine/maintain(tenant:)``), recorded under
/// the actor `system:maintenance`. A tenant with nothing due gets nothing appended.
///
/// ```swift
/// let scheduler = MaintenanceScheduler(stores: service.stores, interval: .seconds(60), logger: logger)
/// try await ServiceGroup(services: [app, scheduler], logger: logger).run()
/// ```
public struct MaintenanceScheduler: Service {
    /// The default time between two passes over every tenant.
    public static let defaultInterval: Duration = .seconds(60)

    let stores: Stores
    let interval: Duration
    let logger: Logger

    /// Creates a scheduler that runs a pass every `interval`, the first one `interval` after start,
    /// through the tenants' stores (each pass is a write on the tenant's writer).
    public init(stores: Stores, interval: Duration, logger: Logger) {
        precondition(interval > .zero, "a maintenance interval must be positive")
        self.stores = stores
        self.interval = interval
        self.logger = logger
    }

    /// Creates a scheduler with stores of its own over `engine` (a process that serves HTTP passes
    /// the service's ``Stores`` instead, so that a tenant has one writer).
    public init(engine: TenantEngine, interval: Duration, logger: Logger) {
        self.init(stores: Stores(engine: engine), interval: interval, logger: logger)
    }

    /// Runs passes until the service shuts down.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    try await Task.sleep(for: interval)
                    _ = await runOnce()
                }
            }
        } catch is CancellationError {
            return
        }
    }

    /// One pass over every registered tenant. A tenant that fails is logged and does not stop
    /// the others.
    /// - Returns: The report of each tenant that was maintained.
    @discardableResult
    public func runOnce() async -> [MaintenanceReport] {
        let (stores, data) = (stores, stores.engine.data)
        let tenants: [TenantRecord]
        do {
            tenants = try await stores.readPool.run { try data.catalog.allTenants() }
        } catch {
            logger.error("maintenance: cannot list tenants", metadata: ["error": "\(error)"])
            return []
        }
        var reports: [MaintenanceReport] = []
        for record in tenants {
            do {
                let report = try await stores.store(for: record.id).maintain()
                reports.append(report)
                if report.changed {
                    logger.info("maintenance", metadata: [
                        "tenant": "\(record.id)", "expiredRuns": "\(report.expiredRuns.count)",
                        "orphanedSyncs": "\(report.orphanedSyncs.count)",
                    ])
                }
            } catch {
                logger.error("maintenance failed", metadata: ["tenant": "\(record.id)", "error": "\(error)"])
            }
        }
        return reports
    }
}
