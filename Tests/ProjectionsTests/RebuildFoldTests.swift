import BulkheadCore
import Foundation
@testable import Projections
import Storage
import Testing

/// A rebuild folds the log in memory and writes each generation once, in key order; over its
/// memory budget it spills sorted runs and merges them. Either way the generation it writes has
/// the same bytes as the live one the inline projections built.
@Suite struct RebuildFoldTests {
    /// Budgets: the default (no spill), one that spills a few times, and 1 byte (a run per batch).
    static let budgets = [TenantEngine.defaultRebuildMemory, 24 << 10, 1]

    @Test(arguments: Projectors.all.map(\.name), budgets)
    func aRebuiltGenerationHasTheLiveGenerationsBytes(projection: String, budget: Int) throws {
        let world = try World(tenants: 1, commands: 400, seed: 21)
        let tenant = world.tenants[0]
        // A dry run compares the new generation with the live one, entry by entry, byte for byte.
        let dry = try world.engine.rebuild(tenant: tenant, projections: [projection], dryRun: true,
                                           memoryBudget: budget)
        #expect(dry.differenceCount == 0, "\(projection), budget \(budget): \(dry.differences.prefix(3))")
        if budget == 1 { #expect(dry.spilledRuns > 1, "\(projection) did not spill") }
        if budget == TenantEngine.defaultRebuildMemory { #expect(dry.spilledRuns == 0) }
        let rebuilt = try world.engine.rebuild(tenant: tenant, projections: [projection], dryRun: false,
                                               memoryBudget: budget)
        #expect(rebuilt.switched)
        #expect(rebuilt.differenceCount == 0, "\(projection), budget \(budget): \(rebuilt.differences.prefix(3))")
        #expect(try world.engine.check(tenant: tenant).count == 0)
        #expect(try world.engine.status(tenant: tenant).allSatisfy { $0.state == "ok" })
    }

    @Test func allFiveTogetherSpillingOrNotGiveTheLiveBytes() throws {
        let world = try World(tenants: 2, commands: 500, seed: 5)
        for tenant in world.tenants {
            for budget in [TenantEngine.defaultRebuildMemory, 64 << 10, 8 << 10, 1] {
                let dry = try world.engine.rebuild(tenant: tenant, projections: [], dryRun: true, memoryBudget: budget)
                #expect(dry.differenceCount == 0, "budget \(budget): \(dry.differences.prefix(3))")
            }
            let report = try world.engine.rebuild(tenant: tenant, projections: [], dryRun: false, memoryBudget: 1)
            #expect(report.spilledRuns > 0 && report.differenceCount == 0)
            #expect(try world.engine.check(tenant: tenant).count == 0)
        }
    }

    @Test func aBudgetThatIsNotPositiveIsRefusedNamingTheFieldAndChangesNothing() throws {
        let world = try World(tenants: 1, commands: 60, seed: 2)
        let tenant = world.tenants[0]
        let before = try world.fileHashes(tenant)
        let error = #expect(throws: InputError.self) {
            try world.engine.rebuild(tenant: tenant, projections: [], dryRun: false, memoryBudget: 0)
        }
        #expect(error?.field == "memory")
        #expect(try world.fileHashes(tenant) == before)
    }

    @Test func theSpillTableIsEmptiedAfterASpillingRebuild() throws {
        let world = try World(tenants: 1, commands: 200, seed: 8)
        let tenant = world.tenants[0]
        let report = try world.engine.rebuild(tenant: tenant, projections: ["matches"], dryRun: false, memoryBudget: 1)
        #expect(report.spilledRuns > 0)
        let partition = try world.data.partition(for: tenant)
        let entries = try partition.environment.read { tx in
            try tx.openTable(named: FoldState.spillTableName("matches")).map { try tx.statistics($0).entries }
        }
        #expect(entries == 0)
    }
}

/// Reads of state that was spilled: memory first, then the runs from the newest; a removal hides
/// what older runs hold; scans and the final merge see the same.
@Suite struct FoldStateTests {
    let path = NSTemporaryDirectory() + "bulkhead-fold-\(UUID().uuidString)"

    func key(_ n: Int) -> Key { Key("k", .uint64(UInt64(n))) }

    func spill(_ state: FoldState, _ env: Environment) throws {
        let plan = state.beginRun()
        var next = 0
        while next < plan.keys.count {
            next = try env.write { tx in
                state.spillTable = try tx.openTable(named: FoldState.spillTableName(state.name), create: true)
                return try state.writeRun(plan, from: next, tx, maxBytes: 40)
            }
        }
        state.endRun(plan)
    }

