import Foundation
import Testing

@Suite struct CLITests {
    /// A data directory with two tenants, alpha (owner ana@alpha.example, with a project) and beta
    /// (owner eve@beta.example); returns the project's id.
    func seeded(_ cli: CLI) throws -> String {
        #expect(try cli("tenant", "create", "alpha", "--name", "Alpha Labs", "--owner", "ana@alpha.example",
                        "--owner-name", "Ana").status == 0)
        #expect(try cli("tenant", "create", "beta", "--name", "Beta FC", "--owner", "eve@beta.example").status == 0)
        let created = try cli("exec", "--tenant", "alpha", "--actor", "ana@alpha.example", "project.create",
                              #"{"name":"Tamper-Me-Project","githubRepository":"alpha/app","scanPath":"/src/"}"#, "--format", "json")
        #expect(created.status == 0, "\(created.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
        let ids = try #require(object["ids"] as? [String: String])
        return try #require(ids["projectId"])
    }

    @Test func tenantsAreCreatedListedAndQueried() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let project = try seeded(cli)
        let list = try cli("tenant", "list")
        #expect(list.status == 0)
        #expect(list.stdout.contains("alpha") && list.stdout.contains("Beta FC"))
        let projects = try cli("query", "--tenant", "alpha", "projects", "--format", "csv")
        #expect(projects.status == 0)
        #expect(projects.stdout.contains("Tamper-Me-Project"))
        #expect(projects.stdout.contains(",src,"), "scan path is normalised: \(projects.stdout)")
        let one = try cli("query", "--tenant", "alpha", "project", project)
        #expect(one.stdout.contains("alpha/app"))
        #expect(try cli("query", "--tenant", "beta", "projects", "--format", "json").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
    }

    @Test func aMissingTenantIsAUsageErrorThatSaysSo() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        _ = try seeded(cli)
        let run = try cli("query", "projects")
        #expect(run.status == 1)
        #expect(run.stderr.contains("no tenant given"))
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    @Test func anUnknownTenantIsNotFoundAndSuggestsCloseSlugs() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        _ = try seeded(cli)
        let run = try cli("query", "--tenant", "alpah", "projects")
        #expect(run.status == 2)
        #expect(run.stderr.contains("unknown tenant 'alpah'"))
        #expect(run.stderr.contains("did you mean alpha"))
    }

    @Test func malformedJSONIsRefusedWithExit1AndTheStoreIsByteIdentical() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        _ = try seeded(cli)
        let before = try cli.snapshot()
        for body in [#"{"name": "x""#, #"{"name":"x","colour":"red"}"#, #"{"name":null}"#, #"[1,2]"#] {
            let run = try cli("exec", "--tenant", "alpha", "--actor", "ana@alpha.example", "project.create", body)
            #expect(run.status == 1, "\(body): \(run.stderr)")
            #expect(!run.stderr.isEmpty)
        }
        let unknownField = try cli("exec", "--tenant", "alpha", "--actor", "a@b.c", "project.create", #"{"name":"x","colour":"red"}"#)
        #expect(unknownField.stderr.contains("colour"))
        #expect(try cli.snapshot() == before)
    }

    @Test func anotherTenantsIdIsNotFoundAndTheStoreIsByteIdentical() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let alphaProject = try seeded(cli)
        let before = try cli.snapshot()
        let run = try cli("exec", "--tenant", "beta", "--actor", "eve@beta.example", "note.create",
                          "{\"projectId\":\"\(alphaProject)\",\"title\":\"t\",\"body\":\"b\"}")
        #expect(run.status == 2)
        #expect(run.stderr.contains("project \(alphaProject.lowercased()) not found"))
        #expect(try cli("query", "--tenant", "beta", "project", alphaProject).status == 2)
        #expect(try cli.snapshot() == before)
    }

    @Test func aRefusedCommandExits3AndWritesNothing() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let project = try seeded(cli)
        #expect(try cli("exec", "--tenant", "alpha", "--actor", "ana@alpha.example", "sync.start", "{\"projectId\":\"\(project)\"}").status == 0)
        let before = try cli.snapshot()
        let second = try cli("exec", "--tenant", "alpha", "--actor", "ana@alpha.example", "sync.start", "{\"projectId\":\"\(project)\"}", "--format", "json")
        #expect(second.status == 3)
        let error = try #require(try JSONSerialization.jsonObject(with: Data(second.stderr.utf8)) as? [String: Any])
        #expect((error["error"] as? [String: Any])?["code"] as? String == "refused")
        #expect(try cli.snapshot() == before)
        // Matches need the tenant's team names: missing configuration names the tenant and the key.
        let match = try cli("exec", "--tenant", "beta", "--actor", "eve@beta.example", "season.define",
                            #"{"name":"2026","startDate":"2026-01-01","endDate":"2026-12-31"}"#)
        #expect(match.status == 0)
    }

    @Test func anActorWhoIsNotAUserExits3AndARemovedUserCanNoLongerAct() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        _ = try seeded(cli)
        let before = try cli.snapshot()
        let stranger = try cli(
            "exec", "--tenant", "alpha", "--actor", "nobody-at-all", "project.create", #"{"name":"P"}"#)
        #expect(stranger.status == 3)
        #expect(stranger.stderr.contains("actor 'nobody-at-all' is not a user of tenant "), "\(stranger.stderr)")
        // A user of another tenant is no user of this one.
        let other = try cli(
            "exec", "--tenant", "alpha", "--actor", "eve@beta.example", "project.create", #"{"name":"P"}"#)
        #expect(other.status == 3, "\(other.stderr)")
        let secondOwner = try cli("tenant", "add-owner", "--tenant", "alpha", "--owner", "eve@alpha.example")
        #expect(secondOwner.status == 3)
        #expect(secondOwner.stderr.contains("already has users"), "\(secondOwner.stderr)")
        #expect(try cli.snapshot() == before)

        func emails() throws -> [String] {
            let run = try cli("query", "--tenant", "alpha", "users", "--format", "json")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
            return rows.compactMap { $0["email"] as? String }
        }
        let added = try cli("exec", "--tenant", "alpha", "--actor", "ana@alpha.example", "tenant.addUser",
                            #"{"email":"bo@alpha.example","displayName":"Bo"}"#, "--format", "json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])
        let bo = try #require((object["ids"] as? [String: String])?["userId"])
        #expect(try emails() == ["ana@alpha.example", "bo@alpha.example"])
        let removed = try cli(
            "exec", "--tenant", "alpha", "--actor", "bo@alpha.example", "tenant.removeUser", #"{"userId":"\#(bo)"}"#)
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(try emails() == ["ana@alpha.example"])
        let gone = try cli(
            "exec", "--tenant", "alpha", "--actor", "bo@alpha.example", "project.create", #"{"name":"P"}"#)
        #expect(gone.status == 3)
        #expect(gone.stderr.contains("'bo@alpha.example' is not a user"), "\(gone.stderr)")
        let last = try cli("exec", "--tenant", "alpha", "--actor", "ana@alpha.example", "tenant.removeUser",
                           #"{"userId":"\#(bo)"}"#)
        #expect(last.status == 2, "removed twice: \(last.stderr)")
        #expect(try cli("verify", "--tenant", "alpha").status == 0)
    }

    @Test func verifyExits4OnATamperedStoreNamingTheTenantAndPosition() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        _ = try seeded(cli)
        #expect(try cli("verify", "--all-tenants").status == 0)
        let alphaID = try cli("tenant", "list", "--format", "csv").stdout.split(separator: "\n").first { $0.hasPrefix("alpha,") }?.split(separator: ",")[1]
        let dir = cli.data + "/tenants/\(try #require(alphaID))"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/data.mdb"))
        let range = try #require(bytes.range(of: Data("Tamper-Me-Project".utf8)))
        bytes[range.lowerBound] = UInt8(ascii: "X")
        try bytes.write(to: URL(fileURLWithPath: dir + "/data.mdb"))
        let run = try cli("verify", "--tenant", "alpha")
        #expect(run.status == 4)
        // Position 1 adds the owner; the project is position 2.
        #expect(run.stdout.contains("FAILED") && run.stdout.contains("position 2"), "\(run.stdout)")
    }

    @Test func replayStreamsTheAuditTrailAsJSONLines() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let project = try seeded(cli)
        #expect(try cli("exec", "--tenant", "alpha", "--actor", "ana@alpha.example", "tenant.addUser",
                        #"{"email":"bo@alpha.example","displayName":"Bo"}"#).status == 0)
        for i in 0..<3 {
            #expect(try cli("exec", "--tenant", "alpha", "--actor", "bo@alpha.example", "note.create", "{\"projectId\":\"\(project)\",\"title\":\"n\(i)\",\"body\":\"b\"}").status == 0)
        }
        let all = try cli("replay", "--tenant", "alpha", "--format", "jsonl")
        let lines = all.stdout.split(separator: "\n")
        // The owner, the project, bo, three notes.
        #expect(lines.count == 6)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["type"] as? String == "tenant.userAdded")
        #expect(first["actor"] as? String == "system:tenant-setup")
        #expect((first["payload"] as? [String: Any])?["email"] as? String == "ana@alpha.example")
        let last = try #require(try JSONSerialization.jsonObject(with: Data(lines[5].utf8)) as? [String: Any])
        #expect(last["type"] as? String == "note.created")
        #expect(last["position"] as? Int == 6)
        #expect((last["payload"] as? [String: Any])?["title"] as? String == "n2")
        #expect(last["actor"] as? String == "bo@alpha.example")
        let notes = try cli("replay", "--tenant", "alpha", "--type", "note.created", "--from", "5", "--format", "jsonl")
        #expect(notes.stdout.split(separator: "\n").count == 2)
        // Beta has only its owner.
        let beta = try cli("replay", "--tenant", "beta", "--format", "jsonl").stdout.split(separator: "\n")
        #expect(beta.count == 1)
        #expect(beta.first?.contains(#""actor":"system:tenant-setup""#) == true, "\(beta)")
    }

    @Test func importReportsEachLineAndContinuesOrStopsOnRefusal() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        _ = try seeded(cli)
        let file = cli.data + "-import.jsonl"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try """
        {"command":"project.create","input":{"name":"One"}}
        {"command":"project.create","input":{"name":""}}
        {"command":"project.create","input":{"name":"Three"}}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let stop = try cli("import", "--tenant", "alpha", "--actor", "ana@alpha.example", file)
        #expect(stop.status == 1)
        #expect(stop.stdout.contains("line 1:") && stop.stdout.contains("line 2: error"))
        #expect(!stop.stdout.contains("line 3:"))
        let go = try cli("import", "--tenant", "alpha", "--actor", "ana@alpha.example", file, "--on-error", "continue")
        #expect(go.stdout.contains("line 3: project.create applied"))
        #expect(go.stdout.contains("2 applied, 1 refused"))
    }

    @Test func rebuildDryRunAndBackupRestoreRoundTrip() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        _ = try seeded(cli)
        #expect(try cli("rebuild", "--tenant", "alpha").status == 1)
        let dry = try cli("rebuild", "--tenant", "alpha", "--all", "--dry-run")
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("0 differences"))
        // A rebuild that spills after every batch (a 1-byte budget) gives the same projections.
        let small = try cli("rebuild", "--tenant", "alpha", "--all", "--memory", "1")
        #expect(small.status == 0, "\(small.stderr)")
        #expect(small.stdout.contains("rebuilt") && small.stdout.contains("0 differences"), "\(small.stdout)")
        let zero = try cli("rebuild", "--tenant", "alpha", "--all", "--memory", "0")
        #expect(zero.status == 1)
        #expect(zero.stderr.contains("--memory must be a positive size"), "\(zero.stderr)")
        // --chunk is retired with a message saying what replaced it.
        let chunk = try cli("rebuild", "--tenant", "alpha", "--all", "--chunk", "10")
        #expect(chunk.status == 1)
        #expect(chunk.stderr.contains("--chunk was retired") && chunk.stderr.contains("--memory"), "\(chunk.stderr)")
        let backupDir = cli.data + "-backup"
        let restored = CLI()
        defer {
            try? FileManager.default.removeItem(atPath: backupDir)
            restored.cleanUp()
        }
        #expect(try cli("backup", "--tenant", "alpha", backupDir).status == 0)
        let restore = try restored("restore", backupDir)
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stdout.contains("OK, 2 events"), "\(restore.stdout)")
        #expect(try restored("query", "--tenant", "alpha", "projects").stdout.contains("Tamper-Me-Project"))
        #expect(try restored("verify", "--tenant", "alpha").status == 0)
    }

    @Test func aBackupThatDoesNotMatchItsManifestIsRefusedBeforeAnythingChanges() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        _ = try seeded(cli)
        let backupDir = cli.data + "-backup"
        defer { try? FileManager.default.removeItem(atPath: backupDir) }
        #expect(try cli("backup", "--tenant", "alpha", backupDir).status == 0)
        let manifestPath = backupDir + "/bulkhead-backup.json"
        let original = try #require(FileManager.default.contents(atPath: manifestPath))
        func editManifest(_ change: (inout [String: Any]) -> Void) throws {
            var manifest = try #require(try JSONSerialization.jsonObject(with: original) as? [String: Any])
            change(&manifest)
            try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: manifestPath))
        }

        // A manifest naming another tenant than the one the data.mdb records: refused, and the new
        // data directory gets no catalog entry and no partition.
        let other = UUID().uuidString.lowercased()
        try editManifest { $0["tenantId"] = other; $0["slug"] = "gamma" }
        let fresh = CLI()
        defer { fresh.cleanUp() }
        #expect(try fresh("tenant", "create", "delta", "--name", "Delta", "--owner", "dee@delta.example").status == 0)
        let freshBefore = try fresh.snapshot()
        let wrongTenant = try fresh("restore", backupDir)
        #expect(wrongTenant.status != 0)
        #expect(wrongTenant.stderr.contains("not tenant gamma's partition"), "\(wrongTenant.stderr)")
        #expect(try fresh.snapshot() == freshBefore)
        #expect(!(try fresh("tenant", "list").stdout.contains("gamma")))
        #expect(!FileManager.default.fileExists(atPath: fresh.data + "/tenants/" + other))

        // A head that differs from the manifest's, restored over the live tenant with --replace:
        // refused, and the live partition keeps its bytes.
        try editManifest { $0["headPosition"] = 7 }
        let before = try cli.snapshot()
        let wrongHead = try cli("restore", backupDir, "--replace")
        #expect(wrongHead.status != 0)
        #expect(
            wrongHead.stderr.contains("ends at position 2") && wrongHead.stderr.contains("the manifest says 7"),
            "\(wrongHead.stderr)")
        #expect(try cli.snapshot() == before)
        #expect(try cli("verify", "--tenant", "alpha").status == 0)
    }

    @Test func aRefusedTenantCreateLeavesNoDataDirectoryBehind() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let bad = try cli("tenant", "create", "Bad Slug", "--name", "Bad", "--owner", "ana@bad.example")
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("slug"), "\(bad.stderr)")
        let blank = try cli("tenant", "create", "fine-slug", "--name", " ", "--owner", "ana@fine.example")
        #expect(blank.status == 1)
        #expect(blank.stderr.contains("name") && blank.stderr.contains("blank"), "\(blank.stderr)")
        // The owner is checked before anything is written too, and named as the option.
        let noOwner = try cli("tenant", "create", "fine-slug", "--name", "Fine")
        #expect(noOwner.status == 1)
        #expect(noOwner.stderr.contains("no owner given") && noOwner.stderr.contains("--owner"), "\(noOwner.stderr)")
        let badOwner = try cli("tenant", "create", "fine-slug", "--name", "Fine", "--owner", "not-an-address")
        #expect(badOwner.status == 1)
        #expect(badOwner.stderr.contains("'owner'"), "\(badOwner.stderr)")
        let blankOwnerName = try cli("tenant", "create", "fine-slug", "--name", "Fine", "--owner", "a@fine.example",
                                     "--owner-name", " ")
        #expect(blankOwnerName.status == 1)
        #expect(blankOwnerName.stderr.contains("'ownerName'"), "\(blankOwnerName.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.data))
        // Serving needs an existing data directory: a mistyped --data is named, not created.
        let serve = try cli("serve", "--port", "0")
        #expect(serve.status == 2)
        #expect(serve.stderr.contains("no Bulkhead data directory"), "\(serve.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.data))
    }

    @Test func statsListsEveryTenant() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        _ = try seeded(cli)
        let stats = try cli("stats", "--format", "json")
        #expect(stats.status == 0)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["slug"] as? String } == ["alpha", "beta"])
        // Alpha: its owner and its project; beta: its owner.
        #expect(rows.map { $0["events"] as? Int } == [2, 1])
    }

    @Test func theDemoToursTheProductAndShowsTheOtherClubUntouched() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let run = try cli("demo")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("berko-tnf data.mdb: before"))
        #expect(run.stdout.contains("identical"))
        #expect(!run.stdout.contains("CHANGED"))
        #expect(run.stdout.contains("codePattern") && run.stdout.contains("consolidationPattern"))
        #expect(run.stdout.contains("orphaned"))
        #expect(run.stdout.contains("Signed audit: nothing signed"), "\(run.stdout)")
        // Again, with a key: every tenant is checkpointed and one event is proven against it.
        let key = NSTemporaryDirectory() + "bulkhead-demo-key-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: key) }
        #expect(try cli.run(["keys", "init", key]).status == 0)
        let again = try cli("demo", "--signing-key", key)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("touring them again"))
        #expect(again.stdout.components(separatedBy: "Merkle root").count == 1 + 3, "\(again.stdout)")
        #expect(again.stdout.contains("capo-fc event 42 (") && again.stdout.contains("hashes: valid"), "\(again.stdout)")
        let verified = try cli("verify", "--all-tenants")
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
    }
}
