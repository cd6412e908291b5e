import BulkheadCore
import Foundation

/// What decisions read of a tenant's current state. Implemented over the tenant's projections
/// inside the same write transaction as the append, so every guard sees the latest state.
///
/// Every lookup is by this tenant's ids only: an id of another tenant's entity is simply not
/// found, exactly like an id that never existed.
public protocol TenantState {
    /// The tenant decided for.
    var tenant: TenantID { get }
    /// A configuration value, or `nil` when never set.
    func config(_ key: ConfigKey) throws -> ConfigValue?
    /// A user account, or `nil`.
    func user(_ id: UUID) throws -> UserRecord?
    /// The user account with this e-mail address, or `nil`.
    func user(email: String) throws -> UserRecord?
    /// Whether the tenant has any user account.
    func hasUsers() throws -> Bool
    /// Whether the tenant has a user account other than `id`.
    func hasUsers(besides id: UUID) throws -> Bool
    /// Whether an id was ever used by a user account, removed or not (ids are never reused).
    func userIDUsed(_ id: UUID) throws -> Bool
    /// An API key, or `nil`.
    func apiKey(_ id: UUID) throws -> APIKeyInfo?
    /// A project that exists and is not deleted, or `nil`.
    func project(_ id: UUID) throws -> ProjectRecord?
    /// Whether an id was ever used by a project, deleted or not (ids are never reused).
    func projectIDUsed(_ id: UUID) throws -> Bool
    /// A note, or `nil`.
    func note(_ id: UUID) throws -> NoteRecord?
    /// A blog post that is not deleted, or `nil`.
    func blogPost(_ id: UUID) throws -> BlogPostRecord?
    /// A knowledge entry, or `nil`.
    func knowledge(_ id: UUID) throws -> KnowledgeRecord?
    /// Whether a source id is used.
    func sourceIDUsed(_ id: UUID) throws -> Bool
    /// An analysis run, or `nil`.
    func run(_ id: UUID) throws -> RunRecord?
    /// The project's active run, or `nil`.
    func activeRun(project: UUID) throws -> RunRecord?
    /// The project's most recently completed run, or `nil`.
    func lastCompletedRun(project: UUID) throws -> RunRecord?
    /// Every active run of the tenant.
    func activeRuns() throws -> [RunRecord]
    /// A sync, or `nil`.
    func sync(_ id: UUID) throws -> SyncRecord?
    /// The project's running sync, or `nil`.
    func runningSync(project: UUID) throws -> SyncRecord?
    /// The project's most recently completed sync, or `nil`.
    func lastCompletedSync(project: UUID) throws -> SyncRecord?
    /// The sync that links to `syncId` as its predecessor, or `nil`.
    func successor(of syncId: UUID) throws -> UUID?
    /// Every running sync of the tenant.
    func runningSyncs() throws -> [SyncRecord]
    /// Every season of the tenant.
    func seasons() throws -> [SeasonRecord]
    /// A player, or `nil`.
    func player(_ id: UUID) throws -> PlayerRecord?
    /// A match that is not deleted, or `nil`.
    func match(_ id: UUID) throws -> MatchFacts?
    /// Whether an id was ever used by a match, deleted or not.
    func matchIDUsed(_ id: UUID) throws -> Bool
}
