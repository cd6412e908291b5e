import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Service

/// The read models of the teams' screens over HTTP: seasons, a project's notes, posts and
/// knowledge (paginated), one note or post, the note context's limit per kind, and the models of
/// each feature; tenant-bound, with `asOf`, bad parameters refused by name, and in the contract.
@Suite struct ReadModelHTTPTests {
    /// The statuses of the read-model routes (merged into ``OpenAPITests/statuses``).
    static let statuses: [String: [Int]] = {
        let read = [200, 400, 401, 500]
        let byID = [200, 400, 401, 404, 500]
        return [
            "GET /v1/seasons": read,
            "GET /v1/projects/{id}/notes": byID,
            "GET /v1/notes/{id}": byID,
            "GET /v1/projects/{id}/posts": byID,
            "GET /v1/posts/{id}": byID,
            "GET /v1/projects/{id}/knowledge": byID,
            "GET /v1/models": read,
        ]
    }()

    /// The isolation check of each read-model route (merged into ``IsolationTests/checks``): B's
    /// ids with A's key are 404 like ids that never existed, and A's lists show nothing of B.
    static let isolationChecks: [String: IsolationTests.Check] = [
        "GET /v1/seasons": { client, world in
            let reply = try await client.call(.get, "/v1/seasons", key: world.alpha.key)
            #expect(reply.status == 200)
            try expectNothingOf(world.beta, in: reply)
        },
        "GET /v1/models": { client, world in
            try world.run(
                world.beta.tenant, "tenant.setModelPreference",
                #"{"feature":"refactor","provider":"openai","model":"o3"}"#)
            let reply = try await client.call(.get, "/v1/models", key: world.alpha.key)
            #expect(reply.status == 200)
            #expect(!reply.text.contains("\"preference\""), "B's preference is not A's")
            try expectNothingOf(world.beta, in: reply)
        },
        "GET /v1/projects/{id}/notes": { client, world in
            try await expectSame404(client, world, .get, { "/v1/projects/\($0)/notes" }, theirs: world.beta.projectID)
        },
        "GET /v1/projects/{id}/posts": { client, world in
            try await expectSame404(client, world, .get, { "/v1/projects/\($0)/posts" }, theirs: world.beta.projectID)
        },
        "GET /v1/projects/{id}/knowledge": { client, world in
            try await expectSame404(
                client, world, .get, { "/v1/projects/\($0)/knowledge" }, theirs: world.beta.projectID)
        },
        "GET /v1/notes/{id}": { client, world in
            try await expectSame404(client, world, .get, { "/v1/notes/\($0)" }, theirs: world.beta.noteID)
        },
        "GET /v1/posts/{id}": { client, world in
            let b = world.beta
            let body = #"{"projectId":"\#(b.projectID.lower)","title":"B's post","body":"b"}"#
            let post = try #require(try world.run(b.tenant, "blog.publish", body).ids["postId"])
            try await expectSame404(client, world, .get, { "/v1/posts/\($0)" }, theirs: post)
        },
    ]

    /// Alpha's project gets three more notes, two posts (one deleted) and three memory entries.
    struct Extra {
        let notes: [String]
        let post: String
        let deletedPost: String
    }

    func addContent(_ world: ServiceWorld) throws -> Extra {
        let a = world.alpha
        let p = a.projectID.lower
        var notes = [a.noteID.lower]
        for i in 1...3 {
            world.clock.advance(by: 60)
            let id = try #require(
                try world.run(
                    a.tenant, "note.create", #"{"projectId":"\#(p)","title":"Note \#(i)","body":"Body \#(i)"}"#
                ).ids["noteId"])
            notes.append(id.lower)
        }
        let post = try #require(
            try world.run(a.tenant, "blog.publish", #"{"projectId":"\#(p)","title":"Kept","body":"Stays"}"#).ids[
                "postId"])
        let gone = try #require(
            try world.run(a.tenant, "blog.publish", #"{"projectId":"\#(p)","title":"Gone","body":"Goes"}"#).ids[
                "postId"])
        try world.run(a.tenant, "blog.delete", #"{"postId":"\#(gone.lower)"}"#)
        for i in 1...3 {
            world.clock.advance(by: 60)
            try world.run(
                a.tenant, "knowledge.record", #"{"projectId":"\#(p)","kind":"memoryEntry","content":"memory \#(i)"}"#)
        }
        return Extra(notes: notes, post: post.lower, deletedPost: gone.lower)
    }

    @Test func seasonsNotesPostsAndKnowledgeAnswerPageByPage() async throws {
        let world = try ServiceWorld()
        let a = world.alpha
        let extra = try addContent(world)
        let p = a.projectID.lower
        try await world.app().test(.router) { client in
            let seasons = try await client.call(.get, "/v1/seasons", key: a.key)
            let season = try #require(seasons.array.first as? [String: Any])
            #expect(seasons.array.count == 1)
            #expect(season["name"] as? String == a.seasonName)
            #expect(season["matchCount"] as? Int == 1)
            #expect(season["startDate"] as? String == "2026-08-01")

            let first = try await client.call(.get, "/v1/projects/\(p)/notes?limit=3", key: a.key)
            #expect(first.status == 200)
            #expect(first.object["total"] as? Int == 4)
            #expect(first.object["nextOffset"] as? Int == 3)
            let firstItems = try #require(first.object["items"] as? [[String: Any]])
            #expect(firstItems.compactMap { $0["noteId"] as? String } == Array(extra.notes.prefix(3)), "oldest first")
            #expect(firstItems.allSatisfy { $0["body"] == nil }, "the list carries no bodies")
            let last = try await client.call(.get, "/v1/projects/\(p)/notes?limit=3&offset=3", key: a.key)
            #expect(
                (last.object["items"] as? [[String: Any]])?.compactMap { $0["noteId"] as? String } == [extra.notes[3]])
            #expect(last.object["nextOffset"] is NSNull, "the last page says there is no next one")
            let byDefault = try await client.call(.get, "/v1/projects/\(p)/notes", key: a.key)
            #expect(byDefault.object["limit"] as? Int == 50)

            let note = try await client.call(.get, "/v1/notes/\(extra.notes[2])", key: a.key)
            #expect(note.object["title"] as? String == "Note 2")
            #expect(note.object["body"] as? String == "Body 2")
            #expect(note.object["createdAt"] as? String != nil)

            let posts = try await client.call(.get, "/v1/projects/\(p)/posts", key: a.key)
            #expect(posts.object["total"] as? Int == 1, "a deleted post is not listed")
            #expect((posts.object["items"] as? [[String: Any]])?.first?["postId"] as? String == extra.post)
            let post = try await client.call(.get, "/v1/posts/\(extra.post)", key: a.key)
            #expect(post.object["body"] as? String == "Stays")
            #expect(post.object["updatedAt"] as? String != nil)
            #expect(try await client.call(.get, "/v1/posts/\(extra.deletedPost)", key: a.key).status == 404)

            let all = try await client.call(.get, "/v1/projects/\(p)/knowledge", key: a.key)
            #expect(all.object["total"] as? Int == 4)
            let memory = try await client.call(.get, "/v1/projects/\(p)/knowledge?kind=memoryEntry&limit=2", key: a.key)
            let entries = try #require(memory.object["items"] as? [[String: Any]])
            #expect(entries.compactMap { $0["content"] as? String } == ["memory 3", "memory 2"], "newest first")
            #expect(memory.object["total"] as? Int == 3)
            #expect(memory.object["nextOffset"] as? Int == 2)
        }
    }

    @Test func theNoteContextTakesALimitPerKindAndSaysWhatItLeftOut() async throws {
        let world = try ServiceWorld()
        let a = world.alpha
        _ = try addContent(world)
        try await world.app().test(.router) { client in
            let limited = try await client.call(.get, "/v1/notes/\(a.noteID.lower)/context?limitPerKind=2", key: a.key)
            #expect(limited.status == 200)
            #expect(
                (limited.object["memoryEntries"] as? [[String: Any]])?.compactMap { $0["content"] as? String } == [
                    "memory 3", "memory 2",
                ])
            #expect(limited.object["limitPerKind"] as? Int == 2)
            let leftOut = try #require(limited.object["leftOut"] as? [String: Int])
            #expect(leftOut == ["codePattern": 0, "memoryEntry": 1, "workflowInsight": 0, "consolidationPattern": 0])
            let byDefault = try await client.call(.get, "/v1/notes/\(a.noteID.lower)/context", key: a.key)
            #expect(byDefault.object["limitPerKind"] as? Int == 20)
            #expect((byDefault.object["leftOut"] as? [String: Int])?["memoryEntry"] == 0)
        }
    }

    @Test func theModelsSayWhichFeatureUsesTheTenantsPreferenceAndWhichTheCatalogsDefault() async throws {
        let world = try ServiceWorld()
        let a = world.alpha
        try world.run(
            a.tenant, "tenant.setModelPreference", #"{"feature":"enrichment","provider":"openai","model":"o3"}"#)
        try await world.app().test(.router) { client in
            let models = try await client.call(.get, "/v1/models", key: a.key)
            #expect(models.status == 200)
            let features = try #require(models.object["features"] as? [[String: Any]])
            let byFeature = Dictionary(
                uniqueKeysWithValues: features.compactMap { f in (f["feature"] as? String).map { ($0, f) } })
            #expect(byFeature["enrichment"]?["model"] as? String == "o3")
            #expect(byFeature["enrichment"]?["source"] as? String == "preference")
            #expect(byFeature["refactor"]?["source"] as? String == "catalogDefault")
            #expect(byFeature["refactor"]?["model"] as? String == "claude-opus-4-6")
            #expect(features.count == 4)
            let catalog = try #require(models.object["catalog"] as? [String: Any])
            #expect((catalog["featureDefaults"] as? [Any])?.count == 4)
            // The other tenant set no preference: every feature is the catalog's default there.
            let beta = try await client.call(.get, "/v1/models", key: world.beta.key)
            let betaSources = (beta.object["features"] as? [[String: Any]])?.compactMap { $0["source"] as? String }
            #expect(betaSources == Array(repeating: "catalogDefault", count: 4))
        }
    }

    @Test func anotherTenantsIdsAreNotFoundAndAsOfAnswersFromTheLog() async throws {
        let world = try ServiceWorld()
        let a = world.alpha
        let b = world.beta
        let before = try world.head(a.tenant)
        let extra = try addContent(world)
        let betaPost = try #require(
            try world.run(b.tenant, "blog.publish", #"{"projectId":"\#(b.projectID.lower)","title":"B","body":"b"}"#)
                .ids["postId"])
        try await world.app().test(.router) { client in
            for uri in [
                "/v1/projects/\(b.projectID.lower)/notes", "/v1/notes/\(b.noteID.lower)",
                "/v1/projects/\(b.projectID.lower)/posts",
                "/v1/posts/\(betaPost.lower)", "/v1/projects/\(b.projectID.lower)/knowledge",
            ] {
                let reply = try await client.call(.get, uri, key: a.key)
                #expect(reply.status == 404, "\(uri)")
                #expect(reply.errorCode == "not_found", "\(uri)")
                #expect(!reply.text.contains(b.projectName), "\(uri)")
            }
            let then = try await client.call(.get, "/v1/projects/\(a.projectID.lower)/notes?asOf=\(before)", key: a.key)
            #expect(then.object["total"] as? Int == 1)
            let postThen = try await client.call(.get, "/v1/posts/\(extra.post)?asOf=\(before)", key: a.key)
            #expect(postThen.status == 404)
            let seasonsThen = try await client.call(.get, "/v1/seasons?asOf=1", key: a.key)
            #expect(seasonsThen.array.isEmpty)
        }
    }

    @Test func badParametersAreRefusedByNameAndTheStoreIsByteIdentical() async throws {
        let world = try ServiceWorld()
        let a = world.alpha
        let p = a.projectID.lower
        let before = try world.fingerprint(a.tenant)
        try await world.app().test(.router) { client in
            for (uri, field) in [
                ("/v1/projects/\(p)/notes?limit=0", "limit"), ("/v1/projects/\(p)/notes?limit=501", "limit"),
                ("/v1/projects/\(p)/posts?limit=ten", "limit"), ("/v1/projects/\(p)/posts?offset=-1", "offset"),
                ("/v1/projects/\(p)/knowledge?kind=gossip", "kind"),
                ("/v1/projects/\(p)/knowledge?offset=x", "offset"),
                ("/v1/notes/\(a.noteID.lower)/context?limitPerKind=0", "limitPerKind"),
                ("/v1/notes/\(a.noteID.lower)/context?limitPerKind=many", "limitPerKind"),
                ("/v1/notes/not-a-uuid", "id"), ("/v1/posts/nope", "id"),
            ] {
                let reply = try await client.call(.get, uri, key: a.key)
                #expect(reply.status == 400, "\(uri): \(reply.text)")
                #expect(reply.errorField == field, "\(uri): \(reply.text)")
                #expect(reply.errorMessage?.contains(field) == true, "\(uri): \(reply.text)")
            }
            let kind = try await client.call(.get, "/v1/projects/\(p)/knowledge?kind=gossip", key: a.key)
            #expect(kind.errorMessage?.contains("codePattern") == true, "the known kinds are listed")
        }
        #expect(try world.fingerprint(a.tenant) == before)
    }

    @Test func everyReadModelAnswerMatchesTheContract() async throws {
        let world = try ServiceWorld()
        let a = world.alpha
        let extra = try addContent(world)
        let p = a.projectID.lower
        let recorder = try await world.app().test(.router) { client in
            let r = OpenAPITests.Recorder(client)
            let k = a.key
            let other = UUID().lower
            for (template, uri) in [("/v1/seasons", "/v1/seasons"), ("/v1/models", "/v1/models")] {
                try await r.call(.get, template, uri, key: k, expect: 200)
                try await r.call(.get, template, uri + "?asOf=3", key: k, expect: 200)
                try await r.call(.get, template, uri + "?asOf=never", key: k, expect: 400)
                try await r.call(.get, template, uri, key: nil, expect: 401)
            }
            for (template, uri) in [
                ("/v1/projects/{id}/notes", "/v1/projects/\(p)/notes?limit=2"),
                ("/v1/projects/{id}/posts", "/v1/projects/\(p)/posts"),
                ("/v1/projects/{id}/knowledge", "/v1/projects/\(p)/knowledge?kind=memoryEntry&limit=1&offset=1"),
            ] {
                try await r.call(.get, template, uri, key: k, expect: 200)
                try await r.call(.get, template, uri.replacingOccurrences(of: p, with: other), key: k, expect: 404)
                let path = uri.split(separator: "?")[0]
                try await r.call(.get, template, path + "?limit=0", key: k, expect: 400)
                try await r.call(.get, template, uri, key: nil, expect: 401)
            }
            try await r.call(.get, "/v1/projects/{id}/notes", "/v1/projects/\(p)/notes?offset=3", key: k, expect: 200)
            for (template, id) in [("/v1/notes/{id}", extra.notes[1]), ("/v1/posts/{id}", extra.post)] {
                let uri = template.replacingOccurrences(of: "{id}", with: id)
                try await r.call(.get, template, uri, key: k, expect: 200)
                try await r.call(.get, template, uri.replacingOccurrences(of: id, with: other), key: k, expect: 404)
                try await r.call(.get, template, uri.replacingOccurrences(of: id, with: "x"), key: k, expect: 400)
                try await r.call(.get, template, uri, key: nil, expect: 401)
            }
            let context = "/v1/notes/{id}/context"
            try await r.call(.get, context, "/v1/notes/\(a.noteID.lower)/context?limitPerKind=1", key: k, expect: 200)
            try await r.call(.get, context, "/v1/notes/\(a.noteID.lower)/context?limitPerKind=501", key: k, expect: 400)
            return r
        }
        // The routes and their statuses are checked by OpenAPITests (which merges ``statuses``).
        let document: [String: Any] = ["responses": recorder.observed.withLock { $0 }]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bulkhead-read-models-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]).write(to: file)
        let (status, output) = try OpenAPITests.runChecker(file)
        #expect(status == 0, "\(output)")
        #expect(output.split(separator: "\n").last?.hasSuffix(" 0 failed") == true, "\(output)")
    }
}
