import BulkheadCore
import Crypto
import Domain
import EventLog
import Foundation
import Projections
import Storage
import Testing
import Workflows

/// A data directory with several tenants and random histories, one per test.
final class World {
    let path = NSTemporaryDirectory() + "bulkhead-projections-\(UUID().uuidString)"
    let data: DataDirectory
    let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
    let engine: TenantEngine
    var tenants: [TenantID] = []

    init(tenants count: Int, commands: Int, seed: UInt64 = 42) throws {
        data = try DataDirectory(path: path, partitionOptions: EnvironmentOptions(initialMapSize: 1 << 20))
        engine = TenantEngine(data: data, clock: clock)
        for i in 0..<count {
            let tenant = try data.createTenant(slug: "tenant-\(i)", name: "Tenant \(i)", id: .random(), at: clock.now)
            tenants.append(tenant.id)
            var history = RandomHistory(engine: engine, clock: clock, seed: seed + UInt64(i))
            try history.run(tenant: tenant.id, commands: commands, batchSize: 8)
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// SHA-256 of every file of a tenant's partition directory except the reader lock table.
    func fileHashes(_ tenant: TenantID) throws -> [String: String] {
        let dir = data.directory(of: tenant)
        var result: [String: String] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: dir) where file != "lock.mdb" {
            result[file] = Array(SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file)))).hexString
        }
        return result
    }

    func allHashes(except excluded: TenantID?) throws -> [TenantID: [String: String]] {
        var result: [TenantID: [String: String]] = [:]
        for tenant in tenants where tenant != excluded { result[tenant] = try fileHashes(tenant) }
        return result
    }
}

/// Tries to wipe everything it can reach, like `DELETE FROM aggregated_match_report WHERE TRUE`.
struct WipeEverythingProjector: Projector {
    let name: String
    let version = 99
    func handles(_ type: String) -> Bool { true }
    func apply(_ event: Event, _ meta: EventMeta, _ store: ProjectionStore) throws {
        try store.removeAll()
        for key in try store.keys(prefix: Key(raw: [])) { try store.setBytes(key, nil) }
        try store.setBytes(Key("z", .uint64(meta.position)), [1])
    }
    func describe(key: Key, value: [UInt8]) -> String { value.hexString }
}

/// Fails after a number of events, like a projector bug found half-way through a rebuild.
struct FailingProjector: Projector {
    let inner: any Projector
    let failAt: UInt64
    var name: String { inner.name }
    var version: Int { inner.version }
    func handles(_ type: String) -> Bool { inner.handles(type) }
    struct Boom: Error {}
    func apply(_ event: Event, _ meta: EventMeta, _ store: ProjectionStore) throws {
        if meta.position >= failAt { throw Boom() }
        try inner.apply(event, meta, store)
    }
    func describe(key: Key, value: [UInt8]) -> String { inner.describe(key: key, value: value) }
}

@Suite struct IsolationTests {
    @Test func rebuildingOneTenantLeavesEveryOtherTenantsFilesByteIdentical() throws {
        let world = try World(tenants: 4, commands: 150)
        let target = world.tenants[1]
        let before = try world.allHashes(except: target)
        let report = try world.engine.rebuild(tenant: target, projections: [], dryRun: false, memoryBudget: 1)
        #expect(report.switched)
        #expect(report.differenceCount == 0, "rebuild differs from the inline projections: \(report.differences.prefix(3))")
        #expect(try world.allHashes(except: target) == before)
    }

    @Test func aBuggyProjectorThatWipesEverythingItCanReachOnlyWipesItsOwnNewGeneration() throws {
        let world = try World(tenants: 3, commands: 120)
        let target = world.tenants[0]
        let before = try world.allHashes(except: target)
        let otherProjectionsBefore = try world.engine.read(tenant: target) { view in (try view.projects(), try view.users()) }
        let buggy = TenantEngine(data: world.data, clock: world.clock, projectors: [WipeEverythingProjector(name: "matches")])
        let report = try buggy.rebuild(tenant: target, projections: ["matches"], dryRun: false, memoryBudget: 1)
        #expect(report.differenceCount > 0)
        #expect(try world.allHashes(except: target) == before, "another tenant's files changed")
        let otherProjectionsAfter = try world.engine.read(tenant: target) { view in (try view.projects(), try view.users()) }
        #expect(otherProjectionsAfter.0 == otherProjectionsBefore.0)
        #expect(otherProjectionsAfter.1 == otherProjectionsBefore.1)
        // The fix: rebuilding with the real projector restores the reports.
        try world.engine.rebuild(tenant: target, projections: ["matches"], dryRun: false)
        #expect(try world.engine.check(tenant: target).count == 0)
    }

    @Test func rebuildResultsEqualInlineResultsForEveryProjection() throws {
        let world = try World(tenants: 3, commands: 200, seed: 7)
        for tenant in world.tenants {
            let dry = try world.engine.rebuild(tenant: tenant, projections: [], dryRun: true, memoryBudget: 1)
            #expect(!dry.switched)
            #expect(dry.differenceCount == 0, "tenant \(tenant): \(dry.differences.prefix(3))")
            #expect(try world.engine.check(tenant: tenant).count == 0)
        }
    }

