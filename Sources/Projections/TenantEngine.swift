import BulkheadCore
import Domain
import EventLog
import Foundation
import Storage

/// What a command did: the events it appended (with positions) and the ids it used, or why it
/// was skipped.
public struct CommandOutcome: Sendable, Equatable {
    /// The command's name.
    public let command: String
    /// The tenant.
    public let tenant: TenantID
    /// The ids the command used or generated.
    public let ids: [String: UUID]
    /// The appended events' positions and types, in order (empty when skipped or when nothing
    /// needed doing, such as an expiry with no stale run).
    public let events: [AppendedEvent]
    /// Why nothing was appended, for an analysis request that was skipped.
    public let skipped: Skipped?
    /// A secret shown once (a new API key).
    public let secret: String?
    /// The transaction that appended the events: with group commit, the whole batch of commands
    /// committed with this one (`nil` when nothing was appended).
    public internal(set) var commit: CommitPoint?

    /// The positions of the appended events, or `nil`.
    public var positions: ClosedRange<UInt64>? {
        guard let first = events.first?.position, let last = events.last?.position else { return nil }
        return first...last
    }
}

/// What one write transaction appended: its positions, the head hash it left, and the time it
/// recorded on its events. A receipt signs it once for every command of a group commit.
public struct CommitPoint: Sendable, Equatable {
    /// The positions the transaction appended, first to last.
    public let positions: ClosedRange<UInt64>
    /// The hash at the last position.
    public let headHash: [UInt8]
    /// The time recorded on the events, in microseconds since 1970.
    public let recordedAtMicros: Int64
}

/// An appended event as a command result lists it.
public struct AppendedEvent: Sendable, Equatable {
    /// Its position.
    public let position: UInt64
    /// Its type.
    public let type: String
    /// Its stream.
    public let stream: String
}

/// Runs a tenant's commands and keeps its projections: each command is decided against the live
/// projections, its events appended and projected in one write transaction of the tenant's own
/// environment.
///
/// ```swift
/// let engine = TenantEngine(data: data, clock: SystemClock())
/// let outcome = try engine.execute(CreateProject(name: "CodeMCP"), tenant: id, actor: "oliver@example.com")
/// ```
public final class TenantEngine: Sendable {
    /// The data directory.
    public let data: DataDirectory
    /// Where decisions get the time.
    public let clock: any Clock
    /// Where new ids come from.
    public let ids: IDGenerator
    /// The projectors kept inline.
    public let projectors: [any Projector]

    /// Creates an engine over `data`.
    public init(data: DataDirectory, clock: any Clock, ids: IDGenerator = .shared, projectors: [any Projector] = Projectors.all) {
        self.data = data
        self.clock = clock
        self.ids = ids
        self.projectors = projectors
    }

    /// Decides and applies `command` for `tenant`, recording `actor` on its events.
    ///
    /// - Throws: ``CommandError`` for a refusal (nothing written), ``EventLogError`` for an unknown
    ///   tenant, ``StorageError`` for a storage failure.
    public func execute(_ command: any Command, tenant: TenantID, actor: String) throws -> CommandOutcome {
        try execute(batch: [(command, actor)], tenant: tenant)[0].get()
    }

    /// Decides and applies several commands of one tenant in one write transaction and one durable
    /// commit (group commit). Each is decided in order against the state the previous ones left; a
    /// refused command appends nothing and does not stop the others.
    ///
    /// - Returns: One result per command, in order: its outcome or its ``CommandError``.
    /// - Throws: Only failures of the whole transaction (unknown tenant, storage errors); then
    ///   nothing of the batch was written.
    public func execute(batch: [(command: any Command, actor: String)], tenant: TenantID) throws -> [Result<CommandOutcome, CommandError>] {
        try execute(batch: batch.map { ($0.command, $0.actor, nil) }, tenant: tenant, system: false)
    }

    /// Like ``execute(batch:tenant:)``, recording on each command's events the id of the API key
    /// that submitted it (`nil` for none). A key id must be one of the tenant's own keys, not
    /// revoked: another tenant's key is not found, and nothing of that command is written.
    public func execute(
        batch: [(command: any Command, actor: String, apiKeyID: UUID?)], tenant: TenantID
    ) throws -> [Result<CommandOutcome, CommandError>] {
        try execute(batch: batch, tenant: tenant, system: false)
    }

