import BulkheadCore
import Domain
import Foundation
import Projections
import Testing

/// A process that stays up while another rebuilds the same tenant again and again keeps reading
/// and writing: rebuilds reuse two tables per projection, so the reader never runs out of LMDB
/// table handles (`MDB_DBS_FULL` once came after about sixty rebuilds).
@Suite struct RebuildHandleTests {
    @Test func aThousandRebuildsInAnotherProcessLeaveThisOneReadingAndWriting() throws {
        let world = try World("handles", tenants: ["harbour", "quay"])
        let tenant = try world.tenant("harbour")
        try world.run(CreateProject(name: "Dock", githubRepository: "harbour/dock", scanPath: ""), "harbour")
        let other = try dataFiles(under: world.data.directory(of: try world.tenant("quay")))
        let child = try Child.start(
            try Executables.find("projections-child"),
            ["rebuild", world.path, tenant.description, "1000"], outputIn: world.directory.path)
        var reads = 0
        var writes = 0
        var failures: [String] = []
        while child.process.isRunning {
            do {
                // Reads of every projection, then a command (which applies to the live tables).
                _ = try world.engine.read(tenant: tenant) { view in
                    (try view.projects(), try view.users(), try view.hallOfFame(), try view.apiKeys())
                }
                reads += 1
                if reads % 20 == 0 {
                    try world.run(CreateProject(name: "Berth \(writes)", githubRepository: "harbour/berth-\(writes)", scanPath: ""), "harbour")
                    writes += 1
                }
            } catch {
                if failures.count < 5 { failures.append("\(error)") }
            }
        }
        let run = try child.finish(timeout: 600)
        #expect(run.status == 0, "projections-child exited \(run.status): \(run.stderr)")
        #expect(run.lines.last == "rebuilt 1000", "\(run.stdout.suffix(200))")
        #expect(failures.isEmpty, "\(failures)")
        #expect(reads > 0 && writes > 0)
        // Everything written while rebuilds switched generations is in the projections.
        #expect(try world.engine.read(tenant: tenant) { try $0.projects().count } == 1 + writes)
        #expect(try world.engine.check(tenant: tenant).count == 0)
        #expect(try dataFiles(under: world.data.directory(of: try world.tenant("quay"))) == other)
    }

    @Test func theCLIRefusesAProjectionNamedTwiceAndChangesNothing() throws {
        let world = try World("twice", tenants: ["harbour"])
        try world.run(CreateProject(name: "Dock", githubRepository: "harbour/dock", scanPath: ""), "harbour")
        let before = try dataFiles(under: world.path)
        let run = try bulkhead(["rebuild", "--tenant", "harbour", "--projection", "projects", "--projection", "projects"],
                               data: world.path, in: world.directory.path)
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("projections") && run.stderr.contains("'projects' more than once"), "\(run.stderr)")
        #expect(try dataFiles(under: world.path) == before)
        let query = try bulkhead(["query", "--tenant", "harbour", "projects"], data: world.path, in: world.directory.path)
        #expect(query.status == 0, "\(query.stderr)")
        #expect(query.stdout.contains("Dock"))
    }
}
