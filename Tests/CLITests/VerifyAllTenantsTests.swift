import Foundation
import Testing

/// `bulkhead verify --all-tenants` verifies every tenant whatever happens to the others: a
/// tenant that fails, by a detected break or by an error, is reported on its own line and the
/// next tenant is verified; the exit code is the worst seen.
@Suite struct VerifyAllTenantsTests {
    /// Three tenants with their owner and a project each; returns their ids in the order `verify`
    /// reports them.
    func seeded(_ cli: CLI) throws -> [(slug: String, id: String)] {
        for slug in ["alpha", "beta", "gamma"] {
            #expect(
                try cli("tenant", "create", slug, "--name", "Tenant \(slug)", "--owner", "ana@\(slug).example").status
                    == 0)
            let created = try cli("exec", "--tenant", slug, "--actor", "ana@\(slug).example", "project.create",
                                  #"{"name":"Project-Of-\#(slug)","githubRepository":"\#(slug)/app"}"#)
            #expect(created.status == 0, "\(created.stderr)")
        }
        let run = try cli("verify", "--all-tenants", "--format", "json")
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        let results = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        let tenants = results.compactMap { r -> (slug: String, id: String)? in
            guard let slug = r["slug"] as? String, let id = r["tenant"] as? String else { return nil }
            return (slug, id)
        }
        try #require(tenants.count == 3, "\(run.stdout)")
        return tenants
    }

    func dataFile(_ cli: CLI, _ id: String) -> String { cli.data + "/tenants/\(id)/data.mdb" }

    /// Flips a byte of the tenant's second event (its project's name; the first adds its owner) in
    /// its data.mdb.
    func tamper(_ cli: CLI, _ tenant: (slug: String, id: String)) throws {
        let url = URL(fileURLWithPath: dataFile(cli, tenant.id))
        var bytes = try Data(contentsOf: url)
        let range = try #require(bytes.range(of: Data("Project-Of-\(tenant.slug)".utf8)))
        bytes[range.lowerBound] = UInt8(ascii: "X")
        try bytes.write(to: url)
    }

    /// The table's line for a tenant.
    func line(_ run: CLI.Run, _ tenant: (slug: String, id: String)) -> String? {
        run.stdout.split(separator: "\n").map(String.init)
            .first { $0.hasPrefix(tenant.slug + " ") && $0.contains(tenant.id) }
    }

    @Test func aTenantThatFailsWithAnErrorDoesNotStopTheOthers() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let tenants = try seeded(cli)
        // The first tenant verified cannot even be opened: its data.mdb is another tenant's.
        let (first, other) = (tenants[0], tenants[1])
        try FileManager.default.removeItem(atPath: dataFile(cli, first.id))
        try FileManager.default.copyItem(atPath: dataFile(cli, other.id), toPath: dataFile(cli, first.id))

        let run = try cli("verify", "--all-tenants")
        #expect(run.status == 4, "\(run.stdout) \(run.stderr)")
        let failed = try #require(line(run, first), "no line for \(first.slug): \(run.stdout)")
        #expect(failed.contains("FAILED") && failed.contains("integrity"), "\(failed)")
        for tenant in tenants.dropFirst() {
            let ok = try #require(line(run, tenant),
                                  "no line for \(tenant.slug) after \(first.slug) failed: \(run.stdout)")
            #expect(ok.contains("OK"), "\(ok)")
        }
        #expect(run.stderr.hasPrefix("error: ") && run.stderr.contains(first.slug), "\(run.stderr)")
    }

    @Test func theExitCodeIsTheWorstSeenAndTheJSONNamesEachTenantsError() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let tenants = try seeded(cli)
        // The first tenant's file cannot be read at all (a storage failure, exit 5); the second's
        // hash chain is broken (an integrity failure, exit 4); the third is sound.
        let (storage, integrity, sound) = (tenants[0], tenants[1], tenants[2])
        try FileManager.default.removeItem(atPath: dataFile(cli, storage.id))
        try FileManager.default.createDirectory(atPath: dataFile(cli, storage.id),
                                                withIntermediateDirectories: false)
        try tamper(cli, integrity)

        let table = try cli("verify", "--all-tenants")
        #expect(table.status == 5, "\(table.stdout) \(table.stderr)")
        #expect(try #require(line(table, storage)).contains("FAILED"))
        #expect(try #require(line(table, integrity)).contains("position 2"))
        #expect(try #require(line(table, sound)).contains("OK"))

        let json = try cli("verify", "--all-tenants", "--format", "json")
        #expect(json.status == 5, "\(json.stdout) \(json.stderr)")
        let results = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let byID = Dictionary(
            uniqueKeysWithValues: results.compactMap { r in (r["tenant"] as? String).map { ($0, r) } })
        let stored = try #require(byID[storage.id], "\(json.stdout)")
        let error = try #require(stored["error"] as? [String: Any], "\(stored)")
        #expect(stored["ok"] as? Bool == false)
        #expect(error["code"] as? String == "storage" && error["exitCode"] as? Int == 5, "\(error)")
        #expect((error["message"] as? String)?.isEmpty == false, "\(error)")
        let broken = try #require(byID[integrity.id], "\(json.stdout)")
        #expect(broken["ok"] as? Bool == false && broken["brokenAt"] as? Int == 2 && broken["error"] == nil,
                "\(broken)")
        #expect(try #require(byID[sound.id])["ok"] as? Bool == true)
        // stderr carries one error object, as every command's JSON errors do.
        let lines = json.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(json.stderr)")
        let object = try #require(
            JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any])
        let summary = try #require(object["error"] as? [String: Any], "\(json.stderr)")
        #expect(summary["exitCode"] as? Int == 5 && summary["code"] as? String == "storage", "\(summary)")
        #expect((summary["message"] as? String)?.contains(storage.slug) == true, "\(summary)")
    }

    @Test func withOnlyDetectedFailuresTheExitCodeIs4AndTheOthersAreOK() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let tenants = try seeded(cli)
        try tamper(cli, tenants[0])
        let run = try cli("verify", "--all-tenants")
        #expect(run.status == 4, "\(run.stdout) \(run.stderr)")
        #expect(try #require(line(run, tenants[0])).contains("FAILED"))
        for tenant in tenants.dropFirst() { #expect(try #require(line(run, tenant)).contains("OK")) }
    }
}