    /// Decides and applies `command` for `tenant` as one of Bulkhead's own ``SystemActor``s.
    public func execute(_ command: any Command, tenant: TenantID, as actor: SystemActor) throws -> CommandOutcome {
        try execute(batch: [(command, actor.rawValue, nil)], tenant: tenant, system: true)[0].get()
    }

    private func execute(
        batch: [(command: any Command, actor: String, apiKeyID: UUID?)], tenant: TenantID, system: Bool
    ) throws -> [Result<CommandOutcome, CommandError>] {
        let partition = try data.partition(for: tenant)
        let results: [Result<CommandOutcome, CommandError>]
        do {
            results = try partition.write { log in
                // Read once the writer lock is held, and never before the last event's time: a
                // batch that waited for the lock must not be recorded before one that committed
                // meanwhile. Recorded-at times then rise with positions, and as-of a time is a
                // prefix of the log.
                let now = max(clock.now, try log.reader.lastRecordedAt() ?? .distantPast)
                var session = try ProjectionSession(log: log, projectors: projectors)
                var results: [Result<CommandOutcome, CommandError>] = []
                for (command, actor, apiKeyID) in batch {
                    do {
                        if !system { try Self.checkActor(actor, of: session.view) }
                        if let apiKeyID { try session.view.checkSubmittingAPIKey(apiKeyID) }
                        results.append(.success(try apply(
                            command, actor: actor, apiKeyID: apiKeyID, now: now, tenant: tenant, log: &log,
                            session: session)))
                    } catch let refusal as CommandError {
                        results.append(.failure(refusal))
                    }
                }
                // Refused, skipped and no-op commands leave the store byte-identical: with nothing
                // appended, the transaction is aborted rather than committed.
                guard let first = log.batches.first?.firstPosition else { throw NothingAppended(results: results) }
                try session.finish(log: &log)
                let head = log.head
                let commit = CommitPoint(positions: first...head.position, headHash: head.hash,
                                         recordedAtMicros: log.batches[log.batches.count - 1].recordedAtMicros)
                results = results.map { $0.map { var outcome = $0; outcome.commit = commit; return outcome } }
                // The catalog's index of API keys is written before the tenant's commit, never
                // after it: if it fails, nothing of the batch is committed (and the caller is told);
                // if the tenant's commit then fails, the catalog holds a key no tenant record
                // backs (it opens nothing: the tenant's record decides) or a revocation the log
                // lacks (the key is refused early). A committed change is never reported as failed.
                for (index, result) in results.enumerated() {
                    if case .success(let outcome) = result { try syncCatalog(outcome, command: batch[index].command, tenant: tenant) }
                }
                return results
            }
        } catch let nothing as NothingAppended {
            results = nothing.results
        }
        return results
    }

    /// Decides one command and appends and projects its events inside the caller's transaction.
    private func apply(
        _ command: any Command, actor: String, apiKeyID: UUID?, now: Date, tenant: TenantID, log: inout LogWriter,
        session: ProjectionSession
    ) throws -> CommandOutcome {
        let context = DecisionContext(tenant: tenant, actor: actor, now: now, ids: ids)
        let decision = try command.decide(session.view, context)
        let correlation = ids.next(at: now)
        var appended: [AppendedEvent] = []
        for plan in decision.appends {
            let newEvents = try plan.events.map { event in
                NewEvent(eventID: ids.next(at: now), type: event.type, schemaVersion: event.schemaVersion,
                         payload: try event.encodedPayload(), actor: actor, correlationID: correlation,
                         causationID: nil, apiKeyID: apiKeyID)
            }
            let result = try log.append(stream: plan.stream, expected: plan.mustBeNew ? .noStream : .any, events: newEvents, recordedAt: now)
            for (offset, event) in plan.events.enumerated() {
                let position = result.positions.lowerBound + UInt64(offset)
                try session.apply(event, EventMeta(position: position, recordedAt: now, actor: actor))
                appended.append(AppendedEvent(position: position, type: event.type, stream: plan.stream))
            }
        }
        return CommandOutcome(command: type(of: command).name, tenant: tenant, ids: decision.ids, events: appended, skipped: decision.skipped, secret: decision.secret)
    }

    /// Decodes the command `name` from JSON and executes it.
    public func execute(name: String, json: Data, tenant: TenantID, actor: String) throws -> CommandOutcome {
        try execute(try CommandCatalog.decode(name: name, json: json), tenant: tenant, actor: actor)
    }

