import Domain
import Foundation
import Testing

/// `bulkhead maintain`, for cron: it prints what it did and appends nothing when nothing is due.
@Suite struct MaintainCLITests {
    @Test func maintainExpiresRunsStartedLongAgoAndReportsEachTenant() throws {
        // The world's manual clock is months before the CLI's real one: its runs and syncs are stale.
        let world = try World("maintain", tenants: ["harbour", "quay"])
        let project = try #require(try world.run(CreateProject(name: "Dock"), "harbour").ids["projectId"])
        let run = try #require(
            try world.run(RequestAnalysis(projectId: project, trigger: .manual), "harbour").ids["runId"])
        let sync = try #require(try world.run(StartSync(projectId: project), "harbour").ids["syncId"])
        let quay = try dataFiles(under: world.data.directory(of: try world.tenant("quay")))
        let first = try bulkhead(
            ["maintain", "--all-tenants", "--format", "json"], data: world.path, in: world.directory.path)
        #expect(first.status == 0, "\(first.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [[String: Any]])
        let harbour = try #require(rows.first { $0["slug"] as? String == "harbour" })
        #expect(harbour["expiredRuns"] as? [String] == [run.uuidString.lowercased()])
        #expect(harbour["orphanedSyncs"] as? [String] == [sync.uuidString.lowercased()])
        #expect((rows.first { $0["slug"] as? String == "quay" }?["positions"] as? [Int])?.isEmpty == true)
        #expect(try dataFiles(under: world.data.directory(of: try world.tenant("quay"))) == quay)
        let again = try bulkhead(["maintain", "--tenant", "harbour"], data: world.path, in: world.directory.path)
        #expect(again.status == 0)
        #expect(again.stdout.contains("nothing due"), "\(again.stdout)")
        let none = try bulkhead(["maintain"], data: world.path, in: world.directory.path)
        #expect(none.status == 1 && none.stderr.contains("--all-tenants"), "\(none.stderr)")
    }
}
