import BulkheadCore
import Domain
import Foundation

/// A season as the year picker shows it: from the tenant's data, never a hard-coded list.
public struct SeasonSummary: Codable, Equatable, Sendable {
    /// The season.
    public var seasonId: UUID
    /// Its name, e.g. `2025/26`.
    public var name: String
    /// Its first day.
    public var startDate: LocalDate
    /// Its last day.
    public var endDate: LocalDate
    /// Matches recorded in it and not deleted.
    public var matchCount: Int
}

/// A note in a project's list of notes (the body is read with the note).
public struct NoteSummary: Codable, Equatable, Sendable {
    /// The note.
    public var noteId: UUID
    /// Its project.
    public var projectId: UUID
    /// Its title.
    public var title: String
    /// When it was written.
    public var createdAt: Date
}

/// A blog post in a project's list of posts (the body is read with the post).
public struct PostSummary: Codable, Equatable, Sendable {
    /// The post.
    public var postId: UUID
    /// Its project.
    public var projectId: UUID
    /// Its title.
    public var title: String
    /// When it was published.
    public var publishedAt: Date
    /// When it last changed.
    public var updatedAt: Date
}

/// Where a feature's effective model comes from.
public enum ModelSource: String, Codable, Sendable {
    /// The tenant set a preference for the feature (`tenant.setModelPreference`).
    case preference
    /// The tenant set none: the model catalog's default for the feature (the same for every tenant).
    case catalogDefault
}

/// The model a feature uses for a tenant, and why.
public struct EffectiveModel: Codable, Equatable, Sendable {
    /// The feature.
    public var feature: ModelFeature
    /// The provider.
    public var provider: String
    /// The provider's model id.
    public var model: String
    /// The catalog's name for it; `nil` if the model is no longer in the catalog.
    public var displayName: String?
    /// The tenant's preference, or the catalog's default.
    public var source: ModelSource
}

/// The model catalog and each feature's effective model for one tenant.
public struct ModelsReadModel: Codable, Equatable, Sendable {
    /// Every feature, in ``ModelFeature/allCases`` order, with its effective model.
    public var features: [EffectiveModel]
    /// The catalog this build ships (providers, models, which are fast, the default per feature).
    public var catalog: ModelCatalog
}

extension KnowledgeKind {
    /// The kind named `text` (as in the events: `codePattern`, ...), or an ``InputError`` naming
    /// `field` and listing the kinds.
    public init(parameter text: String, field: String) throws {
        guard let kind = KnowledgeKind(rawValue: text) else {
            let known = KnowledgeKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw InputError(field: field, reason: "unknown knowledge kind '\(text)'; known: \(known)")
        }
        self = kind
    }
}
