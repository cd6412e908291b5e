import BulkheadCore
import Domain
import Foundation
import Projections
import Testing
import Workflows

/// A rebuild whose state outgrows its memory budget spills sorted runs to a table of the tenant's
/// environment and merges them into the new generation. Killed at any moment (while folding,
/// spilling, merging or switching), it leaves the live generation as it was, and the next
/// rebuild, spilling or not, gives the same bytes.
@Suite struct SpillingRebuildKillTests {
    /// Everything a user can read of the tenant's projections.
    func snapshot(_ world: World, _ tenant: TenantID) throws -> String {
        try world.engine.read(tenant: tenant) { view in
            "\(try view.projects()) \(try view.users()) \(try view.hallOfFame()) \(try view.matchReports(season: nil))"
        }
    }

    @Test func aSpillingRebuildKilledAtRandomMomentsLeavesTheLiveGenerationAsItWas() throws {
        let world = try World("spill-kill", tenants: ["harbour"])
        let tenant = try world.tenant("harbour")
        var history = RandomHistory(engine: world.engine, clock: world.clock, seed: 12)
        _ = try history.run(tenant: tenant, commands: 2_000, batchSize: 50)
        let live = try snapshot(world, tenant)
        var random = SplitMix64(seed: 16)
        var spilled = 0
        for round in 0..<8 {
            // A 1-byte budget: a run spilled after every batch of events.
            let child = try Child.start(
                try Executables.find("crashtest"),
                ["rebuild", "--data", world.path, "--tenants", tenant.description, "--seed", "\(round)",
                 "--memory", "1"],
                outputIn: world.directory.path)
            // Odd rounds kill during the first rebuild; even ones once a rebuild finished, in a
            // later one (and prove that the rebuilds spill).
            if round % 2 == 0 {
                let deadline = Date().addingTimeInterval(120)
                while Date() < deadline, child.process.isRunning,
                      !String(decoding: (try? Data(contentsOf: child.stdout)) ?? Data(), as: UTF8.self).contains("\n") {
                    usleep(10_000)
                }
            }
            usleep(UInt32(20_000 + random.next() % 500_000))
            kill(child.process.processIdentifier, SIGKILL)
            let run = try child.finish()
            spilled += run.lines.filter { line in
                let parts = line.split(separator: " ")
                return parts.count == 4 && parts[0] == "rebuilt" && (Int(parts[3]) ?? 0) > 0
            }.count
            #expect(try snapshot(world, tenant) == live, "round \(round): the live generation changed")
            #expect(try world.engine.check(tenant: tenant).count == 0, "round \(round)")
            #expect(try world.engine.status(tenant: tenant).allSatisfy { $0.state == "ok" }, "round \(round)")
        }
        #expect(spilled > 0, "no spilling rebuild finished in any round: the kills came too early to be sure it spills")
        // After the kills, rebuilds with and without spilling give the live bytes.
        for budget in [1, TenantEngine.defaultRebuildMemory] {
            let report = try world.engine.rebuild(tenant: tenant, projections: [], dryRun: false, memoryBudget: budget)
            #expect(report.differenceCount == 0, "budget \(budget): \(report.differences.prefix(3))")
        }
        #expect(try snapshot(world, tenant) == live)
    }
}
