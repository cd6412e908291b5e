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
    /// How many sorted runs the rebuild spilled because its state outgrew the memory budget.
    public let spilledRuns: Int
    /// The most memory the projections' states were estimated to hold at once, in bytes.
    public let peakStateBytes: Int
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
    /// The memory a rebuild's projection states may hold before they spill to disk: 256 MiB.
    ///
    /// A tenant whose state fits is rebuilt in memory and written once; a larger one spills
    /// sorted runs and merges them. Besides the budget a rebuild holds one batch of decoded
    /// records (at most 16,384 events' worth) and LMDB's pages of one write transaction (at most
    /// a quarter of the budget, 64 MiB at most).
    public static let defaultRebuildMemory = 256 << 20

    /// Rebuilds `names` (all when empty) of `tenant` from its log.
    ///
    /// The log is folded into the projections' states in memory, in batches each read in a read
    /// transaction of its own, while readers keep reading the live generation and commands go on.
    /// Each new generation is then written once, in key order (`MDB_APPEND`), into the projection's
    /// table that is not live; states that outgrow `memoryBudget` are spilled as sorted runs and
    /// merged into it. The last transaction catches up what was appended meanwhile, then switches
    /// generations and clears the old one (or, for a dry run, clears the new one and reports what
    /// it would have changed). A projection has two tables that rebuilds alternate between, so no
    /// number of rebuilds exhausts a process's table handles. Only `tenant`'s environment is
    /// opened; a projector reaches nothing but its own new state. A rebuild killed at any moment
    /// leaves the live generation as it was; the next rebuild starts afresh. Two rebuilds of one
    /// projection never interleave: the later one takes the new generation over (each rebuild
    /// stores a token beside the projection's meta and checks it in every write transaction), and
    /// the earlier one stops with ``ProjectionError/rebuildSuperseded(_:)``, having changed
    /// nothing live.
    ///
    /// - Parameters:
    ///   - names: Projections to rebuild, each named once; all when empty.
    ///   - differenceLimit: How many differences to describe in the report.
    ///   - memoryBudget: Bytes the states may hold in memory before spilling
    ///     (``defaultRebuildMemory``). A tiny budget is allowed: the states then spill after
    ///     every batch of 64 events.
    ///   - progress: Called between batches of events, outside any transaction, with the position
    ///     reached and the head.
    /// - Throws: ``ProjectionError/unknownProjection(_:known:)``, ``InputError`` (field
    ///   `projections`) for a name given twice, (field `memory`) for a budget that is not positive,
    ///   ``ProjectionError/rebuildSuperseded(_:)``.
    public func rebuild(
        tenant: TenantID, projections names: [String], dryRun: Bool, differenceLimit: Int = 50,
        memoryBudget: Int = TenantEngine.defaultRebuildMemory, progress: ((UInt64, UInt64) -> Void)? = nil
    ) throws -> RebuildReport {
        guard memoryBudget > 0 else {
            throw InputError(field: "memory",
                             reason: "a rebuild's memory budget must be at least 1 byte, got \(memoryBudget)")
        }
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
        let report = try Rebuilder(partition: partition, projectors: selected, memoryBudget: memoryBudget)
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
