import BulkheadCore
import Foundation

/// What a decision knows besides the tenant's state: who, when, and where new ids come from.
public struct DecisionContext: Sendable {
    /// The tenant decided for.
    public let tenant: TenantID
    /// The user recorded as the actor of the events (never an ownership filter).
    public let actor: String
    /// The time of the decision, from the injected clock.
    public let now: Date
    /// Generator of new ids.
    public let ids: IDGenerator

    /// Creates a context.
    public init(tenant: TenantID, actor: String, now: Date, ids: IDGenerator) {
        self.tenant = tenant
        self.actor = actor
        self.now = now
        self.ids = ids
    }

    /// The caller's id, or a new one.
    func id(_ given: UUID?) -> UUID { given ?? ids.next(at: now) }
}

/// Events to append to one stream.
public struct PlannedAppend: Sendable, Equatable {
    /// The stream.
    public let stream: String
    /// Whether the stream must not exist yet (a creation).
    public let mustBeNew: Bool
    /// The events, in order.
    public let events: [Event]
}

/// Why a command appended nothing although it was valid (an analysis request during an active
/// run or the 3-minute cool-down).
public struct Skipped: Sendable, Equatable {
    /// Why.
    public let reason: String
    /// The run that caused the skip.
    public let runId: UUID
}

/// What a command decided: events to append, the ids it used, or a skip.
public struct Decision: Sendable, Equatable {
    /// Appends, in order.
    public var appends: [PlannedAppend] = []
    /// The ids the command used or generated, by name (`projectId`, `runId`, ...).
    public var ids: [String: UUID] = [:]
    /// Set when the command was valid but nothing needed doing.
    public var skipped: Skipped?
    /// A secret shown once (a new API key); only its hash is stored.
    public var secret: String?

    /// Creates an empty decision.
    public init() {}

    mutating func append(_ stream: String, new: Bool = false, _ events: Event...) {
        appends.append(PlannedAppend(stream: stream, mustBeNew: new, events: events))
    }
}

/// The stream names of the domain.
public enum Streams {
    /// The tenant's own stream: users, configuration, API keys, model preferences.
    public static let tenant = "tenant"
    /// A project's stream: the project, its sources, notes, blog posts and knowledge.
    public static func project(_ id: UUID) -> String { "project-\(id.lowercased)" }
    /// An analysis run's stream.
    public static func analysis(_ id: UUID) -> String { "analysis-\(id.lowercased)" }
    /// A sync's stream.
    public static func sync(_ id: UUID) -> String { "sync-\(id.lowercased)" }
    /// A season's stream.
    public static func season(_ id: UUID) -> String { "season-\(id.lowercased)" }
    /// A player's stream.
    public static func player(_ id: UUID) -> String { "player-\(id.lowercased)" }
    /// A match's stream.
    public static func match(_ id: UUID) -> String { "match-\(id.lowercased)" }
}

extension UUID {
    /// The UUID's text in lowercase.
    public var lowercased: String { uuidString.lowercased() }
}
