import BulkheadCore
import Domain
import Foundation

/// A tenant's projections as one read model: what decisions check and what queries show.
///
/// Built over the live projection tables inside a transaction, or over memory tables for as-of
/// views. Every lookup uses only this tenant's stores.
public struct TenantView: TenantState {
    /// The tenant.
    public let tenant: TenantID
    let stores: [String: ProjectionStore]

    init(tenant: TenantID, stores: [String: ProjectionStore]) {
        self.tenant = tenant
        self.stores = stores
    }

    func store(_ name: String) throws -> ProjectionStore {
        guard let store = stores[name] else { throw ProjectionError.notBuilt(name) }
        return store
    }

    private var tenancy: ProjectionStore { get throws { try store("tenancy") } }
    private var projectStore: ProjectionStore { get throws { try store("projects") } }
    private var analysis: ProjectionStore { get throws { try store("analysis") } }
    private var syncs: ProjectionStore { get throws { try store("syncs") } }
    private var matches: ProjectionStore { get throws { try store("matches") } }

    // MARK: TenantState

    public func config(_ key: ConfigKey) throws -> ConfigValue? {
        try tenancy.record(TenancyProjector.config(key), as: ConfigValue.self)
    }
    public func user(_ id: UUID) throws -> UserRecord? { try tenancy.record(TenancyProjector.user(id), as: UserRecord.self) }
    public func user(email: String) throws -> UserRecord? {
        guard let id = try tenancy.record(TenancyProjector.email(email), as: UUID.self) else { return nil }
        return try user(id)
    }
    public func hasUsers() throws -> Bool { try !tenancy.keys(prefix: Key("u"), after: nil, limit: 1).isEmpty }
    public func hasUsers(besides id: UUID) throws -> Bool {
        try tenancy.keys(prefix: Key("u"), after: nil, limit: 2).contains { $0 != TenancyProjector.user(id) }
    }
    public func userIDUsed(_ id: UUID) throws -> Bool {
        try tenancy.bytes(TenancyProjector.user(id)) != nil || tenancy.bytes(TenancyProjector.removedUser(id)) != nil
    }
    public func apiKey(_ id: UUID) throws -> APIKeyInfo? { try tenancy.record(TenancyProjector.apiKey(id), as: APIKeyInfo.self) }
    public func project(_ id: UUID) throws -> ProjectRecord? { try projectStore.record(ProjectProjector.project(id), as: ProjectRecord.self) }
    public func projectIDUsed(_ id: UUID) throws -> Bool { try projectStore.bytes(ProjectProjector.projectUsed(id)) != nil }
    public func note(_ id: UUID) throws -> NoteRecord? { try projectStore.record(ProjectProjector.note(id), as: NoteRecord.self) }
    public func blogPost(_ id: UUID) throws -> BlogPostRecord? { try projectStore.record(ProjectProjector.post(id), as: BlogPostRecord.self) }
    public func knowledge(_ id: UUID) throws -> KnowledgeRecord? { try projectStore.record(ProjectProjector.knowledge(id), as: KnowledgeRecord.self) }
    public func sourceIDUsed(_ id: UUID) throws -> Bool { try projectStore.bytes(ProjectProjector.source(id)) != nil }
    public func run(_ id: UUID) throws -> RunRecord? { try analysis.record(AnalysisProjector.run(id), as: RunRecord.self) }
    public func activeRun(project: UUID) throws -> RunRecord? {
        guard let id = try analysis.record(AnalysisProjector.active(project), as: UUID.self) else { return nil }
        return try run(id)
    }
    public func lastCompletedRun(project: UUID) throws -> RunRecord? {
        guard let id = try analysis.record(AnalysisProjector.lastCompleted(project), as: UUID.self) else { return nil }
        return try run(id)
    }
    public func activeRuns() throws -> [RunRecord] {
        try analysis.keys(prefix: AnalysisProjector.activeAll).compactMap { key in try key.uuid(at: 1).flatMap { try run($0) } }
    }
    public func sync(_ id: UUID) throws -> SyncRecord? { try syncs.record(SyncProjector.sync(id), as: SyncRecord.self) }
    public func runningSync(project: UUID) throws -> SyncRecord? {
        guard let id = try syncs.record(SyncProjector.running(project), as: UUID.self) else { return nil }
        return try sync(id)
    }
    public func lastCompletedSync(project: UUID) throws -> SyncRecord? {
        guard let id = try syncs.record(SyncProjector.lastCompleted(project), as: UUID.self) else { return nil }
        return try sync(id)
    }
    public func successor(of syncId: UUID) throws -> UUID? { try syncs.record(SyncProjector.link(syncId), as: UUID.self) }
    public func runningSyncs() throws -> [SyncRecord] {
        try syncs.keys(prefix: SyncProjector.runningAll).compactMap { key in try key.uuid(at: 1).flatMap { try sync($0) } }
    }
    public func seasons() throws -> [SeasonRecord] {
        try matches.records(prefix: MatchProjector.seasons, as: SeasonRecord.self).sorted { $0.startDate < $1.startDate }
    }
    public func player(_ id: UUID) throws -> PlayerRecord? { try matches.record(MatchProjector.player(id), as: PlayerRecord.self) }
    public func match(_ id: UUID) throws -> MatchFacts? { try matches.record(MatchProjector.match(id), as: MatchFacts.self) }
    public func matchIDUsed(_ id: UUID) throws -> Bool { try matches.bytes(MatchProjector.matchUsed(id)) != nil }
}
