import Foundation
import Testing

/// One canonical form in every output: UUIDs in lower case, and `query config` in the form of the
/// HTTP service's `GET /v1/config` (typed values, `null` for unset keys).
@Suite struct OutputFormTests {
    /// Every UUID-shaped text in `text`.
    static func uuids(in text: String) -> [String] {
        let pattern = /[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}/
        return text.matches(of: pattern).map { String($0.output) }
    }

    @Test func tenantCreateAndListPrintTheSameLowercaseId() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let created = try cli("tenant", "create", "alpha", "--name", "Alpha Labs", "--owner", "ana@alpha.example",
                              "--format", "json")
        #expect(created.status == 0, "\(created.stderr)")
        let record = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
        let id = try #require(record["id"] as? String)
        #expect(id == id.lowercased())
        for format in ["json", "jsonl"] {
            let list = try cli("tenant", "list", "--format", format)
            #expect(list.status == 0, "\(list.stderr)")
            #expect(Self.uuids(in: list.stdout) == [id], "tenant list --format \(format): \(list.stdout)")
        }
        let plain = try cli("tenant", "create", "beta", "--name", "Beta FC", "--owner", "eve@beta.example")
        let listed = try cli("tenant", "list", "--format", "csv")
        let second = plain.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Self.uuids(in: listed.stdout).sorted() == [id, second].sorted())
    }

    @Test func everyOutputPrintsUUIDsInLowerCase() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        #expect(
            try cli("tenant", "create", "alpha", "--name", "Alpha Labs", "--owner", "ana@alpha.example").status == 0)
        var outputs: [String] = []
        func exec(_ command: String, _ body: String) throws -> [String: String] {
            let run = try cli("exec", "--tenant", "alpha", "--actor", "ana@alpha.example", command, body,
                              "--format", "json")
            #expect(run.status == 0, "\(command): \(run.stderr)")
            outputs.append(run.stdout)
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            return object?["ids"] as? [String: String] ?? [:]
        }
        // Ids given in upper case come back in lower case.
        let user = #"{"userId":"3F2504E0-4F89-41D3-9A0C-0305E82C3301","#
        _ = try exec("tenant.addUser", user + #""email":"bo@alpha.example","displayName":"Bo"}"#)
        let created = try exec("project.create", #"{"name":"App","githubRepository":"alpha/app"}"#)
        let project = try #require(created["projectId"])
        _ = try exec("project.importSource", "{\"projectId\":\"\(project.uppercased())\",\"repository\":\"alpha/lib\"}")
        _ = try exec("note.create", "{\"projectId\":\"\(project)\",\"title\":\"n\",\"body\":\"b\"}")
        _ = try exec("analysis.request", "{\"projectId\":\"\(project)\",\"trigger\":\"manual\"}")
        _ = try exec("sync.start", "{\"projectId\":\"\(project)\"}")
        _ = try exec("tenant.issueApiKey", #"{"label":"CI"}"#)
        let queries: [[String]] = [
            ["projects"], ["project", project.uppercased()], ["users"], ["api-keys"], ["runs", project],
            ["syncs", project],
        ]
        for format in ["json", "jsonl", "csv", "table"] {
            for query in queries {
                let run = try cli.run(["query", "--tenant", "alpha"] + query + ["--format", format, "--data", cli.data])
                #expect(run.status == 0, "\(query): \(run.stderr)")
                outputs.append(run.stdout)
            }
            outputs.append(try cli("replay", "--tenant", "alpha", "--format", format).stdout)
            outputs.append(try cli("tenant", "list", "--format", format).stdout)
            outputs.append(try cli("stats", "--format", format).stdout)
        }
        let found = outputs.flatMap(Self.uuids(in:))
        #expect(found.count > 50)
        let upper = found.filter { $0 != $0.lowercased() }
        #expect(upper.isEmpty, "UUIDs printed in upper case: \(Set(upper).sorted())")
        #expect(found.contains("3f2504e0-4f89-41d3-9a0c-0305e82c3301"))
    }

    @Test func configAsJSONHasTypedValuesAndNullForUnsetKeysLikeTheHTTPAnswer() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        #expect(try cli("tenant", "create", "capo", "--name", "Capo FC", "--owner", "ana@capo.example").status == 0)
        for (command, body) in [
            ("tenant.setConfig", #"{"key":"teamAName","value":{"text":"Reds"}}"#),
            ("tenant.setConfig", #"{"key":"heavyWinThreshold","value":{"integer":4}}"#),
            ("tenant.setModelPreference", #"{"feature":"refactor","provider":"openai","model":"gpt-5"}"#),
        ] {
            let run = try cli("exec", "--tenant", "capo", "--actor", "ana@capo.example", command, body)
            #expect(run.status == 0, "\(command): \(run.stderr)")
        }
        let json = try cli("query", "--tenant", "capo", "config", "--format", "json")
        #expect(json.status == 0, "\(json.stderr)")
        // The exact bytes of `GET /v1/config` (EventCatalog.jsonEncoder: sorted keys).
        let expected = #"{"modelPreferences":[{"feature":"refactor","model":"gpt-5","provider":"openai"}],"#
            + #""values":[{"key":"teamAName","value":{"text":"Reds"}},{"key":"teamBName","value":null},"#
            + #"{"key":"heavyWinThreshold","value":{"integer":4}}]}"#
        #expect(json.stdout == expected + "\n")
        let jsonl = try cli("query", "--tenant", "capo", "config", "--format", "jsonl")
        #expect(jsonl.stdout == expected + "\n")
        let table = try cli("query", "--tenant", "capo", "config")
        #expect(table.stdout.contains("teamBName") && table.stdout.contains("(unset)"), "\(table.stdout)")
        #expect(table.stdout.contains("model.refactor") && table.stdout.contains("openai/gpt-5"), "\(table.stdout)")
    }

    /// A field with a comma, quote or line break is quoted, even when a combining mark follows the
    /// comma or quote, and a CRLF (one `Character`, neither "\r" nor "\n") counts as a break.
    @Test func csvQuotesEveryFieldHoldingACommaQuoteOrLineBreakByte() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        #expect(
            try cli("tenant", "create", "alpha", "--name", "Alpha Labs", "--owner", "ana@alpha.example").status == 0)
        func exec(_ command: String, _ body: String, id: String = "projectId") throws -> String? {
            let run = try cli("exec", "--tenant", "alpha", "--actor", "ana@alpha.example", command, body,
                              "--format", "json")
            #expect(run.status == 0, "\(command): \(run.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            return (object?["ids"] as? [String: String])?[id]
        }
        _ = try exec("project.create", #"{"name":"a,\u0301b"}"#)
        _ = try exec("project.create", #"{"name":"say \"\u0301hi\""}"#)
        let project = try #require(try exec("project.create", #"{"name":"plain"}"#))
        let sync = try #require(try exec("sync.start", "{\"projectId\":\"\(project)\"}", id: "syncId"))
        _ = try exec("sync.fail", "{\"syncId\":\"\(sync)\",\"reason\":\"disk\\r\\nfull\"}")
        let projects = Data(try cli("query", "--tenant", "alpha", "projects", "--format", "csv").stdout.utf8)
        #expect(projects.range(of: Data("\n\"a,\u{301}b\",".utf8)) == nil, "the id comes first")
        #expect(projects.range(of: Data(",\"a,\u{301}b\",".utf8)) != nil,
                "\(String(decoding: projects, as: UTF8.self))")
        #expect(projects.range(of: Data(",\"say \"\"\u{301}hi\"\"\",".utf8)) != nil,
                "\(String(decoding: projects, as: UTF8.self))")
        let note = try #require(try exec("note.create", "{\"projectId\":\"\(project)\",\"title\":\"t\",\"body\":\"b\"}",
                                          id: "noteId"))
        _ = try exec("knowledge.record",
                     "{\"projectId\":\"\(project)\",\"kind\":\"memoryEntry\",\"content\":\"one,\\r\\ntwo\"}")
        let context = try cli("query", "--tenant", "alpha", "note-context", note, "--format", "csv").stdout
        #expect(context == "kind,content\nmemoryEntry,\"one,\r\ntwo\"\n", "\(context.debugDescription)")
        let syncs = Data(try cli("query", "--tenant", "alpha", "syncs", project, "--format", "csv").stdout.utf8)
        #expect(syncs.range(of: Data(",\"disk\r\nfull\"\n".utf8)) != nil, "\(String(decoding: syncs, as: UTF8.self))")
    }
}
