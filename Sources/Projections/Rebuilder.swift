import BulkheadCore
import Domain
import EventLog
import Foundation
import Storage

/// Builds new generations of a tenant's projections from its log.
///
/// The log is folded into each projection's state in memory (``FoldState``), in batches of
/// events each read in a read transaction of its own, so that commands go on meanwhile. The new
/// generation is then written once, in key order with `MDB_APPEND`, into the cleared table that
/// is not live, in write transactions of bounded size. When the states outgrow the memory budget
/// they are spilled as sorted runs and merged at the end; a spilled rebuild finishes deferred work
/// (a season's reports) on the written table, in transactions of bounded work, as an inline
/// transaction would. The last transaction catches up what was appended meanwhile and switches.
struct Rebuilder {
    let partition: Partition
    let projectors: [any Projector]
    /// The bytes the projections' states may hold in memory before they spill.
    let memoryBudget: Int

    /// Events folded per batch (one read transaction each): memory is checked and progress
    /// reported between batches, when the records the batch changed are sized (``FoldState/settle()``).
    var batchEvents: Int { min(16_384, max(64, memoryBudget / 4_096)) }
    /// Bytes of entries written per write transaction: LMDB holds a transaction's dirty pages in
    /// memory until it commits, and appends in a later transaction touch only the tree's right edge.
    var transactionBytes: Int { min(64 << 20, max(256 << 10, memoryBudget / 4)) }
    /// Units of deferred work (matches, for the matches projector) finished per step.
    static let finishStep = 5_000

