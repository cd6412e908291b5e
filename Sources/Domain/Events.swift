import Foundation

/// A domain event's payload: a Codable struct with its type name and schema version.
///
/// Payloads are stored in BulkheadCore's binary form and shown as JSON at the edges (CLI, HTTP,
/// audit replay). Their JSON Schemas are `Schemas/events/<type>.v<version>.schema.json`.
public protocol EventPayload: Codable, Sendable, Equatable {
    /// The event type, e.g. `project.created`.
    static var type: String { get }
    /// The current schema version of the payload.
    static var schemaVersion: UInt16 { get }
}

// MARK: - Tenancy (stream `tenant`)

/// A user account was added to the tenant (one person may have several, e.g. e-mail aliases).
public struct UserAdded: EventPayload {
    public static let type = "tenant.userAdded"
    public static let schemaVersion: UInt16 = 1
    /// The user's id.
    public var userId: UUID
    /// The account's e-mail address.
    public var email: String
    /// The name shown for the user.
    public var displayName: String

    /// Creates the value from its fields.
    public init(userId: UUID, email: String, displayName: String) {
        self.userId = userId
        self.email = email
        self.displayName = displayName
    }
}

/// A configuration value was set.
public struct ConfigSet: EventPayload {
    public static let type = "tenant.configSet"
    public static let schemaVersion: UInt16 = 1
    /// The key.
    public var key: ConfigKey
    /// The value, of the key's kind.
    public var value: ConfigValue

    /// Creates the value from its fields.
    public init(key: ConfigKey, value: ConfigValue) {
        self.key = key
        self.value = value
    }
}

/// An API key was issued; only its SHA-256 is recorded.
public struct APIKeyIssued: EventPayload {
    public static let type = "tenant.apiKeyIssued"
    public static let schemaVersion: UInt16 = 1
    /// The key's id (not the key).
    public var keyId: UUID
    /// SHA-256 of the key, lowercase hex.
    public var keyHash: String
    /// What the key is for.
    public var label: String

    /// Creates the value from its fields.
    public init(keyId: UUID, keyHash: String, label: String) {
        self.keyId = keyId
        self.keyHash = keyHash
        self.label = label
    }
}

/// An API key was revoked.
public struct APIKeyRevoked: EventPayload {
    public static let type = "tenant.apiKeyRevoked"
    public static let schemaVersion: UInt16 = 1
    /// The key's id.
    public var keyId: UUID

    /// Creates the value from its fields.
    public init(keyId: UUID) {
        self.keyId = keyId
    }
}

/// A feature was given a provider and model from the catalog.
public struct ModelPreferenceSet: EventPayload {
    public static let type = "tenant.modelPreferenceSet"
    public static let schemaVersion: UInt16 = 1
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

// MARK: - Projects (stream `project-<id>`)

/// A project was created. Version 2 added the scan path (`""` is the repository root).
public struct ProjectCreated: EventPayload {
    public static let type = "project.created"
    public static let schemaVersion: UInt16 = 2
    /// The project's id.
    public var projectId: UUID
    /// Its name.
    public var name: String
    /// Its GitHub repository (`owner/name`), if any.
    public var githubRepository: String?
    /// The directory analysed, relative to the repository root; `""` is the root.
    public var scanPath: String

    /// Creates the value from its fields.
    public init(projectId: UUID, name: String, githubRepository: String?, scanPath: String) {
        self.projectId = projectId
        self.name = name
        self.githubRepository = githubRepository
        self.scanPath = scanPath
    }
}

/// Version 1 of `project.created`, before projects had a scan path. Read as version 2 with the
/// repository root as scan path, which is what version-1 projects scanned.
public struct ProjectCreatedV1: Codable, Equatable, Sendable {
    /// The project's id.
    public var projectId: UUID
    /// Its name.
    public var name: String
    /// Its GitHub repository, if any.
    public var githubRepository: String?

    /// The version-2 form.
    public var upcast: ProjectCreated {
        ProjectCreated(projectId: projectId, name: name, githubRepository: githubRepository, scanPath: "")
    }

