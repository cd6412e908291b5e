import Foundation
import Testing

/// `bulkhead query seasons|notes|note|posts|post|knowledge|models` and the note context's limit
/// per kind, in all four formats, with --as-of, tenant-bound, bad parameters refused by name.
@Suite struct ReadModelCLITests {
    /// Ids of what ``seed(_:)`` made in tenant alpha.
    struct Seeded {
        let project: String
        let notes: [String]
        let post: String
        /// The log position of the first note.
        let firstNote: Int
    }

    func exec(_ cli: CLI, _ tenant: String, _ name: String, _ body: String) throws -> [String: String] {
        try result(cli, tenant, name, body)["ids"] as? [String: String] ?? [:]
    }

    func result(_ cli: CLI, _ tenant: String, _ name: String, _ body: String) throws -> [String: Any] {
        let run = try cli(
            "exec", "--tenant", tenant, "--actor", "ana@\(tenant).example", name, body, "--format", "json")
        #expect(run.status == 0, "\(name): \(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    /// Tenants alpha and beta; alpha has a season with a match, a project with three notes, a post
    /// and three memory entries.
    func seed(_ cli: CLI) throws -> Seeded {
        #expect(try cli("tenant", "create", "alpha", "--name", "Alpha", "--owner", "ana@alpha.example").status == 0)
        #expect(try cli("tenant", "create", "beta", "--name", "Beta", "--owner", "ana@beta.example").status == 0)
        _ = try exec(cli, "alpha", "tenant.setConfig", #"{"key":"teamAName","value":{"text":"Reds"}}"#)
        _ = try exec(cli, "alpha", "tenant.setConfig", #"{"key":"teamBName","value":{"text":"Blues"}}"#)
        _ = try exec(
            cli, "alpha", "season.define", #"{"name":"2025/26","startDate":"2025-08-01","endDate":"2026-05-31"}"#)
        let a = try #require(try exec(cli, "alpha", "player.register", #"{"name":"Ana"}"#)["playerId"])
        let b = try #require(try exec(cli, "alpha", "player.register", #"{"name":"Ben"}"#)["playerId"])
        _ = try exec(
            cli, "alpha", "match.record",
            #"{"date":"2025-09-01","teamA":{"players":["\#(a)"],"score":2},"#
                + #""teamB":{"players":["\#(b)"],"score":0},"goals":[]}"#
        )
        let project = try #require(try exec(cli, "alpha", "project.create", #"{"name":"App"}"#)["projectId"])
        var notes: [String] = []
        var firstNote = 0
        for i in 1...3 {
            let created = try result(
                cli, "alpha", "note.create", #"{"projectId":"\#(project)","title":"Note \#(i)","body":"Body, \#(i)"}"#)
            notes.append(try #require((created["ids"] as? [String: String])?["noteId"]))
            if i == 1 { firstNote = try #require((created["positions"] as? [Int])?.first) }
        }
        let post = try #require(
            try exec(cli, "alpha", "blog.publish", #"{"projectId":"\#(project)","title":"Post","body":"Hello"}"#)[
                "postId"])
        for i in 1...3 {
            _ = try exec(
                cli, "alpha", "knowledge.record",
                #"{"projectId":"\#(project)","kind":"memoryEntry","content":"memory \#(i)"}"#)
        }
        return Seeded(project: project, notes: notes, post: post, firstNote: firstNote)
    }

    func json(_ run: CLI.Run) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
    }

    @Test func seasonsAndModelsInEveryFormat() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        _ = try seed(cli)
        let seasons = try cli("query", "--tenant", "alpha", "seasons", "--format", "json")
        #expect(seasons.status == 0, "\(seasons.stderr)")
        let list = try #require(try json(seasons) as? [[String: Any]])
        #expect(list.count == 1)
        #expect(list.first?["name"] as? String == "2025/26")
        #expect(list.first?["matchCount"] as? Int == 1)
        let csv = try cli("query", "--tenant", "alpha", "seasons", "--format", "csv").stdout.split(separator: "\n")
        #expect(csv.first == "id,name,start,end,matches")
        #expect(csv.last?.hasSuffix(",2025/26,2025-08-01,2026-05-31,1") == true)
        #expect(
            try cli("query", "--tenant", "alpha", "seasons", "--format", "jsonl").stdout.split(separator: "\n").count
                == 1)
        #expect(try cli("query", "--tenant", "alpha", "seasons").stdout.contains("2025/26"))
        #expect(
            try cli("query", "--tenant", "alpha", "seasons", "--as-of", "1", "--format", "json").stdout.hasPrefix("[]"))
        #expect(try cli("query", "--tenant", "beta", "seasons", "--format", "json").stdout.hasPrefix("[]"))

        _ = try exec(
            cli, "alpha", "tenant.setModelPreference", #"{"feature":"refactor","provider":"openai","model":"gpt-5"}"#)
        let models = try cli("query", "--tenant", "alpha", "models", "--format", "csv")
        #expect(models.status == 0, "\(models.stderr)")
        let rows = models.stdout.split(separator: "\n")
        #expect(rows.first == "feature,provider,model,name,source")
        #expect(rows.contains("refactor,openai,gpt-5,GPT-5,preference"))
        #expect(rows.contains { $0.hasPrefix("enrichment,") && $0.hasSuffix(",catalogDefault") })
        let object = try #require(
            try json(try cli("query", "--tenant", "alpha", "models", "--format", "json")) as? [String: Any])
        #expect((object["features"] as? [Any])?.count == 4)
        let catalog = try cli("query", "--tenant", "alpha", "models", "--catalog")
        #expect(catalog.stdout.contains("claude-opus-4-6") && catalog.stdout.contains("refactor"))
        #expect(try cli("query", "--tenant", "beta", "models").stdout.contains("preference") == false)
    }

    @Test func notesPostsAndKnowledgeComePageByPageAndOneReadsInFull() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let s = try seed(cli)
        let page = try #require(
            try json(try cli("query", "--tenant", "alpha", "notes", s.project, "--limit", "2", "--format", "json"))
                as? [String: Any])
        #expect(page["total"] as? Int == 3)
        #expect(page["nextOffset"] as? Int == 2)
        #expect((page["items"] as? [[String: Any]])?.compactMap { $0["noteId"] as? String } == Array(s.notes.prefix(2)))
        let table = try cli("query", "--tenant", "alpha", "notes", s.project, "--limit", "2")
        #expect(table.stdout.contains("Note 1") && !table.stdout.contains("Note 3"))
        #expect(table.stdout.contains("items 1-2 of 3; next page: --offset 2"))
        let csv = try cli("query", "--tenant", "alpha", "notes", s.project, "--offset", "2", "--format", "csv")
        #expect(csv.stdout.split(separator: "\n").count == 2, "a header and the last note: \(csv.stdout)")
        #expect(csv.stderr.contains("items 3-3 of 3"))
        let jsonl = try cli("query", "--tenant", "alpha", "notes", s.project, "--format", "jsonl")
        #expect(jsonl.stdout.split(separator: "\n").count == 3)

        let note = try cli("query", "--tenant", "alpha", "note", s.notes[1], "--format", "csv")
        #expect(note.stdout.contains("body,\"Body, 2\""), "\(note.stdout)")
        let noteJSON = try #require(
            try json(try cli("query", "--tenant", "alpha", "note", s.notes[1], "--format", "json")) as? [String: Any])
        #expect(noteJSON["title"] as? String == "Note 2")

        let posts = try #require(
            try json(try cli("query", "--tenant", "alpha", "posts", s.project, "--format", "json")) as? [String: Any])
        #expect(posts["total"] as? Int == 1)
        #expect(posts["nextOffset"] is NSNull)
        #expect(try cli("query", "--tenant", "alpha", "post", s.post).stdout.contains("Hello"))