    /// The catalog indexes API key hashes for the HTTP service: keep it in step with the tenant's
    /// log. Called inside the tenant's write transaction, which may run again (after growing its
    /// map): both writes are idempotent.
    private func syncCatalog(_ outcome: CommandOutcome, command: any Command, tenant: TenantID) throws {
        if let issue = command as? IssueAPIKey, let secret = outcome.secret, let keyId = outcome.ids["keyId"] {
            _ = issue
            try data.catalog.storeAPIKey(hash: APIKeys.hashBytes(secret), record: APIKeyRecord(keyID: keyId, tenant: tenant, revoked: false))
        } else if command is RevokeAPIKey, let keyId = outcome.ids["keyId"] {
            try data.catalog.revokeAPIKey(keyID: keyId, tenant: tenant)
        }
    }

    /// Rebuilds the catalog's API key index of `tenant` from the keys its own log issued and
    /// revoked (its tenancy projection): after a restore, a rebuild, or a catalog that missed an
    /// update. Keys the log does not know are removed from the index.
    ///
    /// - Returns: How many keys the index holds for the tenant.
    /// - Throws: ``EventLogError`` for an unknown tenant or a hash stored for another tenant.
    @discardableResult
    public func reindexAPIKeys(tenant: TenantID) throws -> Int {
        let keys = try read(tenant: tenant) { try $0.apiKeys() }
        let entries = try keys.map { info -> (hash: [UInt8], record: APIKeyRecord) in
            guard let hash = [UInt8](hex: info.keyHash), hash.count == 32 else {
                throw EventLogError.invalidTenant(
                    field: "apiKey", reason: "key \(info.keyId) of tenant \(tenant) has no SHA-256 hash")
            }
            return (hash, APIKeyRecord(keyID: info.keyId, tenant: tenant, revoked: info.revokedAt != nil))
        }
        return try data.catalog.reindexAPIKeys(tenant: tenant, keys: entries)
    }

    /// Restores a backup into this data directory (``DataDirectory/restore(from:replace:at:)``)
    /// and re-indexes the restored tenant's API keys, so its keys work at once.
    ///
    /// - Returns: The backup's manifest.
    public func restore(from source: String, replace: Bool, at date: Date) throws -> BackupManifest {
        let manifest = try data.restore(from: source, replace: replace, at: date)
        try reindexAPIKeys(tenant: manifest.tenantId)
        return manifest
    }

    /// Checks a caller's actor (see ``checkActor(_:)``) and that it is a user of the tenant: an
    /// audit must be able to tell who did what, so an actor the tenant does not know is refused.
    ///
    /// - Throws: ``CommandError/invalid(field:reason:)`` for a malformed actor,
    ///   ``CommandError/refused(_:)`` naming the actor and the tenant for one that is no user.
    static func checkActor(_ actor: String, of state: any TenantState) throws {
        try checkActor(actor)
        guard try state.user(email: actor) != nil else {
            throw CommandError.refused(
                "actor '\(actor)' is not a user of tenant \(state.tenant); "
                    + "a user of the tenant adds them with tenant.addUser")
        }
    }

