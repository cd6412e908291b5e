import BulkheadCore
import Foundation

/// A user account of the tenant.
public struct UserRecord: Codable, Equatable, Sendable {
    /// The user's id.
    public var userId: UUID
    /// The e-mail address.
    public var email: String
    /// The name shown.
    public var displayName: String
    /// When the account was added.
    public var addedAt: Date

    /// Creates the value from its fields.
    public init(userId: UUID, email: String, displayName: String, addedAt: Date) {
        self.userId = userId
        self.email = email
        self.displayName = displayName
        self.addedAt = addedAt
    }
}

/// An API key as the tenant's projection knows it (its hash, never the key).
public struct APIKeyInfo: Codable, Equatable, Sendable {
    /// The key's id.
    public var keyId: UUID
    /// What it is for.
    public var label: String
    /// SHA-256 of the key, lowercase hex.
    public var keyHash: String
    /// When it was issued.
    public var issuedAt: Date
    /// When it was revoked, if it was.
    public var revokedAt: Date?

    /// Creates the value from its fields.
    public init(keyId: UUID, label: String, keyHash: String, issuedAt: Date, revokedAt: Date?) {
        self.keyId = keyId
        self.label = label
        self.keyHash = keyHash
        self.issuedAt = issuedAt
        self.revokedAt = revokedAt
    }
}

/// A feature's chosen provider and model.
public struct ModelPreference: Codable, Equatable, Sendable {
    /// The feature.
    public var feature: ModelFeature
    /// The provider.
    public var provider: String
    /// The model id.
    public var model: String

    /// Creates the value from its fields.
    public init(feature: ModelFeature, provider: String, model: String) {
        self.feature = feature
        self.provider = provider
        self.model = model
    }
}

/// Counts of a project's knowledge entries, one per kind.
public struct KnowledgeCounts: Codable, Equatable, Sendable {
    /// Code patterns.
    public var codePattern = 0
    /// Memory entries.
    public var memoryEntry = 0
    /// Workflow insights.
    public var workflowInsight = 0
    /// Consolidation patterns.
    public var consolidationPattern = 0

    /// Creates zero counts.
    public init() {}

    /// The count of `kind`.
    public subscript(kind: KnowledgeKind) -> Int {
        get {
            switch kind {
            case .codePattern: return codePattern
            case .memoryEntry: return memoryEntry
            case .workflowInsight: return workflowInsight
            case .consolidationPattern: return consolidationPattern
            }
        }
        set {
            switch kind {
            case .codePattern: codePattern = newValue
            case .memoryEntry: memoryEntry = newValue
            case .workflowInsight: workflowInsight = newValue
            case .consolidationPattern: consolidationPattern = newValue
            }
        }
    }
}

/// A GitHub source imported into a project.
public struct SourceRecord: Codable, Equatable, Sendable {
    /// The source's id.
    public var sourceId: UUID
    /// The repository (`owner/name`).
    public var repository: String
    /// The path in it (`""` is the root).
    public var path: String
    /// When it was imported.
    public var importedAt: Date

    /// Creates the value from its fields.
    public init(sourceId: UUID, repository: String, path: String, importedAt: Date) {
        self.sourceId = sourceId
        self.repository = repository
        self.path = path
        self.importedAt = importedAt
    }
}

/// A project's state.
public struct ProjectRecord: Codable, Equatable, Sendable {
    /// The project's id.
    public var projectId: UUID
    /// Its name.
    public var name: String
    /// Its GitHub repository, if any.
    public var githubRepository: String?
    /// Its scan path (`""` is the repository root).
    public var scanPath: String
    /// When it was created.
    public var createdAt: Date
    /// Who created it (recorded, never an ownership filter).
    public var createdBy: String
    /// When it last changed.
    public var updatedAt: Date
    /// Its imported sources.
    public var sources: [SourceRecord]
    /// Notes written.
    public var noteCount: Int
    /// Blog posts published and not deleted.
    public var blogPostCount: Int
    /// Knowledge entries per kind.
    public var knowledge: KnowledgeCounts

    /// Creates the value from its fields.
    public init(projectId: UUID, name: String, githubRepository: String?, scanPath: String, createdAt: Date, createdBy: String, updatedAt: Date, sources: [SourceRecord], noteCount: Int, blogPostCount: Int, knowledge: KnowledgeCounts) {
        self.projectId = projectId
        self.name = name
        self.githubRepository = githubRepository
        self.scanPath = scanPath
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.updatedAt = updatedAt
        self.sources = sources
        self.noteCount = noteCount
        self.blogPostCount = blogPostCount
        self.knowledge = knowledge
    }
}

/// A note.
public struct NoteRecord: Codable, Equatable, Sendable {
    /// The note's id.
    public var noteId: UUID
    /// Its project.
    public var projectId: UUID
    /// Its title.
    public var title: String
    /// Its text.
    public var body: String
    /// When it was written.
    public var createdAt: Date

