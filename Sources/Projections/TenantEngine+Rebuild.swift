import BulkheadCore
import Domain
import EventLog
import Foundation
import Storage

/// One difference between a projection's live generation and a newly built one.
public struct ProjectionDifference: Codable, Equatable, Sendable {
    /// The projection.
    public let projection: String
    /// The key, as hexadecimal.
    public let key: String
    /// `added`, `removed` or `changed`.
    public let change: String
    /// The live value, readable, if any.
    public let before: String?
    /// The new value, readable, if any.
    public let after: String?
}

/// What a rebuild, dry run or check found and did.
public struct RebuildReport: Sendable {
    /// The tenant.
    public let tenant: TenantID
    /// The projections rebuilt.
    public let projections: [String]
    /// Events read from the log.
    public let events: UInt64
    /// Whether the new generation replaced the live one (false for a dry run).
    public let switched: Bool
    /// Differences between the old live generation and the new one (the first `limit`).
    public let differences: [ProjectionDifference]
    /// How many differences there were in all.
    public let differenceCount: Int
}

/// A projection's state for a tenant.
public struct ProjectionStatus: Codable, Equatable, Sendable {
    /// The projection.
    public let name: String
    /// The live generation.
    public let generation: UInt32?
    /// The version that built it.
    public let builtVersion: Int?
    /// The projector's current version.
    public let currentVersion: Int
    /// The last position applied.
    public let position: UInt64?
    /// The tenant's head position.
    public let head: UInt64
    /// `ok`, `stale` (built by another projector version), `behind` or `missing`.
    public var state: String {
        guard let builtVersion, let position else { return head == 0 ? "ok" : "missing" }
        if builtVersion != currentVersion { return "stale" }
        // The head is read just before the meta: an append in between leaves the meta ahead.
        return position >= head ? "ok" : "behind"
    }
}

extension TenantEngine {
    /// How many events a rebuild applies per write transaction.
    public static let rebuildChunk = 50_000

    /// Rebuilds `names` (all when empty) of `tenant` from its log.
    ///
    /// The new generation is built in chunks of ``rebuildChunk`` events while readers keep reading
    /// the live one; events appended meanwhile are caught up in the last transaction, which then
    /// switches generations and clears the old one (or, for a dry run, clears the new one and
    /// reports what it would have changed). A projection has two tables that rebuilds alternate
    /// between, so no number of rebuilds exhausts a process's table handles. Only `tenant`'s environment is opened; a projector
    /// reaches nothing but its own new table. A rebuild killed half-way leaves the live generation
    /// as it was; the next rebuild starts afresh. Two rebuilds of one projection never interleave:
    /// the later one takes the new generation over (each rebuild stores a token beside the
    /// projection's meta and checks it in every transaction), and the earlier one stops with
    /// ``ProjectionError/rebuildSuperseded(_:)``, having changed nothing live.
    ///
    /// - Parameters:
    ///   - names: Projections to rebuild, each named once; all when empty.
    ///   - differenceLimit: How many differences to describe in the report.
    ///   - progress: Called after each chunk with the position reached and the head.
    /// - Throws: ``ProjectionError/unknownProjection(_:known:)``, ``InputError`` (field
    ///   `projections`) for a name given twice, ``ProjectionError/rebuildSuperseded(_:)``.
    public func rebuild(
        tenant: TenantID, projections names: [String], dryRun: Bool, differenceLimit: Int = 50,
        chunkSize: Int = TenantEngine.rebuildChunk, progress: ((UInt64, UInt64) -> Void)? = nil
    ) throws -> RebuildReport {
        var seen: Set<String> = []
        let selected = try names.isEmpty ? projectors : names.map { name in
            guard let p = projectors.first(where: { $0.name == name }) else {
                throw ProjectionError.unknownProjection(name, known: projectors.map(\.name))
            }
            guard seen.insert(name).inserted else {
                throw InputError(field: "projections", reason: "names the projection '\(name)' more than once")
            }
            return p
        }
        let partition = try data.partition(for: tenant)
        let report = try Rebuilder(partition: partition, projectors: selected, chunkSize: max(1, chunkSize))
            .run(dryRun: dryRun, differenceLimit: differenceLimit, progress: progress)
        // The catalog's key index is derived from the tenancy projection: rebuilt with it.
        if !dryRun, selected.contains(where: { $0 is TenancyProjector }) { try reindexAPIKeys(tenant: tenant) }
        return report
    }