    func run(dryRun: Bool, differenceLimit: Int, progress: ((UInt64, UInt64) -> Void)?) throws -> RebuildReport {
        let token = withUnsafeBytes(of: UUID().uuid) { Array($0) }
        // 1. Claim a fresh generation for each projection (clearing what a killed rebuild left).
        // Projections that had no meta yet (a projector new in this build): a dry run leaves them so.
        var unbuilt: Set<String> = []
        // The live generations' sizes: what each state will hold, reserved up front.
        var liveEntries: [String: Int] = [:]
        let targets: [String: UInt32] = try partition.write { log in
            let tx = log.transaction
            let metaTable = try ProjectionTables.metaTable(tx)
            let head = try log.reader.head().position
            var targets: [String: UInt32] = [:]
            unbuilt = []
            for projector in projectors {
                if try ProjectionTables.meta(tx, metaTable, projector.name) == nil { unbuilt.insert(projector.name) }
                let (live, meta) = try ProjectionTables.liveTable(tx, metaTable, projector, head: head)
                liveEntries[projector.name] = try tx.statistics(live).entries
                let target = ProjectionTables.rebuildTarget(after: meta.generation)
                // A killed rebuild left its generation behind: it is the target (cleared below), or
                // a table of an older build's numbering, emptied here (tables are never dropped).
                if let abandoned = meta.building, abandoned != meta.generation, abandoned != target,
                   let table = try tx.openTable(
                       named: ProjectionTables.tableName(projector.name, abandoned), create: false) {
                    try tx.clear(table)
                }
                // A killed spilling rebuild left its runs behind.
                if let spill = try tx.openTable(named: FoldState.spillTableName(projector.name), create: false) {
                    try tx.clear(spill)
                }
                let name = ProjectionTables.tableName(projector.name, target)
                guard let table = try tx.openTable(named: name, create: true) else { continue }
                try tx.clear(table)
                var updated = meta
                updated.building = target
                try ProjectionTables.setMeta(tx, metaTable, projector.name, updated)
                try tx.put(metaTable, key: ProjectionTables.rebuildTokenKey(projector.name), value: token)
                targets[projector.name] = target
            }
            return targets
        }
        // 2. Fold the log into memory, batch by batch, spilling when over the budget.
        // Reserved only when the live generations fit well within the budget: a reservation's
        // slots are memory held from the start.
        let reserve = liveEntries.values.reduce(0, +) * FoldState.entryOverhead <= memoryBudget / 2
        let states = Dictionary(uniqueKeysWithValues: projectors.map { projector in
            (projector.name, FoldState(name: projector.name, capacity: reserve ? liveEntries[projector.name] ?? 0 : 0))
        })
        let stores = states.mapValues { ProjectionStore(.fold($0)) }
        var position: UInt64 = 0
        var events: UInt64 = 0
        var peak = 0
        var spills = 0
        var spilled: Set<String> = []
        func held() -> Int { states.values.reduce(0) { $0 + $1.bytes } }
        // The largest states spill first, until half the budget is free: small ones (tenancy, say)
        // stay in memory, and each spill makes room for many batches.
        func spill() throws {
            for state in states.values.sorted(by: { $0.entryBytes > $1.entryBytes }) where !state.entries.isEmpty {
                try spillRun(state, targets, token)
                spilled.insert(state.name)
                spills += 1
                if held() <= memoryBudget / 2 { break }
            }
        }
        while true {
            let (n, last, head) = try partition.environment.read { tx -> (UInt64, UInt64, UInt64) in
                for state in states.values { state.reader = tx }
                defer { for state in states.values { state.reader = nil } }
                let reader = partition.reader(in: tx)
                let (n, last) = try Self.feed(reader, from: position + 1, limit: batchEvents, until: nil,
                                              projectors: projectors, stores: stores)
                return (n, last, try reader.head().position)
            }
            events += n
            position = max(position, last)
            for state in states.values { state.settle() }
            peak = max(peak, held())
            if held() > memoryBudget { try spill() }
            progress?(position, head)
            if n < UInt64(batchEvents) { break }
        }
        // 3. Finish deferred work in memory, in steps, unless the states spilled (then it is done
        //    on the written table, step 5) or spill meanwhile.
        var finished = spilled.isEmpty
        var finishing = finished
        while finishing {
            var done = true
            for projector in projectors {
                guard let store = stores[projector.name] else { continue }
                if try !projector.finish(store, budget: Self.finishStep) { done = false }
                try store.flush()
            }
            for state in states.values { state.settle() }
            peak = max(peak, held())
            if done { break }
            if held() > memoryBudget {
                try spill()
                finished = false
                finishing = false
            }
        }
        // 4. Write each new generation once, in key order: memory alone, or merged with its runs.
        for projector in projectors {
            guard let state = states[projector.name], let target = targets[projector.name] else { continue }
            let name = ProjectionTables.tableName(projector.name, target)
            if state.runs.isEmpty {
                let keys = state.sortedKeys()
                var next = 0
                while next < keys.count {
                    next = try partition.write { log in
                        let tx = log.transaction
                        try checkOwnership(tx, targets, token)
                        guard let table = try tx.openTable(named: name, create: false) else {
                            throw ProjectionError.notBuilt(projector.name)
                        }
                        return try state.append(keys, from: next, tx, table, maxBytes: transactionBytes)
                    }
                }
            } else {
                var merge = RunMerge(state)
                while !merge.done {
                    merge = try partition.write { log in
                        let tx = log.transaction
                        try checkOwnership(tx, targets, token)
                        guard let table = try tx.openTable(named: name, create: false),
                              let spillTable = try tx.openTable(
                                named: FoldState.spillTableName(projector.name), create: false)
                        else { throw ProjectionError.notBuilt(projector.name) }
                        var step = merge
                        try step.write(tx, from: spillTable, to: table, maxBytes: transactionBytes)
                        return step
                    }
                }
            }
            state.removeAll()
        }
        // 5. A spilled rebuild finishes deferred work on the written table, in transactions of
        //    bounded work.
        while !finished {
            finished = try partition.write { log in
                try checkOwnership(log.transaction, targets, token)
                let stores = try newStores(log.transaction, targets)
                var done = true
                for projector in projectors {
                    guard let store = stores[projector.name] else { continue }
                    if try !projector.finish(store, budget: Self.finishStep) { done = false }
                    try store.flush()
                }
                return done
            }
        }
        // 6. Catch up whatever was appended meanwhile, then switch (or diff and discard).
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
                      let newTable = try tx.openTable(
                        named: ProjectionTables.tableName(projector.name, target), create: false),
                      var meta = try ProjectionTables.meta(tx, metaTable, projector.name) else { continue }
                let oldTable = try tx.openTable(
                    named: ProjectionTables.tableName(projector.name, meta.generation), create: false)
                try diff.compare(projector, tx, oldTable, newTable)
                if spilled.contains(projector.name),
                   let spill = try tx.openTable(named: FoldState.spillTableName(projector.name), create: false) {
                    try tx.clear(spill)
                }
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
                                 switched: !dryRun, differences: diff.items, differenceCount: diff.count,
                                 spilledRuns: spills, peakStateBytes: peak)
        }
    }

    /// Writes `state`'s entries as a new run, in write transactions of bounded size, and empties
    /// its memory.
    private func spillRun(_ state: FoldState, _ targets: [String: UInt32], _ token: [UInt8]) throws {
        let plan = state.beginRun()
        var next = 0
        while next < plan.keys.count {
            next = try partition.write { log in
                let tx = log.transaction
                try checkOwnership(tx, targets, token)
                state.spillTable = try tx.openTable(named: FoldState.spillTableName(state.name), create: true)
                return try state.writeRun(plan, from: next, tx, maxBytes: transactionBytes)
            }
        }
        state.endRun(plan)
    }

    /// Throws ``ProjectionError/rebuildSuperseded(_:)`` unless every projection's `building`
    /// generation is still this rebuild's target, under this rebuild's token.
    private func checkOwnership(_ tx: WriteTransaction, _ targets: [String: UInt32], _ token: [UInt8]) throws {
        let metaTable = try ProjectionTables.metaTable(tx)
        for projector in projectors {
            let meta = try ProjectionTables.meta(tx, metaTable, projector.name)
            let owner = try tx.get(metaTable, key: ProjectionTables.rebuildTokenKey(projector.name))
            guard let target = targets[projector.name], let meta, meta.building == target,
                  meta.generation != target, owner == token else {
                throw ProjectionError.rebuildSuperseded(projector.name)
            }
        }
    }

    private func newStores(_ tx: WriteTransaction, _ targets: [String: UInt32]) throws -> [String: ProjectionStore] {
        var stores: [String: ProjectionStore] = [:]
        for projector in projectors {
            guard let target = targets[projector.name],
                  let table = try tx.openTable(
                    named: ProjectionTables.tableName(projector.name, target), create: false) else {
                throw ProjectionError.notBuilt(projector.name)
            }
            stores[projector.name] = ProjectionStore(.table(tx, table), capacity: 1 << 12)
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
    private func apply(
        _ reader: LogReader, from: UInt64, limit: Int, _ stores: [String: ProjectionStore], finish: Bool
    ) throws -> (UInt64, UInt64) {
        let (n, last) = try Self.feed(reader, from: from, limit: limit, until: nil, projectors: projectors,
                                      stores: stores)
        for projector in projectors {
            guard let store = stores[projector.name] else { continue }
            if finish { try projector.finish(store) }
            try store.flush()
        }
        return (n, last)
    }

    /// Decodes each event once (only if some projector handles its type) and applies it.
    static func feed(
        _ reader: LogReader, from: UInt64, limit: Int, until: Date?, projectors: [any Projector],
        stores: [String: ProjectionStore]
    ) throws -> (UInt64, UInt64) {
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
            let meta = EventMeta(position: view.position, recordedAt: view.recordedAt,
                                 actor: actors.name(view.actorBytes))
            for (projector, store) in targets {
                try projector.apply(event, meta, store)
            }
            return true
        }
        return (count, last)
    }

    /// Every projection of a partition computed in memory from its log, up to a position or time.
    static func memoryProjection(
        partition: Partition, projectors: [any Projector], upTo position: UInt64?, until: Date?
    ) throws -> [String: MemoryTable] {
        try partition.read { reader in
            try memoryProjection(reader, projectors: projectors, upTo: position, until: until)
        }
    }

    /// The same, on `reader`'s snapshot.
    static func memoryProjection(
        _ reader: LogReader, projectors: [any Projector], upTo position: UInt64?, until: Date?
    ) throws -> [String: MemoryTable] {
        // Folded as a rebuild folds (records decoded once, changed in place), never spilled, then
        // each record encoded once into its table.
        var states: [String: FoldState] = [:]
        for projector in projectors { states[projector.name] = FoldState(name: projector.name) }
        let stores = states.mapValues { ProjectionStore(.fold($0)) }
        let limit = position.map { Int(clamping: $0) } ?? .max
        _ = try feed(reader, from: 1, limit: limit, until: until, projectors: projectors, stores: stores)
        var tables: [String: MemoryTable] = [:]
        var writer = ByteWriter(capacity: 4096)
        for projector in projectors {
            guard let store = stores[projector.name], let state = states[projector.name] else { continue }
            try projector.finish(store)
            let table = MemoryTable()
            table.entries.reserveCapacity(state.entries.count)
            for (key, entry) in state.entries {
                writer.reset()
                if FoldState.encode(entry, into: &writer) { table.entries[key] = writer.exactCopy() }
            }
            tables[projector.name] = table
        }
        return tables
    }
}