    /// Checks an actor as every caller's is checked: 1 to ``LogWriter/maxActorBytes`` bytes, not
    /// blank, no control characters, and not in the `system:` namespace of Bulkhead's own actors.
    ///
    /// - Throws: ``CommandError/invalid(field:reason:)`` naming the field `actor`.
    public static func checkActor(_ actor: String) throws {
        guard !actor.trimmingCharacters(in: .whitespaces).isEmpty, actor.utf8.count <= LogWriter.maxActorBytes,
              !actor.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw CommandError.invalid(field: "actor", reason: "must be 1 to \(LogWriter.maxActorBytes) bytes without control characters")
        }
        guard !SystemActor.isReserved(actor) else {
            throw CommandError.invalid(
                field: "actor", reason: "'system:' names Bulkhead's own actors; no caller may use it")
        }
    }

    /// Runs `body` with the tenant's live projections on one consistent snapshot.
    public func read<R>(tenant: TenantID, _ body: (TenantView) throws -> R) throws -> R {
        let partition = try data.partition(for: tenant)
        return try Self.withLiveTables(partition, projectors) { tx, tables in
            var stores = tables.mapValues { ProjectionStore(.readOnly(tx, $0.table)) }
            // A tenant whose log is empty has no projection tables yet: its projections are empty.
            for projector in projectors where stores[projector.name] == nil {
                stores[projector.name] = ProjectionStore(.memory(MemoryTable()))
            }
            return try body(TenantView(tenant: tenant, stores: stores))
        }
    }

    /// Runs `body` in a read transaction with the live table and meta of each projection that has one.
    ///
    /// The meta and the tables are read in the same snapshot, and a table whose handle this process
    /// has not opened yet is opened inside it: a rebuild switching generations meanwhile is either
    /// wholly before the snapshot or wholly after it.
    /// - Throws: ``ProjectionError/notBuilt(_:)`` when a meta names a table the snapshot lacks.
    static func withLiveTables<R>(
        _ partition: Partition, _ projectors: [any Projector],
        _ body: (ReadTransaction, [String: (table: Table, meta: ProjectionMeta)]) throws -> R
    ) throws -> R {
        try partition.environment.read { tx in
            guard let metaTable = try tx.openTable(named: ProjectionTables.metaName) else { return try body(tx, [:]) }
            var tables: [String: (table: Table, meta: ProjectionMeta)] = [:]
            for projector in projectors {
                guard let meta = try ProjectionTables.meta(tx, metaTable, projector.name) else { continue }
                let name = ProjectionTables.tableName(projector.name, meta.generation)
                guard let table = try tx.openTable(named: name) else { throw ProjectionError.notBuilt(projector.name) }
                tables[projector.name] = (table, meta)
            }
            return try body(tx, tables)
        }
    }
}

/// Aborts a write transaction in which no command appended anything.
struct NothingAppended: Error {
    let results: [Result<CommandOutcome, CommandError>]
}

/// The projection stores of one write transaction, over the live tables.
struct ProjectionSession {
    let projectors: [any Projector]
    let stores: [String: ProjectionStore]
    let metaTable: Table
    var metas: [String: ProjectionMeta]
    let view: TenantView

    init(log: LogWriter, projectors: [any Projector]) throws {
        self.projectors = projectors
        let tx = log.transaction
        let head = try log.reader.head().position
        metaTable = try ProjectionTables.metaTable(tx)
        var stores: [String: ProjectionStore] = [:]
        var metas: [String: ProjectionMeta] = [:]
        for projector in projectors {
            let (table, meta) = try ProjectionTables.liveTable(tx, metaTable, projector, head: head)
            stores[projector.name] = ProjectionStore(.table(tx, table))
            metas[projector.name] = meta
        }
        self.stores = stores
        self.metas = metas
        self.view = TenantView(tenant: log.partition.tenant, stores: stores)
    }

    func apply(_ event: Event, _ meta: EventMeta) throws {
        let type = event.type
        for projector in projectors where projector.handles(type) {
            guard let store = stores[projector.name] else { continue }
            try projector.apply(event, meta, store)
        }
    }

    mutating func finish(log: inout LogWriter) throws {
        let head = try log.reader.head().position
        for projector in projectors {
            guard let store = stores[projector.name], var meta = metas[projector.name] else { continue }
            try projector.finish(store)
            try store.flush()
            if meta.position != head {
                meta.position = head
                try ProjectionTables.setMeta(log.transaction, metaTable, projector.name, meta)
                metas[projector.name] = meta
            }
        }
    }
}

extension CommandOutcome {
    /// The signed receipt of this command: one signature over its whole commit (``commit``), made
    /// with `key` unless `signed` already signs that commit (the receipt another command of the
    /// same group commit got); for a command whose events are not in the commit (an idempotent
    /// retry answered with its original positions), a receipt of its own positions, read from the
    /// log. `nil` when the command appended nothing.
    ///
    /// The key should be recorded with the tenant (``Partition/register(_:at:)``) for the receipt
    /// to be checkable against an export.
    public func receipt(signedWith key: SigningKey, reusing signed: Receipt?, partition: Partition) throws
        -> Receipt? {
        guard let own = positions else { return nil }
        guard let commit, commit.positions.contains(own.lowerBound), commit.positions.contains(own.upperBound) else {
            return try partition.receipt(for: own, with: key)
        }
        if let signed, signed.tenant == tenant, signed.keyID == key.keyID,
           signed.firstPosition == commit.positions.lowerBound, signed.lastPosition == commit.positions.upperBound,
           let reused = signed.forCommand(at: own) {
            return reused
        }
        return try Receipt(tenant: tenant, positions: commit.positions, headHash: commit.headHash,
                           recordedAtMicros: commit.recordedAtMicros, key: key, command: own)
    }
}
