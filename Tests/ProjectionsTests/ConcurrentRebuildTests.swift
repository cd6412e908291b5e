import Foundation
@testable import Projections
import Testing

/// Two rebuilds of one tenant's projections (a retried HTTP request, a CLI rebuild while the
/// server rebuilds) never interleave in one generation: the later takes it over, the earlier stops
/// having changed nothing live.
@Suite struct ConcurrentRebuildTests {
    @Test(arguments: [false, true])
    func aRebuildStartedMeanwhileTakesOverAndTheFirstStops(secondIsDryRun: Bool) throws {
        let world = try World(tenants: 2, commands: 300, seed: 11)
        let tenant = world.tenants[0]
        var started = false
        var second: RebuildReport?
        // The first rebuild folds batches of 64 events; after its first batch another starts
        // and runs to its end.
        let first = #expect(throws: ProjectionError.self) {
            try world.engine.rebuild(tenant: tenant, projections: [], dryRun: false, memoryBudget: 1) { _, _ in
                guard !started else { return }
                started = true
                second = try? world.engine.rebuild(tenant: tenant, projections: [], dryRun: secondIsDryRun)
            }
        }
        guard case .rebuildSuperseded = first else {
            Issue.record("expected rebuildSuperseded, got \(String(describing: first))")
            return
        }
        #expect(second != nil)
        #expect(second?.switched == !secondIsDryRun)
        // Whichever finished, the live projections are whole and equal what the log gives.
        #expect(try world.engine.check(tenant: tenant).count == 0)
        #expect(try world.engine.status(tenant: tenant).allSatisfy { $0.state == "ok" })
        // A later rebuild runs normally.
        let again = try world.engine.rebuild(tenant: tenant, projections: [], dryRun: false)
        #expect(again.differenceCount == 0)
    }
}
