import Foundation
import Logging
import Projections
@testable import Service
import Testing

/// `bulkhead serve`'s schedule: every pass maintains every tenant, and the loop runs by itself.
@Suite struct MaintenanceSchedulerTests {
    static let quiet: Logger = {
        var logger = Logger(label: "bulkhead.maintenance.tests")
        logger.logLevel = .critical
        return logger
    }()

    @Test func aPassMaintainsEveryTenantOnlyOnceItIsDue() async throws {
        let world = try ServiceWorld()
        let scheduler = MaintenanceScheduler(engine: world.service.engine, interval: .seconds(60), logger: Self.quiet)
        // Each seeded tenant has an analysis run and a sync started at the clock's start.
        let early = await scheduler.runOnce()
        #expect(early.count == 2)
        #expect(early.allSatisfy { !$0.changed })
        world.clock.advance(by: 11 * 60)
        let due = await scheduler.runOnce()
        #expect(Set(due.map(\.tenant)) == [world.alpha.tenant, world.beta.tenant])
        #expect(due.allSatisfy { $0.expiredRuns.count == 1 && $0.orphanedSyncs.count == 1 })
        #expect(await scheduler.runOnce().allSatisfy { !$0.changed })
    }

    @Test func theScheduleRunsPassesByItselfUntilCancelled() async throws {
        let world = try ServiceWorld()
        world.clock.advance(by: 11 * 60)
        let before = try world.head(world.alpha.tenant)
        let scheduler = MaintenanceScheduler(
            engine: world.service.engine, interval: .milliseconds(50), logger: Self.quiet)
        let task = Task { try await scheduler.run() }
        var waited = 0
        while try world.head(world.alpha.tenant) == before, waited < 200 {
            try await Task.sleep(for: .milliseconds(20))
            waited += 1
        }
        task.cancel()
        try await task.value
        #expect(try world.head(world.alpha.tenant) == before + 2)
    }
}
