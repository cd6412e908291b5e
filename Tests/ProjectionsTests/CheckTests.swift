import Domain
import Foundation
@testable import Projections
import Storage
import Testing

/// `check` (what `bulkhead verify` runs) recomputes each projection from the log and finds every
/// way the stored one drifted from it.
@Suite struct CheckTests {
    @Test func checkFindsAChangedARemovedAndAnAddedRecord() throws {
        let world = try World(tenants: 2, commands: 150, seed: 3)
        let tenant = world.tenants[0]
        #expect(try world.engine.check(tenant: tenant).count == 0)
        let partition = try world.data.partition(for: tenant)
        let name = try TenantEngine.withLiveTables(partition, Projectors.all) { _, tables in
            try #require(tables["projects"].map { ProjectionTables.tableName("projects", $0.meta.generation) })
        }
        let env = partition.environment
        let table = try #require(try env.openTable(named: name, create: false))
        let (first, second) = try env.read { tx in
            try tx.withCursor(table) { cursor -> ([UInt8], [UInt8]) in
                _ = try cursor.first()
                let a = Array(cursor.key)
                _ = try cursor.next()
                return (a, Array(cursor.key))
            }
        }
        // Behind the projector's back: one record changed, one removed, one that no event made.
        try env.write { tx in
            try tx.put(table, key: first, value: [0xFF])
            _ = try tx.delete(table, key: second)
            try tx.put(table, key: Array("zz-not-from-the-log".utf8), value: [1])
        }
        let (items, count) = try world.engine.check(tenant: tenant, differenceLimit: 10)
        #expect(count == 3)
        #expect(items.map(\.change).sorted() == ["added", "changed", "removed"])
        #expect(items.allSatisfy { $0.projection == "projects" })
        #expect(items.first { $0.change == "changed" }?.key == first.hexString)
        #expect(items.first { $0.change == "added" }?.key == second.hexString)
        // The other tenant is untouched.
        #expect(try world.engine.check(tenant: world.tenants[1]).count == 0)
    }

    @Test func commandsCommittedWhileCheckRunsAreNotDrift() throws {
        let world = try World(tenants: 1, commands: 200, seed: 5)
        let tenant = world.tenants[0]
        let engine = world.engine
        let writer = Thread {
            for i in 0..<150 {
                // ana@example.com is a user RandomHistory added.
                _ = try? engine.execute(
                    CreateProject(name: "While checking \(i)"), tenant: tenant, actor: "ana@example.com")
            }
        }
        let before = try world.data.partition(for: tenant).head().position
        writer.start()
        var checks = 0
        while !writer.isFinished {
            let (items, count) = try engine.check(tenant: tenant, differenceLimit: 3)
            #expect(count == 0, "\(items)")
            checks += 1
        }
        #expect(checks > 0)
        #expect(try world.data.partition(for: tenant).head().position == before + 150)
        #expect(try engine.check(tenant: tenant).count == 0)
    }
}
