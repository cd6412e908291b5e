import BulkheadCore
import Domain
import Foundation

/// What a note is enriched with: the note, its project, and the project's knowledge of all four
/// kinds (each kind is present, empty or not), at most ``limitPerKind`` of each, newest first.
/// ``leftOut`` says how many older entries of each kind were not included: they are the next
/// pages of the project's knowledge list (`query knowledge PROJECT --kind K --offset N`,
/// `GET /v1/projects/{id}/knowledge?kind=K&offset=N`, with N the limit).
public struct EnrichmentContext: Codable, Equatable, Sendable {
    /// The number of entries of each kind kept when no limit is given.
    public static let defaultLimitPerKind = 20
    /// The largest limit per kind accepted.
    public static let maximumLimitPerKind = PageRequest.maximumLimit

    /// The note.
    public var note: NoteRecord
    /// Its project.
    public var project: ProjectRecord
    /// Code patterns, newest first.
    public var codePatterns: [KnowledgeRecord]
    /// Memory entries, newest first.
    public var memoryEntries: [KnowledgeRecord]
    /// Workflow insights, newest first.
    public var workflowInsights: [KnowledgeRecord]
    /// Consolidation patterns, newest first.
    public var consolidationPatterns: [KnowledgeRecord]
    /// The most entries of each kind included.
    public var limitPerKind: Int
    /// How many entries of each kind were left out by the limit (0 when all were included).
    public var leftOut: KnowledgeCounts

    /// The entries of `kind`.
    public func entries(_ kind: KnowledgeKind) -> [KnowledgeRecord] {
        switch kind {
        case .codePattern: return codePatterns
        case .memoryEntry: return memoryEntries
        case .workflowInsight: return workflowInsights
        case .consolidationPattern: return consolidationPatterns
        }
    }
}

/// A project's sync chain: completed syncs linked in order, the running head, and the syncs
/// detached from the chain (failed or orphaned).
public struct SyncChain: Codable, Equatable, Sendable {
    /// The project.
    public var projectId: UUID
    /// Linked syncs from the first to the newest (completed, then the running one if any).
    public var chain: [SyncRecord]
    /// Failed and orphaned syncs, oldest first.
    public var detached: [SyncRecord]
}

/// A project's analysis runs and its active run.
public struct RunHistory: Codable, Equatable, Sendable {
    /// The project.
    public var projectId: UUID
    /// Runs, oldest first.
    public var runs: [RunRecord]
    /// The active run, if any.
    public var active: RunRecord?
}

/// Not found at the query edge: the kind and the id or name asked for.
public struct QueryNotFound: Error, ClassifiedError, Equatable, CustomStringConvertible, Sendable {
    /// The kind of thing.
    public let entity: String
    /// The id or name asked for.
    public let id: String
    /// What exists instead, when that helps (e.g. season names).
    public let known: [String]

    /// One line.
    public var description: String {
        known.isEmpty ? "\(entity) \(id) not found" : "\(entity) \(id) not found; known: \(known.joined(separator: ", "))"
    }

    /// `notFound`.
    public var failure: Failure { Failure(.notFound, code: "not_found", message: description) }
}

extension TenantView {
    /// The tenant's user accounts, by e-mail.
    public func users() throws -> [UserRecord] {
        try store("tenancy").records(prefix: Key("u"), as: UserRecord.self).sorted { $0.email < $1.email }
    }

    /// The configuration values set, by key.
    public func configuration() throws -> [(key: ConfigKey, value: ConfigValue)] {
        try ConfigKey.allCases.compactMap { key in try config(key).map { (key, $0) } }
    }

    /// The API keys (hashes only), oldest first.
    public func apiKeys() throws -> [APIKeyInfo] {
        try store("tenancy").records(prefix: Key("k"), as: APIKeyInfo.self).sorted { $0.issuedAt < $1.issuedAt }
    }

    /// The model preferences set.
    public func modelPreferences() throws -> [ModelPreference] {
        try store("tenancy").records(prefix: Key("m"), as: ModelPreference.self)
    }

    /// Every project that is not deleted, oldest first.
    public func projects() throws -> [ProjectRecord] {
        try store("projects").records(prefix: Key("p"), as: ProjectRecord.self).sorted { ($0.createdAt, $0.name) < ($1.createdAt, $1.name) }
    }

    /// A project, or ``QueryNotFound``.
    public func requireProject(_ id: UUID) throws -> ProjectRecord {
        guard let project = try project(id) else { throw QueryNotFound(entity: "project", id: id.lowercased, known: []) }
        return project
    }

    /// A project's notes, oldest first.
    public func notes(project id: UUID) throws -> [NoteRecord] {
        let store = try store("projects")
        return try store.keys(prefix: Key("N", .uuid(id))).compactMap { key in
            try key.uuid(at: 17).flatMap { try note($0) }
        }.sorted { $0.createdAt < $1.createdAt }
    }