    /// The state of each projection of `tenant`: stale when built by another projector version.
    public func status(tenant: TenantID) throws -> [ProjectionStatus] {
        let partition = try data.partition(for: tenant)
        let head = try partition.head().position
        return try Self.withLiveTables(partition, projectors) { _, tables in
            projectors.map { projector in
                let meta = tables[projector.name]?.meta
                return ProjectionStatus(name: projector.name, generation: meta?.generation, builtVersion: meta?.version,
                                        currentVersion: projector.version, position: meta?.position, head: head)
            }
        }
    }

    /// The tenant's projections as of `position` (inclusive) or `time`, computed in memory from the
    /// log without touching the stored projections. `body` reads them.
    ///
    /// - Throws: ``InputError`` (field `asOf`) for a position past the tenant's last event: a
    ///   mistyped position, or one of another tenant, is named rather than answered with the
    ///   current state.
    public func asOf<R>(tenant: TenantID, position: UInt64? = nil, time: Date? = nil, _ body: (TenantView) throws -> R) throws -> R {
        let partition = try data.partition(for: tenant)
        if let position {
            let head = try partition.head().position
            guard position <= head else {
                throw InputError(field: "asOf", reason: "position \(position) is past the tenant's last event, \(head)")
            }
        }
        let stores = try Rebuilder.memoryProjection(partition: partition, projectors: projectors, upTo: position, until: time)
        return try body(TenantView(tenant: tenant, stores: stores.mapValues { ProjectionStore(.memory($0)) }))
    }

    /// Recomputes the tenant's projections in memory and compares them with the stored ones.
    ///
    /// One projection at a time, compared with a cursor over the stored table: memory holds one
    /// recomputed projection, not all of them and not copies of the stored ones. Each pass reads
    /// the log, decoding only the events its projector handles, up to the position the stored
    /// projection says it applied, in the same read transaction as the comparison: commands
    /// committed meanwhile are not mistaken for drift.
    /// - Returns: The differences (empty when the stored projections have not drifted).
    public func check(tenant: TenantID, differenceLimit: Int = 50) throws -> (differences: [ProjectionDifference], count: Int) {
        let partition = try data.partition(for: tenant)
        var diff = DifferenceCollector(limit: differenceLimit)
        for projector in projectors {
            try Self.withLiveTables(partition, [projector]) { tx, tables in
                let reader = partition.reader(in: tx)
                let live = tables[projector.name]
                let upTo = try live?.meta.position ?? reader.head().position
                let fresh = try Rebuilder.memoryProjection(reader, projectors: [projector], upTo: upTo, until: nil)
                let recomputed = fresh[projector.name]?.entries ?? [:]
                try diff.compare(projector, tx, live?.table, recomputed.keys.sorted(), recomputed)
            }
        }
        return (diff.items, diff.count)
    }
}

/// Collects differences between two generations of a projection, or a stored one and one held in memory.
struct DifferenceCollector {
    let limit: Int
    var items: [ProjectionDifference] = []
    var count = 0

    mutating func add(_ projector: any Projector, _ key: Key, _ change: String, _ before: [UInt8]?, _ after: [UInt8]?) {
        count += 1
        guard items.count < limit else { return }
        items.append(ProjectionDifference(
            projection: projector.name, key: key.bytes.hexString, change: change,
            before: before.map { projector.describe(key: key, value: $0) },
            after: after.map { projector.describe(key: key, value: $0) }))
    }

    /// Compares two tables of one transaction with two cursors, holding one entry of each at a time.
    mutating func compare(_ projector: any Projector, _ tx: WriteTransaction, _ old: Table?, _ new: Table) throws {
        try tx.withCursor(new) { newCursor in
            var hasNew = try newCursor.first()
            guard let old else {
                while hasNew {
                    add(projector, Key(copying: newCursor.key), "added", nil, Array(newCursor.value))
                    hasNew = try newCursor.next()
                }
                return
            }
            try tx.withCursor(old) { oldCursor in
                var hasOld = try oldCursor.first()
                while hasOld || hasNew {
                    let order: Int
                    if !hasNew { order = -1 } else if !hasOld { order = 1 } else {
                        order = oldCursor.key.compareBytes(newCursor.key)
                    }
                    if order < 0 {
                        add(projector, Key(copying: oldCursor.key), "removed", Array(oldCursor.value), nil)
                        hasOld = try oldCursor.next()
                    } else if order > 0 {
                        add(projector, Key(copying: newCursor.key), "added", nil, Array(newCursor.value))
                        hasNew = try newCursor.next()
                    } else {
                        if !oldCursor.value.sameBytes(newCursor.value) {
                            add(projector, Key(copying: oldCursor.key), "changed", Array(oldCursor.value), Array(newCursor.value))
                        }
                        hasOld = try oldCursor.next()
                        hasNew = try newCursor.next()
                    }
                }
            }
        }
    }

