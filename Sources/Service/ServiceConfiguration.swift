import Domain
import EventLog
import Foundation
import Logging
import Projections

/// How `bulkhead serve` (or a test, or a benchmark) runs the HTTP service.
///
/// ```swift
/// let app = try await buildApplication(ServiceConfiguration(dataPath: "./bulkhead-data"))
/// try await app.runService()
/// ```
public struct ServiceConfiguration: Sendable {
    /// The address to bind; loopback by default.
    public var host: String
    /// The port to bind (0 picks a free one).
    public var port: Int
    /// The data directory (it is created when missing).
    public var dataPath: String
    /// Where decisions get the time.
    public var clock: any Clock
    /// How often an event stream looks at its tenant's log for commits it was not told about: an
    /// event stream wakes on each commit made through this process's ``Stores``, and only commits
    /// of another process writing the same data directory (or of code that bypasses the stores,
    /// such as the CLI while the server runs) wait for this check. One second by default.
    public var streamPollInterval: Duration
    /// How long one event stream stays open; the client reconnects with `Last-Event-ID`.
    public var streamMaxDuration: Duration
    /// How often an idle event stream sends a keep-alive comment.
    public var streamKeepAlive: Duration
    /// The most commands one group commit takes.
    public var maxBatch: Int
    /// How many requests that replay or rebuild a tenant's log (`asOf` queries, rebuilds) may run
    /// at once across all tenants; more are answered 503 at once rather than queued.
    public var maxHeavyRequests: Int
    /// The logger of the server and of each request.
    public var logger: Logger
    /// The key that signs receipts and checkpoints (`serve --signing-key`); `nil` signs nothing.
    public var signingKey: SigningKey?
    /// A tenant's head is checkpointed once it is this many events past its last checkpoint.
    public var checkpointEvery: UInt64 = ServiceConfiguration.defaultCheckpointEvery
    /// Every tenant whose log moved is checkpointed this often.
    public var checkpointInterval: Duration = ServiceConfiguration.defaultCheckpointInterval
    /// The default of ``checkpointEvery``: 1,000 events.
    public static let defaultCheckpointEvery: UInt64 = 1000
    /// The default of ``checkpointInterval``: 5 minutes.
    public static let defaultCheckpointInterval: Duration = .seconds(300)

    /// Creates a configuration; every value but the data path has a default.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, dataPath: String, clock: any Clock = SystemClock(),
        streamPollInterval: Duration = .seconds(1),
        streamMaxDuration: Duration = ServiceConfiguration.defaultStreamMaxDuration,
        streamKeepAlive: Duration = .seconds(15), maxBatch: Int = 256, maxHeavyRequests: Int = 4,
        logger: Logger = Logger(label: "bulkhead.service")
    ) {
        self.host = host
        self.port = port
        self.dataPath = dataPath
        self.clock = clock
        self.streamPollInterval = streamPollInterval
        self.streamMaxDuration = streamMaxDuration
        self.streamKeepAlive = streamKeepAlive
        self.maxBatch = maxBatch
        self.maxHeavyRequests = maxHeavyRequests
        self.logger = logger
    }

    /// How long one event stream stays open unless told otherwise: 300 seconds, or the whole number
    /// of seconds (1 to 3600) in the environment variable `BULKHEAD_STREAM_MAX_SECONDS` (for a
    /// proxy that cuts long responses sooner, or a contract test that reads every stream to its end).
    public static var defaultStreamMaxDuration: Duration {
        let seconds = ProcessInfo.processInfo.environment["BULKHEAD_STREAM_MAX_SECONDS"].flatMap { Int($0) }
        guard let seconds, (1...3600).contains(seconds) else { return .seconds(300) }
        return .seconds(seconds)
    }
    /// The memory each rebuild's projection states may hold before spilling sorted runs to disk,
    /// in bytes: 256 MiB, as `TenantEngine.defaultRebuildMemory` (`bulkhead rebuild --memory`).
    public var rebuildMemory = 256 << 20
    /// How many threads run reads (API key checks, queries, event pages) across all tenants.
    public var readThreads = StoreConfiguration().readThreads
}
