import BulkheadCore
import Domain
import Foundation
import Projections
import Testing

@Suite struct ProjectCommandTests {
    @Test func secondUserOfTheSameTenantUpdatesAndDeletesTheFirstUsersProject() throws {
        let h = try Harness()
        try h.run(AddUser(email: "oliver.baer@example.com", displayName: "Oliver"))
        try h.run(AddUser(email: "oliver.baer+ckbnyx@example.com", displayName: "Oliver (alias)"))
        let id = try #require(try h.run(CreateProject(name: "CodeMCP"), actor: "oliver.baer@example.com").ids["projectId"])
        try h.run(UpdateProject(projectId: id, name: "CodeMCP 2"), actor: "oliver.baer+ckbnyx@example.com")
        try h.run(CreateNote(projectId: id, title: "Import", body: "works"), actor: "oliver.baer+ckbnyx@example.com")
        #expect(try h.view { try $0.project(id)?.name } == "CodeMCP 2")
        #expect(try h.view { try $0.project(id)?.createdBy } == "oliver.baer@example.com")
        try h.run(DeleteProject(projectId: id), actor: "oliver.baer+ckbnyx@example.com")
        #expect(try h.view { try $0.project(id) } == nil)
    }

    @Test func anotherTenantsProjectIsNotFoundExactlyLikeAnUnknownId() throws {
        let h = try Harness(tenants: ["alpha", "beta"])
        let betaProject = try h.project("beta")
        let unknown = UUID()
        for id in [betaProject, unknown] {
            try h.expectRefusal(.notFound(entity: "project", id: id.lowercased)) {
                try h.run(UpdateProject(projectId: id, name: "stolen"), "alpha")
            }
            try h.expectRefusal(.notFound(entity: "project", id: id.lowercased)) {
                try h.run(CreateNote(projectId: id, title: "t", body: "b"), "alpha")
            }
        }
        #expect(try h.view("beta") { try $0.project(betaProject)?.name } == "CodeMCP")
    }

    @Test(arguments: [
        ("", ""), ("/", ""), ("src", "src"), ("/src/app/", "src/app"), ("src/app", "src/app"),
    ])
    func scanPathIsNormalised(input: String, stored: String) throws {
        let h = try Harness()
        let id = try #require(try h.run(CreateProject(name: "P", scanPath: input)).ids["projectId"])
        #expect(try h.view { try $0.project(id)?.scanPath } == stored)
    }

    @Test(arguments: ["src/../etc", "./src", "src//app", "a/./b"])
    func scanPathWithDotSegmentsOrEmptySegmentsIsRefused(input: String) throws {
        let h = try Harness()
        let id = try h.project()
        let before = try h.fingerprint()
        #expect(throws: CommandError.self) { try h.run(UpdateProject(projectId: id, scanPath: input)) }
        #expect(try h.fingerprint() == before)
    }

    @Test func projectStateCountsSourcesNotesPostsAndEveryKnowledgeKind() throws {
        let h = try Harness()
        let id = try h.project()
        try h.run(ImportSource(projectId: id, repository: "example/codemcp", path: "/packages/core/"))
        try h.run(CreateNote(projectId: id, title: "n1", body: "b"))
        let post = try #require(try h.run(PublishBlogPost(projectId: id, title: "t", body: "b")).ids["postId"])
        try h.run(PublishBlogPost(projectId: id, title: "t2", body: "b"))
        try h.run(DeleteBlogPost(postId: post))
        for (n, kind) in KnowledgeKind.allCases.enumerated() {
            for i in 0...n { try h.run(RecordKnowledge(projectId: id, kind: kind, content: "\(kind) \(i)")) }
        }
        let project = try #require(try h.view { try $0.project(id) })
        #expect(project.sources.map(\.path) == ["packages/core"])
        #expect(project.noteCount == 1)
        #expect(project.blogPostCount == 1)
        #expect(KnowledgeKind.allCases.map { project.knowledge[$0] } == [1, 2, 3, 4])
    }

    @Test func enrichmentContextOfANoteDrawsOnAllFourKnowledgeKinds() throws {
        let h = try Harness()
        let id = try h.project()
        let other = try h.project(name: "Other")
        for kind in KnowledgeKind.allCases {
            try h.run(RecordKnowledge(projectId: id, kind: kind, content: "\(kind.rawValue) of CodeMCP"))
            try h.run(RecordKnowledge(projectId: other, kind: kind, content: "\(kind.rawValue) of Other"))
        }
        let note = try #require(try h.run(CreateNote(projectId: id, title: "Enrich me", body: "text")).ids["noteId"])
        let context = try h.view { try $0.enrichmentContext(note: note) }
        for kind in KnowledgeKind.allCases {
            #expect(context.entries(kind).map(\.content) == ["\(kind.rawValue) of CodeMCP"], "missing or foreign \(kind.rawValue) entries")
        }
    }

    @Test func modelPreferenceMustBeInTheCatalog() throws {
        let h = try Harness()
        try h.run(SetModelPreference(feature: .enrichment, provider: "anthropic", model: "claude-sonnet-4-6"))
        try h.expectRefusal(.invalid(field: "model", reason: "'gpt-9' is not in the model catalog (known openai models: gpt-5, gpt-5-mini, o3, o4-mini, gpt-4.1, gpt-4.1-mini, gpt-4.1-nano)")) {
            try h.run(SetModelPreference(feature: .refactor, provider: "openai", model: "gpt-9"))
        }
        #expect(try h.view { try $0.modelPreferences() }.map(\.model) == ["claude-sonnet-4-6"])
    }

    @Test func apiKeyIsShownOnceAndStoredOnlyAsItsHash() throws {
        let h = try Harness()
        let outcome = try h.run(IssueAPIKey(label: "ci"))
        let secret = try #require(outcome.secret)
        #expect(secret.hasPrefix("bk_"))
        let keys = try h.view { try $0.apiKeys() }
        #expect(keys.map(\.keyHash) == [APIKeys.hash(secret)])
        let record = try #require(try h.data.catalog.apiKey(hash: APIKeys.hashBytes(secret)))
        #expect(record.tenant == (try h.tenant("alpha")))
        #expect(!record.revoked)
        // The key's text appears in no stored file.
        for (_, bytes) in try h.fingerprint() {
            #expect(bytes.range(of: Data(secret.utf8)) == nil)
        }
        try h.run(RevokeAPIKey(keyId: try #require(outcome.ids["keyId"])))
        #expect(try h.data.catalog.apiKey(hash: APIKeys.hashBytes(secret))?.revoked == true)
    }
}