    /// Compares a stored table (walked with a cursor) with entries held in memory, whose keys
    /// are given in order.
    mutating func compare(_ projector: any Projector, _ tx: some ReadableTransaction, _ stored: Table?, _ keys: [Key], _ values: [Key: [UInt8]]) throws {
        var j = 0
        func value(_ key: Key) -> [UInt8] { values[key] ?? [] }
        guard let stored else {
            for key in keys { add(projector, key, "added", nil, value(key)) }
            return
        }
        try tx.withCursor(stored) { cursor in
            var hasOld = try cursor.first()
            while hasOld || j < keys.count {
                if hasOld {
                    let oldKey = Key(copying: cursor.key)
                    if j == keys.count || oldKey < keys[j] {
                        add(projector, oldKey, "removed", Array(cursor.value), nil)
                        hasOld = try cursor.next()
                        continue
                    }
                    if oldKey == keys[j] {
                        let new = value(keys[j])
                        if !cursor.value.sameBytes(new) { add(projector, oldKey, "changed", Array(cursor.value), new) }
                        hasOld = try cursor.next()
                        j += 1
                        continue
                    }
                }
                add(projector, keys[j], "added", nil, value(keys[j]))
                j += 1
            }
        }
    }
}

/// Builds new generations of a tenant's projections from its log.
struct Rebuilder {
    let partition: Partition
    let projectors: [any Projector]
    let chunkSize: Int