        let knowledge = try cli(
            "query", "--tenant", "alpha", "knowledge", s.project, "--kind", "memoryEntry", "--limit", "1", "--format",
            "csv")
        #expect(knowledge.status == 0, "\(knowledge.stderr)")
        #expect(knowledge.stdout.contains("memory 3") && !knowledge.stdout.contains("memory 2"))
        #expect(knowledge.stderr.contains("next page: --offset 1"))

        let context = try #require(
            try json(
                try cli(
                    "query", "--tenant", "alpha", "note-context", s.notes[0], "--limit-per-kind", "2",
                    "--format", "json")) as? [String: Any])
        #expect((context["memoryEntries"] as? [Any])?.count == 2)
        #expect((context["leftOut"] as? [String: Any])?["memoryEntry"] as? Int == 1)
        let contextTable = try cli("query", "--tenant", "alpha", "note-context", s.notes[0], "--limit-per-kind", "2")
        #expect(contextTable.stdout.contains("1 older memoryEntry"), "\(contextTable.stdout)")
        #expect(
            try cli("query", "--tenant", "alpha", "note-context", s.notes[0]).stdout.contains(
                "all entries included (limit 20 per kind)"))

        let then = try cli(
            "query", "--tenant", "alpha", "notes", s.project, "--as-of", String(s.firstNote), "--format", "json")
        let before = try #require(try json(then) as? [String: Any])
        #expect(before["total"] as? Int == 1, "one note at the first note's position")
    }

    @Test func anotherTenantsIdsAreNotFoundAndBadParametersAreNamed() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let s = try seed(cli)
        let snapshot = try cli.snapshot()
        for arguments in [
            ["notes", s.project], ["note", s.notes[0]], ["posts", s.project], ["post", s.post],
            ["knowledge", s.project],
        ] {
            let run = try cli.run(["query", "--tenant", "beta"] + arguments + ["--data", cli.data])
            #expect(run.status == 2, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains("not found"), "\(arguments): \(run.stderr)")
        }
        for (arguments, named) in [
            (["notes", s.project, "--limit", "0"], "--limit"), (["posts", s.project, "--limit", "501"], "--limit"),
            (["notes", s.project, "--offset=-1"], "--offset"),
            (["knowledge", s.project, "--kind", "gossip"], "--kind"),
            (["note-context", s.notes[0], "--limit-per-kind", "0"], "--limit-per-kind"),
            (["note", "not-a-uuid"], "note id"),
        ] {
            let run = try cli.run(["query", "--tenant", "alpha"] + arguments + ["--data", cli.data])
            #expect(run.status == 1, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains(named), "\(arguments): \(run.stderr)")
        }
        let kind = try cli("query", "--tenant", "alpha", "knowledge", s.project, "--kind", "gossip")
        #expect(kind.stderr.contains("codePattern"), "the known kinds are listed: \(kind.stderr)")
        #expect(try cli.snapshot() == snapshot)
    }
}