    @Test func anInterruptedRebuildLeavesTheLiveProjectionUnchangedAndCanRunAgain() throws {
        let world = try World(tenants: 2, commands: 150, seed: 3)
        let target = world.tenants[0]
        let live = try world.engine.read(tenant: target) { try $0.matchReports(season: nil) }
        let head = try world.data.partition(for: target).head().position
        let failing = TenantEngine(data: world.data, clock: world.clock,
                                   projectors: Projectors.all.map { FailingProjector(inner: $0, failAt: head / 2) })
        #expect(throws: FailingProjector.Boom.self) {
            try failing.rebuild(tenant: target, projections: [], dryRun: false, memoryBudget: 1)
        }
        #expect(try world.engine.read(tenant: target) { try $0.matchReports(season: nil) } == live)
        #expect(try world.engine.check(tenant: target).count == 0)
        let report = try world.engine.rebuild(tenant: target, projections: [], dryRun: false, memoryBudget: 1)
        #expect(report.differenceCount == 0)
        #expect(try world.engine.read(tenant: target) { try $0.matchReports(season: nil) } == live)
    }

    @Test func aDryRunReportsWhatAFixedProjectorChangesAndLeavesTheLiveGenerationInPlace() throws {
        let world = try World(tenants: 1, commands: 120, seed: 9)
        let target = world.tenants[0]
        let buggy = TenantEngine(data: world.data, clock: world.clock, projectors: [WipeEverythingProjector(name: "matches")])
        try buggy.rebuild(tenant: target, projections: ["matches"], dryRun: false)
        let dry = try world.engine.rebuild(tenant: target, projections: ["matches"], dryRun: true, differenceLimit: 100_000)
        #expect(dry.differenceCount > 0)
        #expect(dry.differences.contains { $0.change == "added" && ($0.after ?? "").contains("teamA") })
        #expect(dry.differences.contains { $0.change == "removed" })
        // The live (buggy) generation is still what readers see.
        #expect(try world.engine.read(tenant: target) { try $0.matchReports(season: nil) }.isEmpty)
    }

    @Test func aChangedProjectorVersionIsReportedStaleUntilRebuilt() throws {
        let world = try World(tenants: 1, commands: 40)
        let target = world.tenants[0]
        #expect(try world.engine.status(tenant: target).allSatisfy { $0.state == "ok" })
        struct NewerProjects: Projector {
            let inner = ProjectProjector()
            var name: String { inner.name }
            let version = 2
            func handles(_ type: String) -> Bool { inner.handles(type) }
            func apply(_ event: Event, _ meta: EventMeta, _ store: ProjectionStore) throws { try inner.apply(event, meta, store) }
            func describe(key: Key, value: [UInt8]) -> String { inner.describe(key: key, value: value) }
        }
        var projectors = Projectors.all
        projectors[1] = NewerProjects()
        let upgraded = TenantEngine(data: world.data, clock: world.clock, projectors: projectors)
        #expect(try upgraded.status(tenant: target).first { $0.name == "projects" }?.state == "stale")
        try upgraded.rebuild(tenant: target, projections: ["projects"], dryRun: false)
        #expect(try upgraded.status(tenant: target).allSatisfy { $0.state == "ok" })
    }

    @Test func aDryRunOfAProjectionNewInThisBuildLeavesItUnbuilt() throws {
        let world = try World(tenants: 1, commands: 40)
        let target = world.tenants[0]
        // A projector this tenant's data has never seen (added by a new release).
        struct Newcomer: Projector {
            let inner = ProjectProjector()
            let name = "newcomer"
            let version = 1
            func handles(_ type: String) -> Bool { inner.handles(type) }
            func apply(_ event: Event, _ meta: EventMeta, _ store: ProjectionStore) throws { try inner.apply(event, meta, store) }
            func describe(key: Key, value: [UInt8]) -> String { inner.describe(key: key, value: value) }
        }
        let upgraded = TenantEngine(data: world.data, clock: world.clock, projectors: Projectors.all + [Newcomer()])
        #expect(try upgraded.status(tenant: target).first { $0.name == "newcomer" }?.state == "missing")
        let dry = try upgraded.rebuild(tenant: target, projections: ["newcomer"], dryRun: true)
        #expect(dry.differenceCount > 0)
        #expect(!dry.switched)
        let after = try #require(try upgraded.status(tenant: target).first { $0.name == "newcomer" })
        #expect(after.state == "missing")
        #expect(after.generation == nil)
        // A real rebuild then builds it.
        try upgraded.rebuild(tenant: target, projections: ["newcomer"], dryRun: false)
        #expect(try upgraded.status(tenant: target).allSatisfy { $0.state == "ok" })
    }

    @Test func asOfAPositionEqualsWhatTheLiveProjectionSaidThen() throws {
        let world = try World(tenants: 1, commands: 80, seed: 5)
        let target = world.tenants[0]
        let thenHead = try world.data.partition(for: target).head().position
        let thenFame = try world.engine.read(tenant: target) { try $0.hallOfFame() }
        let thenProjects = try world.engine.read(tenant: target) { try $0.projects() }
        var more = RandomHistory(engine: world.engine, clock: world.clock, seed: 99)
        try more.run(tenant: target, commands: 80, batchSize: 4)
        #expect(try world.data.partition(for: target).head().position > thenHead)
        #expect(try world.engine.asOf(tenant: target, position: thenHead) { try $0.hallOfFame() } == thenFame)
        #expect(try world.engine.asOf(tenant: target, position: thenHead) { try $0.projects() } == thenProjects)
    }
}