    func run(dryRun: Bool, differenceLimit: Int, progress: ((UInt64, UInt64) -> Void)?) throws -> RebuildReport {
        let token = withUnsafeBytes(of: UUID().uuid) { Array($0) }
        // 1. Claim a fresh generation for each projection (clearing what a killed rebuild left).
        // Projections that had no meta yet (a projector new in this build): a dry run leaves them so.
        var unbuilt: Set<String> = []
        let targets: [String: UInt32] = try partition.write { log in
            let tx = log.transaction
            let metaTable = try ProjectionTables.metaTable(tx)
            let head = try log.reader.head().position
            var targets: [String: UInt32] = [:]
            unbuilt = []
            for projector in projectors {
                if try ProjectionTables.meta(tx, metaTable, projector.name) == nil { unbuilt.insert(projector.name) }
                let (_, meta) = try ProjectionTables.liveTable(tx, metaTable, projector, head: head)
                let target = ProjectionTables.rebuildTarget(after: meta.generation)
                // A killed rebuild left its generation behind: it is the target (cleared below), or
                // a table of an older build's numbering, emptied here (tables are never dropped).
                if let abandoned = meta.building, abandoned != meta.generation, abandoned != target,
                   let table = try tx.openTable(named: ProjectionTables.tableName(projector.name, abandoned), create: false) {
                    try tx.clear(table)
                }
                guard let table = try tx.openTable(named: ProjectionTables.tableName(projector.name, target), create: true) else { continue }
                try tx.clear(table)
                var updated = meta
                updated.building = target
                try ProjectionTables.setMeta(tx, metaTable, projector.name, updated)
                try tx.put(metaTable, key: ProjectionTables.rebuildTokenKey(projector.name), value: token)
                targets[projector.name] = target
            }
            return targets
        }
        // 2. Apply the log in chunks, each in its own write transaction.
        var position: UInt64 = 0
        var events: UInt64 = 0
        while true {
            let (applied, last, head, done) = try partition.write { log -> (UInt64, UInt64, UInt64, Bool) in
                try checkOwnership(log.transaction, targets, token)
                let stores = try newStores(log.transaction, targets)
                let (n, last) = try apply(log.reader, from: position + 1, limit: chunkSize, stores, finish: false)
                let head = try log.reader.head().position
                return (n, last, head, n < UInt64(chunkSize))
            }
            events += applied
            position = max(position, last)
            progress?(position, head)
            if done { break }
        }
        // 3. Finish the deferred work (a season's reports, say) in transactions of bounded work:
        //    a tenth of a chunk's events in units of the projector's choosing (matches counted).
        var finished = false
        while !finished {
            finished = try partition.write { log in
                try checkOwnership(log.transaction, targets, token)
                let stores = try newStores(log.transaction, targets)
                var done = true
                for projector in projectors {
                    guard let store = stores[projector.name] else { continue }
                    if try !projector.finish(store, budget: max(1, chunkSize / 10)) { done = false }
                    try store.flush()
                }
                return done
            }
        }
        // 4. Catch up whatever was appended meanwhile, then switch (or diff and discard).
        return try partition.write { log in
            let tx = log.transaction
            try checkOwnership(tx, targets, token)
            let metaTable = try ProjectionTables.metaTable(tx)
            let stores = try newStores(tx, targets)
            let (n, _) = try apply(log.reader, from: position + 1, limit: .max, stores, finish: true)
            events += n
            let head = try log.reader.head().position
            var diff = DifferenceCollector(limit: differenceLimit)
            for projector in projectors {
                guard let target = targets[projector.name],
                      let newTable = try tx.openTable(named: ProjectionTables.tableName(projector.name, target), create: false),
                      var meta = try ProjectionTables.meta(tx, metaTable, projector.name) else { continue }
                let oldTable = try tx.openTable(named: ProjectionTables.tableName(projector.name, meta.generation), create: false)
                try diff.compare(projector, tx, oldTable, newTable)
                meta.building = nil
                _ = try tx.delete(metaTable, key: ProjectionTables.rebuildTokenKey(projector.name))
                // Replaced tables are cleared, not dropped: readers of this process may hold their
                // handles (see ProjectionTables.rebuildTarget(after:)).
                if dryRun {
                    try tx.clear(newTable)
                    if unbuilt.contains(projector.name) {
                        // As it was: no meta (the claim's empty live table stays, empty).
                        if let oldTable { try tx.clear(oldTable) }
                        _ = try tx.delete(metaTable, key: projector.name)
                        continue
                    }
                } else {
                    if let oldTable { try tx.clear(oldTable) }
                    meta.generation = target
                    meta.version = projector.version
                    meta.position = head
                }
                try ProjectionTables.setMeta(tx, metaTable, projector.name, meta)
            }
            return RebuildReport(tenant: partition.tenant, projections: projectors.map(\.name), events: events,
                                 switched: !dryRun, differences: diff.items, differenceCount: diff.count)
        }
    }

    /// Throws ``ProjectionError/rebuildSuperseded(_:)`` unless every projection's `building`
    /// generation is still this rebuild's target, under this rebuild's token.
    private func checkOwnership(_ tx: WriteTransaction, _ targets: [String: UInt32], _ token: [UInt8]) throws {
        let metaTable = try ProjectionTables.metaTable(tx)
        for projector in projectors {
            let meta = try ProjectionTables.meta(tx, metaTable, projector.name)
            let owner = try tx.get(metaTable, key: ProjectionTables.rebuildTokenKey(projector.name))
            guard let target = targets[projector.name], let meta, meta.building == target, meta.generation != target, owner == token else {
                throw ProjectionError.rebuildSuperseded(projector.name)
            }
        }
    }

    private func newStores(_ tx: WriteTransaction, _ targets: [String: UInt32]) throws -> [String: ProjectionStore] {
        var stores: [String: ProjectionStore] = [:]
        for projector in projectors {
            guard let target = targets[projector.name],
                  let table = try tx.openTable(named: ProjectionTables.tableName(projector.name, target), create: false) else {
                throw ProjectionError.notBuilt(projector.name)
            }
            stores[projector.name] = ProjectionStore(.table(tx, table), capacity: min(chunkSize, 1 << 16))
        }
        return stores
    }

