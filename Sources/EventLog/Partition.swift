import BulkheadCore
import Foundation
import Storage

/// A tenant's partition: its own LMDB environment, holding its log, indexes and projections.
///
/// Code that works on tenant data receives a `Partition`, never a path or a raw key. A partition
/// refuses to open a directory that records another tenant.
///
/// ```swift
/// let partition = try store.partition(for: tenant)
/// let result = try partition.write { log in
///     try log.append(stream: "project-1", expected: .noStream, events: [event], recordedAt: clock.now)
/// }
/// ```
public final class Partition: Sendable {
    /// The tenant whose partition this is.
    public let tenant: TenantID
    /// The environment. Projections open their own tables in it.
    public let environment: Environment
    let tables: LogTables

    struct LogTables: Sendable {
        let meta: Table
        let log: Table
        let streams: Table
        let streamHeads: Table
        let eventIDs: Table
    }

    static let tenantKey = Array("tenant".utf8)

    /// Opens the partition of `tenant` in `directory` (named by the tenant's UUID).
    ///
    /// - Throws: ``EventLogError/wrongTenant(expected:found:path:)`` when the directory holds
    ///   another tenant's partition; ``StorageError`` for an unreadable environment.
    /// - Parameter create: Whether a partition without a tenant record may be initialised (when
    ///   the tenant is created). Opening an existing tenant whose record is missing — an emptied or
    ///   replaced file — is refused rather than silently starting an empty log.
    public init(tenant: TenantID, directory: String, options: EnvironmentOptions, create: Bool = false) throws {
        self.tenant = tenant
        if !create {
            // A registered tenant's partition must exist: opening a missing or emptied file would let
            // LMDB initialise it as a new, empty environment.
            let file = (directory as NSString).appendingPathComponent("data.mdb")
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? nil
            guard let size, size > 0 else {
                throw EventLogError.missingTenantRecord(path: directory)
            }
        }
        let env = try Environment(path: directory, options: options)
        self.environment = env
        let genesis = tenant
        self.tables = try env.write { tx in
            func open(_ name: String) throws -> Table {
                guard let table = try tx.openTable(named: name, create: true) else {
                    throw EventLogError.invalidAppend("table \(name) could not be created")
                }
                return table
            }
            let tables = LogTables(
                meta: try open("meta"), log: try open("log"), streams: try open("streams"),
                streamHeads: try open("streamHeads"), eventIDs: try open("eventIDs"))
            if let stored = try tx.get(tables.meta, key: Partition.tenantKey) {
                guard stored.count == 16, let found = stored.withUnsafeBytes({ raw -> TenantID? in
                    var r = ByteReader(raw)
                    return (try? r.readUUID()).map(TenantID.init)
                }) else {
                    throw EventLogError.missingTenantRecord(path: directory)
                }
                guard found == genesis else {
                    throw EventLogError.wrongTenant(expected: genesis, found: found, path: directory)
                }
            } else {
                guard create, try tx.statistics(tables.log).entries == 0 else {
                    throw EventLogError.missingTenantRecord(path: directory)
                }
                try tx.put(tables.meta, key: Partition.tenantKey, value: PartitionKeys.eventID(genesis.uuid))
            }
            return tables
        }
    }

    /// Runs `body` in the partition's write transaction: returning commits every append made
    /// through the writer (and whatever else was written), throwing writes nothing.
    public func write<R>(_ body: (inout LogWriter) throws -> R) throws -> R {
        try environment.write { tx in
            var writer = try LogWriter(partition: self, transaction: tx)
            return try body(&writer)
        }
    }

    /// Runs `body` with a reader on one consistent snapshot of the partition.
    public func read<R>(_ body: (LogReader) throws -> R) throws -> R {
        try environment.read { tx in try body(LogReader(partition: self, transaction: tx)) }
    }

    /// The log as `transaction` (a read transaction of this partition's environment) sees it: for
    /// code that reads projections and the log on one snapshot.
    public func reader(in transaction: ReadTransaction) -> LogReader {
        precondition(transaction.environment === environment, "a transaction of another environment")
        return LogReader(partition: self, transaction: transaction)
    }

    /// Appends `events` to `stream` in one transaction.
    ///
    /// - Parameters:
    ///   - stream: The stream id (1 to 512 bytes of UTF-8).
    ///   - expected: The stream version the caller expects.
    ///   - events: One or more events, appended atomically.
    ///   - recordedAt: The time recorded on each event.
    /// - Returns: The positions and versions assigned, or the original ones for a retry.
    /// - Throws: ``EventLogError/versionConflict(stream:expected:actual:)``,
    ///   ``EventLogError/duplicateEventID(_:position:)``, ``EventLogError/invalidAppend(_:)``.
    public func append(stream: String, expected: ExpectedVersion, events: [NewEvent], recordedAt: Date) throws -> AppendResult {
        try write { log in try log.append(stream: stream, expected: expected, events: events, recordedAt: recordedAt) }
    }

    /// The last position and its hash (position 0 and the genesis hash when empty).
    public func head() throws -> LogHead {
        try read { try $0.head() }
    }

    /// The hash chain's starting point for this tenant.
    public var genesisHash: [UInt8] { genesisDigest.bytes }

    var genesisDigest: ChainHash { PartitionKeys.genesisHash(tenant) }
}

/// The last event of a tenant's log.
public struct LogHead: Equatable, Sendable {
    /// The last position (0 when empty).
    public let position: UInt64
    /// Its hash (the genesis hash when empty).
    public let hash: [UInt8]
}

/// Positions assigned by an append.
public struct AppendResult: Equatable, Sendable {
    /// The first and last positions of the appended events.
    public let positions: ClosedRange<UInt64>
    /// The stream's version after the append.
    public let streamVersion: UInt64
    /// True when every event id was already in the log with the same content: nothing was written.
    public let wasDuplicate: Bool
}
