import BulkheadCore
import EventLog
import Synchronization

/// The process's ``TenantStore``s, one per tenant, created on first use, and the pools they share:
/// a fixed number of read threads and a bounded number of replays and rebuilds for all tenants
/// together (threads per tenant would grow with the tenants).
///
/// Create one per data directory per process (a second one would give a tenant a second writer,
/// whose commits the first one's streams only see through their fallback check).
///
/// ```swift
/// let stores = Stores(engine: TenantEngine(data: data, clock: SystemClock()))
/// let outcome = try stores.store(for: tenant).write(CreateProject(name: "CodeMCP"), actor: "ana@berko.example")
/// ```
public final class Stores: Sendable {
    /// The engine every store decides commands with.
    public let engine: TenantEngine
    /// How the stores schedule their work.
    public let configuration: StoreConfiguration
    /// The threads that run every tenant's reads (and other short blocking reads, such as the
    /// catalog's).
    public let readPool: WorkerPool
    /// Bounds the replays and rebuilds of every tenant.
    public let heavyLimiter: HeavyWorkLimiter
    private let heavyPool: WorkerPool
    private let stores = Mutex<[TenantID: TenantStore]>([:])

    /// Creates the registry over `engine`; no store exists until one is asked for.
    public init(engine: TenantEngine, configuration: StoreConfiguration = StoreConfiguration()) {
        self.engine = engine
        self.configuration = configuration
        readPool = WorkerPool(label: "bulkhead.read", limit: configuration.readThreads)
        heavyPool = WorkerPool(label: "bulkhead.heavy", limit: configuration.maxHeavyWork)
        heavyLimiter = HeavyWorkLimiter(limit: configuration.maxHeavyWork)
    }

    /// The store of `tenant`, created on first use.
    ///
    /// - Throws: ``EventLogError/unknownTenant(_:suggestions:)`` when the data directory has no such tenant
    ///   (no store is kept for it).
    public func store(for tenant: TenantID) throws -> TenantStore {
        if let existing = stores.withLock({ $0[tenant] }) { return existing }
        // Checked outside the lock: opening a partition is file-system work.
        _ = try engine.data.partition(for: tenant)
        return stores.withLock { stores in
            if let existing = stores[tenant] { return existing }
            let created = TenantStore(
                tenant: tenant, engine: engine, configuration: configuration, readPool: readPool, heavyPool: heavyPool,
                heavyLimiter: heavyLimiter)
            stores[tenant] = created
            return created
        }
    }
}