/// `bulkhead demo` shows the read models and a maintenance pass.
@Suite struct DemoReadModelTests {
    @Test func theDemoShowsSeasonsNotesPostsModelsAndWhatMaintenanceExpired() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let run = try cli("demo")
        #expect(run.status == 0, "\(run.stderr)")
        for text in [
            "seasons (the year picker, from data): 2024 (2024-01-01...2024-12-31, 70 matches)",
            "== Notes of CodeMCP", "items 1-2 of 3; next page: --offset 2",
            "'Debugging the fabric': A multi-tenant odyssey.",
            "older left out", "enrichment    anthropic/claude-sonnet-4-6", "refactor      anthropic/claude-opus-4-6",
            "catalogDefault", "== Maintenance", "as system:maintenance",
        ] {
            #expect(run.stdout.contains(text), "missing: \(text)")
        }
        let maintenance = run.stdout.components(separatedBy: "== Maintenance").last ?? ""
        #expect(maintenance.contains("codemcp-labs   expired runs ["), "\(maintenance)")
        #expect(maintenance.contains("capo-fc        nothing due"), "\(maintenance)")
        let again = try cli("demo")
        #expect(again.status == 0, "\(again.stderr)")
        let second = again.stdout.components(separatedBy: "== Maintenance").last ?? ""
        #expect(!second.contains("expired runs ["), "nothing is due the second time: \(second)")
    }
}