    /// Creates the value from its fields.
    public init(projectId: UUID, name: String, githubRepository: String?) {
        self.projectId = projectId
        self.name = name
        self.githubRepository = githubRepository
    }
}

/// A project's name, repository or scan path changed; the event carries all three as they now are.
public struct ProjectUpdated: EventPayload {
    public static let type = "project.updated"
    public static let schemaVersion: UInt16 = 1
    /// The project's id.
    public var projectId: UUID
    /// Its name.
    public var name: String
    /// Its GitHub repository, if any.
    public var githubRepository: String?
    /// Its scan path.
    public var scanPath: String

    /// Creates the value from its fields.
    public init(projectId: UUID, name: String, githubRepository: String?, scanPath: String) {
        self.projectId = projectId
        self.name = name
        self.githubRepository = githubRepository
        self.scanPath = scanPath
    }
}

/// A project was deleted.
public struct ProjectDeleted: EventPayload {
    public static let type = "project.deleted"
    public static let schemaVersion: UInt16 = 1
    /// The project's id.
    public var projectId: UUID

    /// Creates the value from its fields.
    public init(projectId: UUID) {
        self.projectId = projectId
    }
}

/// A GitHub source was imported into a project.
public struct SourceImported: EventPayload {
    public static let type = "project.sourceImported"
    public static let schemaVersion: UInt16 = 1
    /// The project's id.
    public var projectId: UUID
    /// The source's id.
    public var sourceId: UUID
    /// The GitHub repository (`owner/name`).
    public var repository: String
    /// The path within it; `""` is the root.
    public var path: String

    /// Creates the value from its fields.
    public init(projectId: UUID, sourceId: UUID, repository: String, path: String) {
        self.projectId = projectId
        self.sourceId = sourceId
        self.repository = repository
        self.path = path
    }
}

/// A note was written in a project.
public struct NoteCreated: EventPayload {
    public static let type = "note.created"
    public static let schemaVersion: UInt16 = 1
    /// The project's id.
    public var projectId: UUID
    /// The note's id.
    public var noteId: UUID
    /// Its title.
    public var title: String
    /// Its text.
    public var body: String

    /// Creates the value from its fields.
    public init(projectId: UUID, noteId: UUID, title: String, body: String) {
        self.projectId = projectId
        self.noteId = noteId
        self.title = title
        self.body = body
    }
}

/// A blog post was published.
public struct BlogPublished: EventPayload {
    public static let type = "blog.published"
    public static let schemaVersion: UInt16 = 1
    /// The project's id.
    public var projectId: UUID
    /// The post's id.
    public var postId: UUID
    /// Its title.
    public var title: String
    /// Its text.
    public var body: String

    /// Creates the value from its fields.
    public init(projectId: UUID, postId: UUID, title: String, body: String) {
        self.projectId = projectId
        self.postId = postId
        self.title = title
        self.body = body
    }
}

/// A blog post was changed; the event carries its title and text as they now are.
public struct BlogUpdated: EventPayload {
    public static let type = "blog.updated"
    public static let schemaVersion: UInt16 = 1
    /// The project's id.
    public var projectId: UUID
    /// The post's id.
    public var postId: UUID
    /// Its title.
    public var title: String
    /// Its text.
    public var body: String

    /// Creates the value from its fields.
    public init(projectId: UUID, postId: UUID, title: String, body: String) {
        self.projectId = projectId
        self.postId = postId
        self.title = title
        self.body = body
    }
}

/// A blog post was deleted.
public struct BlogDeleted: EventPayload {
    public static let type = "blog.deleted"
    public static let schemaVersion: UInt16 = 1
    /// The project's id.
    public var projectId: UUID
    /// The post's id.
    public var postId: UUID

    /// Creates the value from its fields.
    public init(projectId: UUID, postId: UUID) {
        self.projectId = projectId
        self.postId = postId
    }
}

/// A knowledge entry of one of the four kinds was recorded for a project.
public struct KnowledgeRecorded: EventPayload {
    public static let type = "knowledge.recorded"
    public static let schemaVersion: UInt16 = 1
    /// The project's id.
    public var projectId: UUID
    /// The entry's id.
    public var entryId: UUID
    /// Its kind.
    public var kind: KnowledgeKind
    /// Its text.
    public var content: String

