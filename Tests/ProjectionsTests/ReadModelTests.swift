import BulkheadCore
import Domain
import EventLog
import Foundation
import Testing

@testable import Projections

/// One data directory with two tenants on a manual clock, for the read-model and rules tests.
final class ReadModelWorld {
    let path = NSTemporaryDirectory() + "bulkhead-read-models-\(UUID().uuidString)"
    let data: DataDirectory
    let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
    let engine: TenantEngine
    let alpha: TenantID
    let beta: TenantID

    init() throws {
        data = try DataDirectory(path: path)
        engine = TenantEngine(data: data, clock: clock)
        let owner = "ada@example.com"
        alpha = try engine.createTenant(slug: "alpha", name: "Alpha", owner: owner, ownerName: "Ada", at: clock.now)
            .record.id
        beta = try engine.createTenant(slug: "beta", name: "Beta", owner: owner, ownerName: "Ada", at: clock.now)
            .record.id
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func run(_ command: any Command, _ tenant: TenantID? = nil) throws -> CommandOutcome {
        try engine.execute(command, tenant: tenant ?? alpha, actor: "ada@example.com")
    }

    func id(_ command: any Command, _ name: String, _ tenant: TenantID? = nil) throws -> UUID {
        try #require(try run(command, tenant).ids[name])
    }

    func view<R>(_ tenant: TenantID? = nil, _ body: (TenantView) throws -> R) throws -> R {
        try engine.read(tenant: tenant ?? alpha, body)
    }
}

/// Seasons, a project's notes, posts and knowledge page by page, one note or post, the note
/// context's limit per kind, and each feature's effective model.
@Suite struct ReadModelTests {
    @Test func pageBoundsAreRefusedNamingTheParameter() throws {
        #expect(throws: InputError(field: "limit", reason: "must be 1 to 500, got 0")) {
            try PageRequest(limit: 0, offset: nil)
        }
        #expect(throws: InputError(field: "limit", reason: "must be 1 to 500, got 501")) {
            try PageRequest(limit: 501, offset: nil)
        }
        #expect(throws: InputError(field: "offset", reason: "must be 0 or more, got -1")) {
            try PageRequest(limit: nil, offset: -1)
        }
        #expect(throws: InputError(field: "limit", reason: "'x' is not a whole number")) {
            try PageRequest(limitText: "x", offsetText: nil)
        }
        #expect(throws: InputError.self) { try KnowledgeKind(parameter: "gossip", field: "kind") }
        let page = try PageRequest(limit: nil, offset: nil)
        #expect(page.limit == PageRequest.defaultLimit && page.offset == 0)
        // Past the end: an empty page that still says the total.
        let beyond = try PageRequest(limit: 2, offset: 9).slice([1, 2, 3])
        #expect(beyond == Page(items: [], total: 3, limit: 2, offset: 9, nextOffset: nil))
    }

    @Test func pagesOfNotesCoverEveryNoteOnceInOrderAndSayWhatIsNext() throws {
        let w = try ReadModelWorld()
        let project = try w.id(CreateProject(name: "P"), "projectId")
        var created: [UUID] = []
        for i in 0..<7 {
            // Two notes share each second: the order is still total (then by id).
            if i % 2 == 0 { w.clock.advance(by: 1) }
            created.append(try w.id(CreateNote(projectId: project, title: "N\(i)", body: "body \(i)"), "noteId"))
        }
        var seen: [UUID] = []
        var offset: Int? = 0
        while let next = offset {
            let page = try w.view { try $0.notes(project: project, page: try PageRequest(limit: 3, offset: next)) }
            #expect(page.total == 7)
            seen += page.items.map(\.noteId)
            offset = page.nextOffset
        }
        #expect(Set(seen) == Set(created) && seen.count == 7)
        let dates = try seen.map { id in try w.view { try $0.requireNote(id) }.createdAt }
        #expect(dates == dates.sorted(), "oldest first")
        let note = try w.view { try $0.requireNote(created[4]) }
        #expect(note.title == "N4" && note.body == "body 4")
    }

    @Test func postsListOnlyWhatIsPublishedAndAnotherTenantsIdsAreNotFound() throws {
        let w = try ReadModelWorld()
        let project = try w.id(CreateProject(name: "P"), "projectId")
        let kept = try w.id(PublishBlogPost(projectId: project, title: "Kept", body: "stays"), "postId")
        let gone = try w.id(PublishBlogPost(projectId: project, title: "Gone", body: "goes"), "postId")
        w.clock.advance(by: 60)
        try w.run(UpdateBlogPost(postId: kept, title: "Kept (edited)", body: "stays, edited"))
        try w.run(DeleteBlogPost(postId: gone))
        let page = try w.view { try $0.posts(project: project, page: .first) }
        #expect(page.items.map(\.postId) == [kept])
        #expect(page.items.first?.title == "Kept (edited)")
        let post = try w.view { try $0.requirePost(kept) }
        #expect(post.body == "stays, edited" && post.updatedAt > post.publishedAt)
        #expect(throws: QueryNotFound.self) { try w.view { try $0.requirePost(gone) } }
        // Beta's view knows none of alpha's ids.
        #expect(throws: QueryNotFound.self) { try w.view(w.beta) { try $0.requirePost(kept) } }
        #expect(throws: QueryNotFound.self) { try w.view(w.beta) { try $0.posts(project: project, page: .first) } }
        #expect(throws: QueryNotFound.self) {
            try w.view(w.beta) { try $0.knowledge(project: project, kind: nil, page: .first) }
        }
        let note = try w.id(CreateNote(projectId: project, title: "t", body: "b"), "noteId")
        #expect(throws: QueryNotFound.self) { try w.view(w.beta) { try $0.requireNote(note) } }
        // A deleted project's notes and posts are gone with it.
        try w.run(DeleteProject(projectId: project))
        #expect(throws: QueryNotFound.self) { try w.view { try $0.requireNote(note) } }
        #expect(throws: QueryNotFound.self) { try w.view { try $0.notes(project: project, page: .first) } }
    }

    @Test func theNoteContextKeepsTheNewestOfEachKindAndCountsWhatItLeftOut() throws {
        let w = try ReadModelWorld()
        let project = try w.id(CreateProject(name: "P"), "projectId")
        for i in 0..<25 {
            w.clock.advance(by: 1)
            try w.run(RecordKnowledge(projectId: project, kind: .memoryEntry, content: "memory \(i)"))
        }
        try w.run(RecordKnowledge(projectId: project, kind: .codePattern, content: "pattern"))
        let note = try w.id(CreateNote(projectId: project, title: "t", body: "b"), "noteId")
        let byDefault = try w.view { try $0.enrichmentContext(note: note) }
        #expect(byDefault.limitPerKind == 20)
        #expect(byDefault.memoryEntries.count == 20)
        #expect(byDefault.memoryEntries.first?.content == "memory 24")
        #expect(byDefault.leftOut.memoryEntry == 5 && byDefault.leftOut.codePattern == 0)
        let three = try w.view { try $0.enrichmentContext(note: note, limitPerKind: 3) }
        #expect(three.memoryEntries.map(\.content) == ["memory 24", "memory 23", "memory 22"])
        #expect(three.leftOut.memoryEntry == 22)
        // What was left out is the next page of the knowledge list, in the same order.
        let rest = try w.view {
            try $0.knowledge(project: project, kind: .memoryEntry, page: try PageRequest(limit: 3, offset: 3))
        }
        #expect(rest.items.map(\.content) == ["memory 21", "memory 20", "memory 19"])
        #expect(rest.total == 25)
        let all = try w.view { try $0.knowledge(project: project, kind: nil, page: .first) }
        #expect(all.total == 26)
        #expect(throws: InputError(field: "limitPerKind", reason: "must be 1 to 500, got 0")) {
            try w.view { try $0.enrichmentContext(note: note, limitPerKind: 0) }
        }
    }

    @Test func seasonsListTheirDatesAndTheMatchesStillCounted() throws {
        let w = try ReadModelWorld()
        #expect(try w.view { try $0.seasonSummaries() }.isEmpty)
        try w.run(SetConfig(key: .teamAName, value: .text("Reds")))
        try w.run(SetConfig(key: .teamBName, value: .text("Blues")))
        let later = try #require(LocalDate("2026-01-01"))
        let laterEnd = try #require(LocalDate("2026-12-31"))
        let earlier = try #require(LocalDate("2025-01-01"))
        let earlierEnd = try #require(LocalDate("2025-12-31"))
        try w.run(DefineSeason(name: "2026", startDate: later, endDate: laterEnd))
        try w.run(DefineSeason(name: "2025", startDate: earlier, endDate: earlierEnd))
        let a = try w.id(RegisterPlayer(name: "A"), "playerId")
        let b = try w.id(RegisterPlayer(name: "B"), "playerId")
        func match(_ day: String) throws -> UUID {
            try w.id(
                RecordMatch(
                    date: try #require(LocalDate(day)), teamA: TeamInput(players: [a], score: 1),
                    teamB: TeamInput(players: [b], score: 0), goals: []), "matchId")
        }
        _ = try match("2025-03-01")
        let deleted = try match("2026-03-01")
        _ = try match("2026-04-01")
        try w.run(DeleteMatch(matchId: deleted))
        let seasons = try w.view { try $0.seasonSummaries() }
        #expect(seasons.map(\.name) == ["2025", "2026"], "by start date, not by definition order")
        #expect(seasons.map(\.matchCount) == [1, 1])
        #expect(seasons.first?.startDate == earlier && seasons.first?.endDate == earlierEnd)
        #expect(try w.view(w.beta) { try $0.seasonSummaries() }.isEmpty, "no other tenant's seasons")
    }

    @Test func eachFeatureUsesTheTenantsPreferenceOrTheCatalogsDefault() throws {
        let w = try ReadModelWorld()
        try w.run(SetModelPreference(feature: .refactor, provider: "openai", model: "gpt-5"))
        let models = try w.view { try $0.models() }
        #expect(models.features.map(\.feature) == ModelFeature.allCases)
        let refactor = try #require(models.features.first { $0.feature == .refactor })
        #expect(refactor.source == .preference && refactor.model == "gpt-5" && refactor.displayName == "GPT-5")
        for effective in models.features where effective.feature != .refactor {
            let fallback = try #require(ModelCatalog.current.featureDefault(effective.feature))
            #expect(effective.source == .catalogDefault)
            #expect(effective.provider == fallback.provider && effective.model == fallback.model)
        }
        // Beta set nothing: the catalog's defaults, the same for every tenant.
        #expect(try w.view(w.beta) { try $0.models() }.features.allSatisfy { $0.source == .catalogDefault })
    }

    @Test func theCatalogHasOneDefaultModelPerFeatureAndEachIsInTheCatalog() {
        let catalog = ModelCatalog.current
        #expect(
            catalog.featureDefaults.map(\.feature).sorted { $0.rawValue < $1.rawValue }
                == ModelFeature.allCases.sorted { $0.rawValue < $1.rawValue })
        for fallback in catalog.featureDefaults {
            #expect(catalog.model(provider: fallback.provider, id: fallback.model) != nil, "\(fallback.feature)")
        }
    }
}
