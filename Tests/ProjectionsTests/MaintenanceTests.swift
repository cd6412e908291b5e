import BulkheadCore
import Domain
import EventLog
import Foundation
@testable import Projections
import Testing

/// Time-based rules run by themselves: a stuck analysis run never blocks a new one, and the
/// scheduled maintenance expires stale runs and orphans stale syncs of one tenant only, as
/// `system:maintenance`, appending nothing when nothing is due.
@Suite struct MaintenanceTests {
    /// Two tenants, each with its owner `ada@example.com` and a project, on a manual clock.
    final class Setup {
        let path = NSTemporaryDirectory() + "bulkhead-maintenance-\(UUID().uuidString)"
        let data: DataDirectory
        let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
        let engine: TenantEngine
        let tenants: [TenantID]
        let projects: [UUID]

        init() throws {
            data = try DataDirectory(path: path)
            engine = TenantEngine(data: data, clock: clock)
            var tenants: [TenantID] = []
            var projects: [UUID] = []
            for slug in ["club-a", "club-b"] {
                let tenant = try engine.createTenant(
                    slug: slug, name: slug, owner: "ada@example.com", ownerName: "Ada", at: clock.now
                )
                    .record.id
                tenants.append(tenant)
                let created = try engine.execute(CreateProject(name: "P"), tenant: tenant, actor: "ada@example.com")
                projects.append(try #require(created.ids["projectId"]))
            }
            self.tenants = tenants
            self.projects = projects
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }

        func files(_ tenant: TenantID) throws -> [String: Data] {
            let dir = data.directory(of: tenant)
            var result: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name != "lock.mdb" {
                result[name] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
            }
            return result
        }

        func actors(_ tenant: TenantID) throws -> [String] {
            try data.partition(for: tenant).read { reader in try reader.events(from: 1, limit: 10_000).map(\.actor) }
        }
    }

    @Test func aRequestMeetingARunActiveForOverTenMinutesExpiresItAndStartsANewOne() throws {
        let setup = try Setup()
        let (tenant, project) = (setup.tenants[0], setup.projects[0])
        let first = try setup.engine.execute(
            RequestAnalysis(projectId: project, trigger: .manual), tenant: tenant, actor: "ada@example.com")
        let stuck = try #require(first.ids["runId"])
        setup.clock.advance(by: 9 * 60)
        let early = try setup.engine.execute(
            RequestAnalysis(projectId: project, trigger: .projectSync), tenant: tenant, actor: "ada@example.com")
        #expect(early.skipped?.runId == stuck)
        #expect(early.events.isEmpty)
        setup.clock.advance(by: 2 * 60)
        let late = try setup.engine.execute(
            RequestAnalysis(projectId: project, trigger: .projectSync), tenant: tenant, actor: "ada@example.com")
        #expect(late.skipped == nil)
        #expect(late.ids["expiredRunId"] == stuck)
        #expect(late.events.map(\.type) == ["analysis.expired", "analysis.started"])
        let runs = try setup.engine.read(tenant: tenant) { try $0.runs(project: project) }
        #expect(runs.runs.first { $0.runId == stuck }?.status == .expired)
        #expect(runs.active?.runId == late.ids["runId"])
    }

    @Test func maintenanceAppendsNothingBeforeTheThresholdsAndTouchesOnlyDueRunsAndSyncs() throws {
        let setup = try Setup()
        let (a, b) = (setup.tenants[0], setup.tenants[1])
        let actor = "ada@example.com"
        let runA = try #require(
            try setup.engine.execute(
                RequestAnalysis(projectId: setup.projects[0], trigger: .manual), tenant: a, actor: actor
            ).ids["runId"])
        let syncA = try #require(
            try setup.engine.execute(StartSync(projectId: setup.projects[0]), tenant: a, actor: actor).ids["syncId"])
        // Tenant B's run and sync start 5 minutes later: not yet due when A's are.
        setup.clock.advance(by: 5 * 60)
        _ = try setup.engine.execute(
            RequestAnalysis(projectId: setup.projects[1], trigger: .manual), tenant: b, actor: actor)
        _ = try setup.engine.execute(StartSync(projectId: setup.projects[1]), tenant: b, actor: actor)

        // 5 minutes in (past the 3-minute cooldown, short of the 10-minute expiry): nothing is due.
        let quietA = try setup.files(a)
        let quietB = try setup.files(b)
        for tenant in [a, b] { #expect(try setup.engine.maintain(tenant: tenant).changed == false) }
        #expect(try setup.files(a) == quietA)
        #expect(try setup.files(b) == quietB)

        // 11 minutes after A's: A's run and sync are due, B's (6 minutes old) are not.
        setup.clock.advance(by: 6 * 60)
        let report = try setup.engine.maintain(tenant: a)
        #expect(report.expiredRuns == [runA])
        #expect(report.orphanedSyncs == [syncA])
        #expect(report.positions.count == 2)
        #expect(try setup.actors(a).suffix(2) == ["system:maintenance", "system:maintenance"])
        let runs = try setup.engine.read(tenant: a) { try $0.runs(project: setup.projects[0]) }
        #expect(runs.active == nil)
        #expect(
            try setup.engine.read(tenant: a) { try $0.syncChain(project: setup.projects[0]) }.detached.map(\.syncId)
                == [syncA])
        #expect(try setup.engine.maintain(tenant: b).changed == false)
        #expect(try setup.files(b) == quietB)
        // Run again at once: nothing more is due.
        #expect(try setup.engine.maintain(tenant: a).changed == false)
    }

    @Test func noCallerMayActAsASystemActor() throws {
        let setup = try Setup()
        let before = try setup.files(setup.tenants[0])
        for actor in ["system:maintenance", "System:rebuild", "system:"] {
            #expect(
                throws: CommandError.invalid(
                    field: "actor", reason: "'system:' names Bulkhead's own actors; no caller may use it")
            ) {
                try setup.engine.execute(CreateProject(name: "Q"), tenant: setup.tenants[0], actor: actor)
            }
        }
        #expect(try setup.files(setup.tenants[0]) == before)
    }
}