    @Test func spilledStateReadsMergesAndScansAsIfNothingSpilled() throws {
        let env = try Environment(path: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let state = FoldState(name: "test")
        // The same changes applied to a dictionary: what every read must agree with.
        var expected: [Key: [UInt8]] = [:]
        func set(_ n: Int, _ value: [UInt8]?) {
            state.set(key(n), value)
            expected[key(n)] = value
        }
        for n in 0..<100 { set(n, [UInt8(n)]) }
        try spill(state, env)
        for n in stride(from: 0, to: 100, by: 3) { set(n, [UInt8(n), 1]) }
        for n in stride(from: 1, to: 100, by: 5) { set(n, nil) }
        try spill(state, env)
        for n in 90..<120 { set(n, [UInt8(n), 2]) }
        set(2, nil)
        set(50, [9])
        #expect(state.runs.count == 2)
        try env.read { tx in
            state.reader = tx
            defer { state.reader = nil }
            for n in 0..<130 {
                #expect(try state.get(key(n)) == expected[key(n)], "key \(n)")
            }
            var scanned: [Key] = []
            try state.scan(prefix: Key("k"), after: key(10)) { key, value in
                #expect(Array(value) == expected[key])
                scanned.append(key)
                return true
            }
            #expect(scanned == expected.keys.filter { key(10) < $0 }.sorted())
        }
        let merged = try env.write { tx -> [Key: [UInt8]] in
            let target = try #require(try tx.openTable(named: "target", create: true))
            let spillTable = try #require(try tx.openTable(named: FoldState.spillTableName("test"), create: false))
            var merge = RunMerge(state)
            while !merge.done { try merge.write(tx, from: spillTable, to: target, maxBytes: 50) }
            var result: [Key: [UInt8]] = [:]
            var order: [Key] = []
            try tx.withCursor(target) { cursor in
                var found = try cursor.first()
                while found {
                    let key = Key(copying: cursor.key)
                    result[key] = Array(cursor.value)
                    order.append(key)
                    found = try cursor.next()
                }
            }
            #expect(order == order.sorted())
            return result
        }
        #expect(merged == expected)
    }

    func row(_ n: Int, goals: Int) -> SeasonTableRow {
        var totals = PlayerTotals()
        totals.goals = goals
        return SeasonTableRow(playerId: UUID(), name: "player \(n)", totals: totals)
    }

    /// Records a rebuild's store sets stay decoded in the state; spilled ones are decoded again
    /// when read, changed in place, and written once: the merged generation has their bytes.
    @Test func recordsKeptDecodedSpillAndMergeToTheirBytes() throws {
        let env = try Environment(path: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let state = FoldState(name: "test")
        let store = ProjectionStore(.fold(state))
        var expected: [Key: SeasonTableRow] = [:]
        for n in 0..<60 {
            let value = row(n, goals: n)
            try store.setRecord(key(n), value)
            expected[key(n)] = value
        }
        // The estimate counts at least each record's encoded bytes, once settled.
        state.settle()
        #expect(state.bytes >= expected.values.reduce(0) { $0 + $1.encodedBytes().count })
        try spill(state, env)
        try env.read { tx in
            state.reader = tx
            defer { state.reader = nil }
            // Read back from the run (decoded once), then changed in place.
            for n in stride(from: 0, to: 60, by: 2) {
                try store.update(key(n), as: SeasonTableRow.self) { $0?.name += String(repeating: "x", count: 200) }
                expected[key(n)]?.name += String(repeating: "x", count: 200)
            }
            for n in stride(from: 0, to: 60, by: 7) {
                try store.setRecord(key(n), SeasonTableRow?.none)
                expected[key(n)] = nil
            }
            for n in 0..<61 {
                #expect(try store.record(key(n), as: SeasonTableRow.self) == expected[key(n)], "key \(n)")
            }
            // A record read as another type is corrupt, not silently reinterpreted.
            #expect(throws: ProjectionError.self) { try store.record(key(1), as: PlayerTotals.self) }
        }
        let merged = try env.write { tx -> [Key: [UInt8]] in
            let target = try #require(try tx.openTable(named: "target", create: true))
            let spillTable = try #require(try tx.openTable(named: FoldState.spillTableName("test"), create: false))
            var merge = RunMerge(state)
            while !merge.done { try merge.write(tx, from: spillTable, to: target, maxBytes: 50) }
            var result: [Key: [UInt8]] = [:]
            try tx.withCursor(target) { cursor in
                var found = try cursor.first()
                while found {
                    result[Key(copying: cursor.key)] = Array(cursor.value)
                    found = try cursor.next()
                }
            }
            return result
        }
        #expect(merged == expected.mapValues { $0.encodedBytes() })
    }

    @Test func removingEverythingForgetsTheRuns() throws {
        let env = try Environment(path: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let state = FoldState(name: "test")
        for n in 0..<10 { state.set(key(n), [1]) }
        try spill(state, env)
        state.removeAll()
        state.set(key(3), [3])
        try env.read { tx in
            state.reader = tx
            defer { state.reader = nil }
            let (one, three) = (try state.get(key(1)), try state.get(key(3)))
            #expect(one == nil)
            #expect(three == [3])
        }
    }
}