    /// Creates the value from its fields.
    public init(noteId: UUID, projectId: UUID, title: String, body: String, createdAt: Date) {
        self.noteId = noteId
        self.projectId = projectId
        self.title = title
        self.body = body
        self.createdAt = createdAt
    }
}

/// A blog post.
public struct BlogPostRecord: Codable, Equatable, Sendable {
    /// The post's id.
    public var postId: UUID
    /// Its project.
    public var projectId: UUID
    /// Its title.
    public var title: String
    /// Its text.
    public var body: String
    /// When it was published.
    public var publishedAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// Creates the value from its fields.
    public init(postId: UUID, projectId: UUID, title: String, body: String, publishedAt: Date, updatedAt: Date) {
        self.postId = postId
        self.projectId = projectId
        self.title = title
        self.body = body
        self.publishedAt = publishedAt
        self.updatedAt = updatedAt
    }
}

/// A knowledge entry.
public struct KnowledgeRecord: Codable, Equatable, Sendable {
    /// The entry's id.
    public var entryId: UUID
    /// Its project.
    public var projectId: UUID
    /// Its kind.
    public var kind: KnowledgeKind
    /// Its text.
    public var content: String
    /// When it was recorded.
    public var recordedAt: Date

    /// Creates the value from its fields.
    public init(entryId: UUID, projectId: UUID, kind: KnowledgeKind, content: String, recordedAt: Date) {
        self.entryId = entryId
        self.projectId = projectId
        self.kind = kind
        self.content = content
        self.recordedAt = recordedAt
    }
}

/// An analysis run.
public struct RunRecord: Codable, Equatable, Sendable {
    /// The run's id.
    public var runId: UUID
    /// The project analysed.
    public var projectId: UUID
    /// What asked for it.
    public var trigger: AnalysisTrigger
    /// Its status.
    public var status: RunStatus
    /// When it started.
    public var startedAt: Date
    /// When it completed, failed or expired.
    public var endedAt: Date?
    /// Why it failed, if it did.
    public var reason: String?

    /// Creates the value from its fields.
    public init(runId: UUID, projectId: UUID, trigger: AnalysisTrigger, status: RunStatus, startedAt: Date, endedAt: Date?, reason: String?) {
        self.runId = runId
        self.projectId = projectId
        self.trigger = trigger
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.reason = reason
    }
}

/// A project sync.
public struct SyncRecord: Codable, Equatable, Sendable {
    /// The sync's id.
    public var syncId: UUID
    /// The project synced.
    public var projectId: UUID
    /// The sync it links to (released when it is orphaned).
    public var previousSyncId: UUID?
    /// Its status.
    public var status: SyncStatus
    /// When it started.
    public var startedAt: Date
    /// When it completed, failed or was orphaned.
    public var endedAt: Date?
    /// Why it failed, if it did.
    public var reason: String?

    /// Creates the value from its fields.
    public init(syncId: UUID, projectId: UUID, previousSyncId: UUID?, status: SyncStatus, startedAt: Date, endedAt: Date?, reason: String?) {
        self.syncId = syncId
        self.projectId = projectId
        self.previousSyncId = previousSyncId
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.reason = reason
    }
}

/// A season.
public struct SeasonRecord: Codable, Equatable, Sendable {
    /// The season's id.
    public var seasonId: UUID
    /// Its name.
    public var name: String
    /// Its first day.
    public var startDate: LocalDate
    /// Its last day.
    public var endDate: LocalDate

    /// Whether `date` falls within the season.
    public func contains(_ date: LocalDate) -> Bool { startDate <= date && date <= endDate }

    /// Creates the value from its fields.
    public init(seasonId: UUID, name: String, startDate: LocalDate, endDate: LocalDate) {
        self.seasonId = seasonId
        self.name = name
        self.startDate = startDate
        self.endDate = endDate
    }
}

/// A player.
public struct PlayerRecord: Codable, Equatable, Sendable {
    /// The player's id.
    public var playerId: UUID
    /// The player's name.
    public var name: String

    /// Creates the value from its fields.
    public init(playerId: UUID, name: String) {
        self.playerId = playerId
        self.name = name
    }
}

/// A match's facts as last recorded or corrected.
public struct MatchFacts: Codable, Equatable, Sendable {
    /// The match's id.
    public var matchId: UUID
    /// Its season.
    public var seasonId: UUID
    /// The day it was played.
    public var date: LocalDate
    /// The first team.
    public var teamA: TeamSheet
    /// The second team.
    public var teamB: TeamSheet
    /// Goal scorers.
    public var goals: [GoalTally]
    /// The log position that recorded it: orders matches of one day.
    public var recordedPosition: UInt64

    /// Creates the value from its fields.
    public init(matchId: UUID, seasonId: UUID, date: LocalDate, teamA: TeamSheet, teamB: TeamSheet, goals: [GoalTally], recordedPosition: UInt64) {
        self.matchId = matchId
        self.seasonId = seasonId
        self.date = date
        self.teamA = teamA
        self.teamB = teamB
        self.goals = goals
        self.recordedPosition = recordedPosition
    }
}
