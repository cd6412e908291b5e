import BulkheadCore
import EventLog
import Foundation
import Storage

/// What a tenant's environment records about one projection: its live generation, the projector
/// version that built it, and the last position applied.
public struct ProjectionMeta: Codable, Equatable, Sendable {
    /// The generation readers use (table `proj.<name>.<generation>`). Rebuilds alternate between
    /// generations 1 and 2 (see ``ProjectionTables/rebuildTarget(after:)``); a data directory
    /// written before that may still have a higher number live until its next rebuild.
    public var generation: UInt32
    /// The projector version that built the live generation (0: unknown, needs a rebuild).
    public var version: Int
    /// The last log position applied.
    public var position: UInt64
    /// A generation being built by a rebuild, if one was started and not finished.
    public var building: UInt32?
}

/// The tables of a partition's projections. Only the engine names them; projectors get stores.
enum ProjectionTables {
    static let metaName = "proj.meta"

    static func tableName(_ projection: String, _ generation: UInt32) -> String { "proj.\(projection).\(generation)" }

    /// The generation a rebuild builds when `live` is live: the other of two tables, 1 and 2.
    ///
    /// A process keeps the handle of every table it opened until it exits, and closing one that
    /// another thread may be reading fails that read. So generations are not new tables each
    /// time, dropped when replaced: a projection has two tables, and a rebuild clears the one not
    /// live, fills it, switches, and clears (never drops) the one it replaced. Readers of the old
    /// snapshot still see its pages; every process needs at most two handles per projection
    /// however many rebuilds other processes run.
    static func rebuildTarget(after live: UInt32) -> UInt32 { live == 1 ? 2 : 1 }

    static func metaTable(_ tx: WriteTransaction) throws -> Table {
        guard let table = try tx.openTable(named: metaName, create: true) else {
            throw ProjectionError.notBuilt(metaName)
        }
        return table
    }

    static func meta(_ tx: some ReadableTransaction, _ table: Table, _ projection: String) throws -> ProjectionMeta? {
        try tx.withValue(table, key: projection) { raw in
            try raw.map { try ProjectionMeta.decode(from: $0) }
        }
    }

    /// The key, beside a projection's meta, of the token of the rebuild that owns its `building`
    /// generation (`#` is in no projection's name).
    static func rebuildTokenKey(_ projection: String) -> String { projection + "#rebuild" }

    static func setMeta(_ tx: WriteTransaction, _ table: Table, _ projection: String, _ meta: ProjectionMeta) throws {
        try tx.put(table, key: projection, value: meta.encodedBytes())
    }

    /// The live table of `projector`, creating generation 1 when the projection is new. A
    /// projection created after events were logged gets version 0: stale until rebuilt.
    static func liveTable(_ tx: WriteTransaction, _ metaTable: Table, _ projector: any Projector, head: UInt64) throws -> (Table, ProjectionMeta) {
        var meta = try meta(tx, metaTable, projector.name)
        if meta == nil {
            meta = ProjectionMeta(generation: 1, version: head == 0 ? projector.version : 0, position: head, building: nil)
            try setMeta(tx, metaTable, projector.name, meta ?? ProjectionMeta(generation: 1, version: 0, position: head, building: nil))
        }
        let current = meta ?? ProjectionMeta(generation: 1, version: 0, position: head, building: nil)
        guard let table = try tx.openTable(named: tableName(projector.name, current.generation), create: true) else {
            throw ProjectionError.notBuilt(projector.name)
        }
        return (table, current)
    }
}