    /// Applies events from `from` on (at most `limit`) to `stores`, then finishes (when `finish`)
    /// and flushes them.
    ///
    /// Chunks do not finish: deferred work such as recomputing a season's reports depends only on
    /// what the chunks stored (their markers persist), so doing it once after the last chunk gives
    /// the same generation as doing it after every chunk, without recomputing every season once
    /// per chunk. The last transaction finishes what the events it caught up left.
    /// - Returns: How many events were read and the last position.
    private func apply(_ reader: LogReader, from: UInt64, limit: Int, _ stores: [String: ProjectionStore], finish: Bool) throws -> (UInt64, UInt64) {
        let (n, last) = try Self.feed(reader, from: from, limit: limit, until: nil, projectors: projectors, stores: stores)
        for projector in projectors {
            guard let store = stores[projector.name] else { continue }
            if finish { try projector.finish(store) }
            try store.flush()
        }
        return (n, last)
    }

    /// Decodes each event once (only if some projector handles its type) and applies it.
    static func feed(_ reader: LogReader, from: UInt64, limit: Int, until: Date?, projectors: [any Projector], stores: [String: ProjectionStore]) throws -> (UInt64, UInt64) {
        var count: UInt64 = 0
        var last: UInt64 = 0
        let untilMicros = until?.microsecondsSince1970
        let routes = Routes(projectors: projectors, stores: stores)
        var actors = ActorNames()
        try reader.scan(from: from, limit: limit) { view in
            if let untilMicros, view.recordedAtMicros > untilMicros { return false }
            count += 1
            last = view.position
            let event: Event
            let targets: [(any Projector, ProjectionStore)]
            if let type = EventCatalog.eventType(named: view.typeBytes) {
                targets = routes.byType[type.index]
                guard !targets.isEmpty else { return true }
                event = try EventCatalog.decode(type, schemaVersion: view.schemaVersion, payload: view.payload)
            } else {
                // A type this build does not know: the projectors still decide whether they care
                // (and decoding then says what is wrong).
                let type = view.type
                targets = routes.all.filter { $0.0.handles(type) }
                guard !targets.isEmpty else { return true }
                event = try EventCatalog.decode(type: type, schemaVersion: view.schemaVersion, payload: view.payload)
            }
            let meta = EventMeta(position: view.position, recordedAt: view.recordedAt, actor: actors.name(view.actorBytes))
            for (projector, store) in targets {
                try projector.apply(event, meta, store)
            }
            return true
        }
        return (count, last)
    }

    /// Every projection of a partition computed in memory from its log, up to a position or time.
    static func memoryProjection(partition: Partition, projectors: [any Projector], upTo position: UInt64?, until: Date?) throws -> [String: MemoryTable] {
        try partition.read { reader in try memoryProjection(reader, projectors: projectors, upTo: position, until: until) }
    }

    /// The same, on `reader`'s snapshot.
    static func memoryProjection(_ reader: LogReader, projectors: [any Projector], upTo position: UInt64?, until: Date?) throws -> [String: MemoryTable] {
        var tables: [String: MemoryTable] = [:]
        for projector in projectors { tables[projector.name] = MemoryTable() }
        let stores = tables.mapValues { ProjectionStore(.memory($0)) }
        let limit = position.map { Int(clamping: $0) } ?? .max
        _ = try feed(reader, from: 1, limit: limit, until: until, projectors: projectors, stores: stores)
        for projector in projectors {
            guard let store = stores[projector.name] else { continue }
            try projector.finish(store)
            try store.flush()
        }
        return tables
    }
}

/// Which projectors (with their stores) handle each event type of the catalogue, asked once per
/// rebuild rather than once per event.
struct Routes {
    /// The projectors that have a store, in order.
    let all: [(any Projector, ProjectionStore)]
    /// Per ``EventType/index``, the projectors handling that type, in order.
    let byType: [[(any Projector, ProjectionStore)]]

    init(projectors: [any Projector], stores: [String: ProjectionStore]) {
        let all = projectors.compactMap { p in stores[p.name].map { (p, $0) } }
        self.all = all
        byType = EventCatalog.payloadTypes.map { type in all.filter { $0.0.handles(type.type) } }
    }
}

/// The actor of each event as a `String`, made once per run of events by the same actor: most
/// consecutive events share one, and an e-mail address is too long for Swift's inline strings.
struct ActorNames {
    private var lastBytes: [UInt8] = []
    private var last = ""

    mutating func name(_ bytes: UnsafeRawBufferPointer) -> String {
        if lastBytes.count != bytes.count || !bytes.sameBytes(lastBytes) {
            lastBytes = Array(bytes)
            last = String(decoding: bytes, as: UTF8.self)
        }
        return last
    }
}