    /// Creates the value from its fields.
    public init(projectId: UUID, entryId: UUID, kind: KnowledgeKind, content: String) {
        self.projectId = projectId
        self.entryId = entryId
        self.kind = kind
        self.content = content
    }
}

// MARK: - Analysis runs (stream `analysis-<run id>`)

/// An analysis run started.
public struct AnalysisStarted: EventPayload {
    public static let type = "analysis.started"
    public static let schemaVersion: UInt16 = 1
    /// The run's id.
    public var runId: UUID
    /// The project analysed.
    public var projectId: UUID
    /// What asked for it.
    public var trigger: AnalysisTrigger

    /// Creates the value from its fields.
    public init(runId: UUID, projectId: UUID, trigger: AnalysisTrigger) {
        self.runId = runId
        self.projectId = projectId
        self.trigger = trigger
    }
}

/// An analysis run completed.
public struct AnalysisCompleted: EventPayload {
    public static let type = "analysis.completed"
    public static let schemaVersion: UInt16 = 1
    /// The run's id.
    public var runId: UUID
    /// The project analysed.
    public var projectId: UUID

    /// Creates the value from its fields.
    public init(runId: UUID, projectId: UUID) {
        self.runId = runId
        self.projectId = projectId
    }
}

/// An analysis run failed.
public struct AnalysisFailed: EventPayload {
    public static let type = "analysis.failed"
    public static let schemaVersion: UInt16 = 1
    /// The run's id.
    public var runId: UUID
    /// The project analysed.
    public var projectId: UUID
    /// Why it failed.
    public var reason: String

    /// Creates the value from its fields.
    public init(runId: UUID, projectId: UUID, reason: String) {
        self.runId = runId
        self.projectId = projectId
        self.reason = reason
    }
}

/// An analysis run stuck active for more than 10 minutes was expired.
public struct AnalysisExpired: EventPayload {
    public static let type = "analysis.expired"
    public static let schemaVersion: UInt16 = 1
    /// The run's id.
    public var runId: UUID
    /// The project analysed.
    public var projectId: UUID
    /// When the run had started.
    public var startedAt: Date

    /// Creates the value from its fields.
    public init(runId: UUID, projectId: UUID, startedAt: Date) {
        self.runId = runId
        self.projectId = projectId
        self.startedAt = startedAt
    }
}

// MARK: - Syncs (stream `sync-<sync id>`)

/// A project sync started, linked to the project's last completed sync.
public struct SyncStarted: EventPayload {
    public static let type = "sync.started"
    public static let schemaVersion: UInt16 = 1
    /// The sync's id.
    public var syncId: UUID
    /// The project synced.
    public var projectId: UUID
    /// The last completed sync of the project when this one started; no two syncs share one.
    public var previousSyncId: UUID?

    /// Creates the value from its fields.
    public init(syncId: UUID, projectId: UUID, previousSyncId: UUID?) {
        self.syncId = syncId
        self.projectId = projectId
        self.previousSyncId = previousSyncId
    }
}

/// A sync completed.
public struct SyncCompleted: EventPayload {
    public static let type = "sync.completed"
    public static let schemaVersion: UInt16 = 1
    /// The sync's id.
    public var syncId: UUID
    /// The project synced.
    public var projectId: UUID

    /// Creates the value from its fields.
    public init(syncId: UUID, projectId: UUID) {
        self.syncId = syncId
        self.projectId = projectId
    }
}

/// A sync failed.
public struct SyncFailed: EventPayload {
    public static let type = "sync.failed"
    public static let schemaVersion: UInt16 = 1
    /// The sync's id.
    public var syncId: UUID
    /// The project synced.
    public var projectId: UUID
    /// Why it failed.
    public var reason: String

    /// Creates the value from its fields.
    public init(syncId: UUID, projectId: UUID, reason: String) {
        self.syncId = syncId
        self.projectId = projectId
        self.reason = reason
    }
}

/// A sync running for more than 10 minutes was orphaned: detached from the chain, releasing
/// its link to its predecessor.
public struct SyncOrphaned: EventPayload {
    public static let type = "sync.orphaned"
    public static let schemaVersion: UInt16 = 1
    /// The sync's id.
    public var syncId: UUID
    /// The project synced.
    public var projectId: UUID
    /// When the sync had started.
    public var startedAt: Date