    /// The enrichment context of a note: all four kinds of its project's knowledge, at most
    /// `limitPerKind` entries of each (newest first), and how many of each were left out.
    /// - Parameter limitPerKind: 1 to ``EnrichmentContext/maximumLimitPerKind``; `nil` takes
    ///   ``EnrichmentContext/defaultLimitPerKind`` (20).
    /// - Throws: ``InputError`` naming `limitPerKind` when out of bounds; ``QueryNotFound`` when
    ///   the note is not this tenant's or its project is deleted.
    public func enrichmentContext(note noteId: UUID, limitPerKind: Int?) throws -> EnrichmentContext {
        let limit = limitPerKind ?? EnrichmentContext.defaultLimitPerKind
        guard (1...EnrichmentContext.maximumLimitPerKind).contains(limit) else {
            let maximum = EnrichmentContext.maximumLimitPerKind
            throw InputError(field: "limitPerKind", reason: "must be 1 to \(maximum), got \(limit)")
        }
        guard let note = try note(noteId), let project = try project(note.projectId) else {
            throw QueryNotFound(entity: "note", id: noteId.lowercased, known: [])
        }
        var leftOut = KnowledgeCounts()
        func entries(_ kind: KnowledgeKind) throws -> [KnowledgeRecord] {
            let all = try knowledgeEntries(project: project.projectId, kind: kind)
            leftOut[kind] = max(0, all.count - limit)
            return Array(all.sorted(by: Self.newestFirst).prefix(limit))
        }
        return EnrichmentContext(
            note: note, project: project,
            codePatterns: try entries(.codePattern), memoryEntries: try entries(.memoryEntry),
            workflowInsights: try entries(.workflowInsight), consolidationPatterns: try entries(.consolidationPattern),
            limitPerKind: limit, leftOut: leftOut)
    }

    /// The enrichment context of a note with the default limit per kind (20).
    public func enrichmentContext(note noteId: UUID) throws -> EnrichmentContext {
        try enrichmentContext(note: noteId, limitPerKind: nil)
    }

    /// A project's sync chain.
    public func syncChain(project id: UUID) throws -> SyncChain {
        _ = try requireProject(id)
        let store = try store("syncs")
        let all = try store.keys(prefix: SyncProjector.projectSyncs(id)).compactMap { key in
            try key.trailingUUID.flatMap { try sync($0) }
        }
        let detached = all.filter { $0.status == .failed || $0.status == .orphaned }
        var linked = all.filter { $0.status == .completed || $0.status == .running }
        // Follow the links from the first sync without a (held) predecessor.
        var ordered: [SyncRecord] = []
        var next = linked.first { sync in
            sync.previousSyncId == nil || !linked.contains { $0.syncId == sync.previousSyncId }
        }
        while let current = next {
            ordered.append(current)
            linked.removeAll { $0.syncId == current.syncId }
            next = linked.first { $0.previousSyncId == current.syncId }
        }
        return SyncChain(projectId: id, chain: ordered + linked, detached: detached)
    }

    /// A project's analysis runs.
    public func runs(project id: UUID) throws -> RunHistory {
        _ = try requireProject(id)
        let store = try store("analysis")
        let runs = try store.keys(prefix: AnalysisProjector.projectRuns(id)).compactMap { key in
            try key.trailingUUID.flatMap { try run($0) }
        }
        return RunHistory(projectId: id, runs: runs, active: try activeRun(project: id))
    }

    /// The season named `name` (case-insensitive), or ``QueryNotFound`` listing the seasons.
    public func season(named name: String) throws -> SeasonRecord {
        let all = try seasons()
        guard let season = all.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            throw QueryNotFound(entity: "season", id: "'\(name)'", known: all.map(\.name))
        }
        return season
    }

    /// Match reports in season order, of one season or of all.
    public func matchReports(season name: String?) throws -> [MatchReport] {
        let seasons = try name.map { [try season(named: $0)] } ?? seasons()
        let store = try store("matches")
        var reports: [MatchReport] = []
        for season in seasons {
            for key in try store.keys(prefix: MatchProjector.seasonMatches(season.seasonId)) {
                guard let id = key.trailingUUID,
                      let report = try store.record(MatchProjector.report(id), as: MatchReport.self) else { continue }
                reports.append(report)
            }
        }
        return reports
    }

    /// A season's table: players by points, then goals, then name.
    public func seasonTable(_ name: String) throws -> [SeasonTableRow] {
        let season = try season(named: name)
        return try store("matches").records(prefix: MatchProjector.tableRows(season.seasonId), as: SeasonTableRow.self)
            .sorted { ($1.totals.points, $1.totals.goals, $0.name) < ($0.totals.points, $0.totals.goals, $1.name) }
    }

    /// The tenant's Hall of Fame: the best of every season.
    public func hallOfFame() throws -> HallOfFame {
        try store("matches").records(prefix: MatchProjector.allBests, as: SeasonBests.self)
            .reduce(SeasonBests()) { $0.merged(with: $1) }
    }
}
