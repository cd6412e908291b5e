import BulkheadCore
import Domain
import Foundation

/// The read models the teams' screens list and open: seasons, a project's notes, posts and
/// knowledge (paginated, see ``PageRequest``), one note or post, and the models of each feature.
/// Every query reads only this tenant's projections: another tenant's id is ``QueryNotFound``.
extension TenantView {
    /// The tenant's seasons by start date, each with its number of matches (the year picker).
    public func seasonSummaries() throws -> [SeasonSummary] {
        let matches = try store("matches")
        return try seasons().map { season in
            let count = try matches.keys(prefix: MatchProjector.seasonMatches(season.seasonId)).count
            return SeasonSummary(
                seasonId: season.seasonId, name: season.name, startDate: season.startDate,
                endDate: season.endDate, matchCount: count)
        }
    }

    /// A page of a project's notes, oldest first (then by id).
    /// - Throws: ``QueryNotFound`` when the project is not this tenant's or is deleted.
    public func notes(project id: UUID, page: PageRequest) throws -> Page<NoteSummary> {
        _ = try requireProject(id)
        let all = try notes(project: id).sorted {
            ($0.createdAt, $0.noteId.uuidString) < ($1.createdAt, $1.noteId.uuidString)
        }
        return page.slice(
            all.map {
                NoteSummary(noteId: $0.noteId, projectId: $0.projectId, title: $0.title, createdAt: $0.createdAt)
            })
    }

    /// One note with its title, body and date.
    /// - Throws: ``QueryNotFound`` when the note is not this tenant's or its project is deleted.
    public func requireNote(_ id: UUID) throws -> NoteRecord {
        guard let note = try note(id), try project(note.projectId) != nil else {
            throw QueryNotFound(entity: "note", id: id.lowercased, known: [])
        }
        return note
    }

    /// A page of a project's blog posts that are not deleted, oldest first (then by id).
    /// - Throws: ``QueryNotFound`` when the project is not this tenant's or is deleted.
    public func posts(project id: UUID, page: PageRequest) throws -> Page<PostSummary> {
        _ = try requireProject(id)
        let posts = try store("projects").keys(prefix: Key("B", .uuid(id))).compactMap { key in
            try key.uuid(at: 17).flatMap { try blogPost($0) }
        }
        let sorted = posts.sorted { ($0.publishedAt, $0.postId.uuidString) < ($1.publishedAt, $1.postId.uuidString) }
        return page.slice(
            sorted.map {
                PostSummary(
                    postId: $0.postId, projectId: $0.projectId, title: $0.title, publishedAt: $0.publishedAt,
                    updatedAt: $0.updatedAt)
            })
    }

    /// One blog post with its title, body and dates.
    /// - Throws: ``QueryNotFound`` when the post is not this tenant's, is deleted, or its project is.
    public func requirePost(_ id: UUID) throws -> BlogPostRecord {
        guard let post = try blogPost(id), try project(post.projectId) != nil else {
            throw QueryNotFound(entity: "blog post", id: id.lowercased, known: [])
        }
        return post
    }

    /// A page of a project's knowledge entries, of one kind or of all, newest first (then by id):
    /// the order of the note context, so its left-out entries are the next pages here.
    /// - Throws: ``QueryNotFound`` when the project is not this tenant's or is deleted.
    public func knowledge(project id: UUID, kind: KnowledgeKind?, page: PageRequest) throws -> Page<KnowledgeRecord> {
        _ = try requireProject(id)
        let kinds = kind.map { [$0] } ?? KnowledgeKind.allCases
        var entries: [KnowledgeRecord] = []
        for kind in kinds { entries += try knowledgeEntries(project: id, kind: kind) }
        return page.slice(entries.sorted(by: Self.newestFirst))
    }

    /// A project's entries of one kind, unordered.
    func knowledgeEntries(project id: UUID, kind: KnowledgeKind) throws -> [KnowledgeRecord] {
        try store("projects").keys(prefix: ProjectProjector.projectKnowledge(id, kind)).compactMap { key in
            try key.uuid(at: 18).flatMap { try knowledge($0) }
        }
    }

    /// Newest first, then by id: a total order, so pages neither repeat nor skip entries.
    static func newestFirst(_ a: KnowledgeRecord, _ b: KnowledgeRecord) -> Bool {
        if a.recordedAt != b.recordedAt { return a.recordedAt > b.recordedAt }
        return a.entryId.precedes(b.entryId)
    }

    /// The model catalog and the effective model of every feature: the tenant's preference, or
    /// the catalog's default for the feature.
    /// - Throws: ``ModelCatalogError`` when the catalog lacks a default for a feature (a build
    ///   error that a test rules out), rather than inventing one.
    public func models() throws -> ModelsReadModel {
        let catalog = ModelCatalog.current
        let preferences = try modelPreferences()
        let features = try ModelFeature.allCases.map { feature in
            if let preference = preferences.first(where: { $0.feature == feature }) {
                let name = catalog.model(provider: preference.provider, id: preference.model)?.displayName
                return EffectiveModel(
                    feature: feature, provider: preference.provider, model: preference.model,
                    displayName: name, source: .preference)
            }
            guard let fallback = catalog.featureDefault(feature) else {
                throw ModelCatalogError(message: "the model catalog has no default for feature \(feature.rawValue)")
            }
            let name = catalog.model(provider: fallback.provider, id: fallback.model)?.displayName
            return EffectiveModel(
                feature: feature, provider: fallback.provider, model: fallback.model,
                displayName: name, source: .catalogDefault)
        }
        return ModelsReadModel(features: features, catalog: catalog)
    }
}
