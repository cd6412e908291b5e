import BulkheadCore
import Domain
import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Projections
import Synchronization

/// Everything the HTTP service's routes share: the open data directory, the engine, the tenants'
/// stores (which schedule every read and write), the API key verifier and the metrics.
///
/// ```swift
/// let service = try BulkheadService(ServiceConfiguration(dataPath: "./bulkhead-data"))
/// let app = buildApplication(service)
/// ```
public final class BulkheadService: Sendable {
    /// How the service runs.
    public let configuration: ServiceConfiguration
    /// The data directory (its catalog and the tenants' partitions): opened once per process.
    public let data: DataDirectory
    /// The engine that decides commands and reads projections.
    public let engine: TenantEngine
    /// The process's metrics.
    public let metrics: ServiceMetrics
    /// The tenants' stores: group commit, the read pool and the limit of heavy work.
    public let stores: Stores
    let verifier: APIKeyVerifier
    /// Signs receipts and checkpoints, when the configuration has a signing key.
    public let signer: AuditSigner?
    /// How many event streams are open now (also the `bulkhead_event_streams_open` gauge).
    let openStreams = Atomic<Int>(0)

    /// Opens (creating) the data directory at `configuration.dataPath`.
    public convenience init(_ configuration: ServiceConfiguration) throws {
        try FileManager.default.createDirectory(atPath: configuration.dataPath, withIntermediateDirectories: true)
        self.init(configuration, data: try DataDirectory(path: configuration.dataPath))
    }

    /// Serves an already open data directory (a process opens each LMDB environment once).
    public init(_ configuration: ServiceConfiguration, data: DataDirectory) {
        self.configuration = configuration
        self.data = data
        engine = TenantEngine(data: data, clock: configuration.clock)
        let metrics = ServiceMetrics.shared
        self.metrics = metrics
        stores = Stores(engine: engine, configuration: StoreConfiguration(
            maxBatch: configuration.maxBatch, readThreads: configuration.readThreads,
            maxHeavyWork: configuration.maxHeavyRequests,
            onCommit: { report in
                metrics.commit(tenant: report.tenant, commands: report.commands, applied: report.applied,
                               refused: report.refused, failed: report.failed, events: report.events,
                               nanoseconds: report.nanoseconds)
            }))
        verifier = APIKeyVerifier(data: data, stores: stores)
        let clock = configuration.clock
        signer = configuration.signingKey.map {
            AuditSigner(key: $0, data: data, every: max(1, configuration.checkpointEvery), clock: { clock.now })
        }
    }
}

/// Builds the router: the unauthenticated `/health`, `/ready` and `/metrics`, and every `/v1`
/// route behind ``APIKeyMiddleware``.
public func buildRouter(_ service: BulkheadService) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    // Outermost first: the log line and the metrics see the status the error mapping chose.
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: RequestMetricsMiddleware(metrics: service.metrics))
    router.add(middleware: ErrorMiddleware())
    HealthController(service: service).addRoutes(to: router)
    let v1 = router.group("v1")
        .add(middleware: APIKeyMiddleware(verifier: service.verifier))
        .group(context: TenantRequestContext.self)
    CommandController(service: service).addRoutes(to: v1)
    QueryController(service: service).addRoutes(to: v1)
    EventController(service: service).addRoutes(to: v1)
    AuditController(service: service).addRoutes(to: v1)
    ProjectionController(service: service).addRoutes(to: v1)
    // Added last, it wraps only the router's "no such route" responder: a known path with another
    // method is 405 with `Allow`.
    router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes.map { ($0.path, $0.method) }))
    return router
}

/// Builds the HTTP application over `service`, bound to its configured host and port.
///
/// - Parameter onServerRunning: Called with the bound port once the server listens (useful with
///   port 0).
public func buildApplication(_ service: BulkheadService, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    let configuration = service.configuration
    return Application(
        router: buildRouter(service),
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "bulkhead"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: configuration.logger
    )
}

/// Opens the data directory and builds the HTTP application (what `bulkhead serve` runs).
///
/// ```swift
/// let app = try buildApplication(ServiceConfiguration(port: 8080, dataPath: "./bulkhead-data"))
/// try await app.runService()
/// ```
public func buildApplication(_ configuration: ServiceConfiguration) throws -> some ApplicationProtocol {
    buildApplication(try BulkheadService(configuration))
}