    /// Creates the value from its fields.
    public init(syncId: UUID, projectId: UUID, startedAt: Date) {
        self.syncId = syncId
        self.projectId = projectId
        self.startedAt = startedAt
    }
}

// MARK: - Matches

/// A season was defined (stream `season-<id>`). Seasons of a tenant never overlap.
public struct SeasonDefined: EventPayload {
    public static let type = "season.defined"
    public static let schemaVersion: UInt16 = 1
    /// The season's id.
    public var seasonId: UUID
    /// Its name, unique within the tenant.
    public var name: String
    /// Its first day.
    public var startDate: LocalDate
    /// Its last day (inclusive).
    public var endDate: LocalDate

    /// Creates the value from its fields.
    public init(seasonId: UUID, name: String, startDate: LocalDate, endDate: LocalDate) {
        self.seasonId = seasonId
        self.name = name
        self.startDate = startDate
        self.endDate = endDate
    }
}

/// A player was registered (stream `player-<id>`).
public struct PlayerRegistered: EventPayload {
    public static let type = "player.registered"
    public static let schemaVersion: UInt16 = 1
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

/// One team of a match as recorded: its name (copied from the tenant's config), players, score.
public struct TeamSheet: Codable, Equatable, Sendable {
    /// The team's name when the match was recorded.
    public var name: String
    /// The players who played for it.
    public var players: [UUID]
    /// Goals scored.
    public var score: Int

    /// Creates the value from its fields.
    public init(name: String, players: [UUID], score: Int) {
        self.name = name
        self.players = players
        self.score = score
    }
}

/// How many goals a player scored in a match.
public struct GoalTally: Codable, Equatable, Sendable {
    /// The player.
    public var playerId: UUID
    /// Goals scored (1 or more).
    public var goals: Int

    /// Creates the value from its fields.
    public init(playerId: UUID, goals: Int) {
        self.playerId = playerId
        self.goals = goals
    }
}

/// A match was recorded (stream `match-<id>`).
public struct MatchRecorded: EventPayload {
    public static let type = "match.recorded"
    public static let schemaVersion: UInt16 = 1
    /// The match's id.
    public var matchId: UUID
    /// The season whose dates contain the match's date.
    public var seasonId: UUID
    /// The day it was played.
    public var date: LocalDate
    /// The first team.
    public var teamA: TeamSheet
    /// The second team.
    public var teamB: TeamSheet
    /// Goal scorers.
    public var goals: [GoalTally]

    /// Creates the value from its fields.
    public init(matchId: UUID, seasonId: UUID, date: LocalDate, teamA: TeamSheet, teamB: TeamSheet, goals: [GoalTally]) {
        self.matchId = matchId
        self.seasonId = seasonId
        self.date = date
        self.teamA = teamA
        self.teamB = teamB
        self.goals = goals
    }
}

/// A match's facts were corrected; the event carries them as they now are.
public struct MatchCorrected: EventPayload {
    public static let type = "match.corrected"
    public static let schemaVersion: UInt16 = 1
    /// The match's id.
    public var matchId: UUID
    /// The season whose dates contain the (corrected) date.
    public var seasonId: UUID
    /// The day it was played.
    public var date: LocalDate
    /// The first team.
    public var teamA: TeamSheet
    /// The second team.
    public var teamB: TeamSheet
    /// Goal scorers.
    public var goals: [GoalTally]

    /// Creates the value from its fields.
    public init(matchId: UUID, seasonId: UUID, date: LocalDate, teamA: TeamSheet, teamB: TeamSheet, goals: [GoalTally]) {
        self.matchId = matchId
        self.seasonId = seasonId
        self.date = date
        self.teamA = teamA
        self.teamB = teamB
        self.goals = goals
    }
}

/// A match was deleted.
public struct MatchDeleted: EventPayload {
    public static let type = "match.deleted"
    public static let schemaVersion: UInt16 = 1
    /// The match's id.
    public var matchId: UUID
    /// The season it belonged to.
    public var seasonId: UUID

    /// Creates the value from its fields.
    public init(matchId: UUID, seasonId: UUID) {
        self.matchId = matchId
        self.seasonId = seasonId
    }
}
