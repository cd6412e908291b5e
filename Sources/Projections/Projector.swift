import BulkheadCore
import Domain
import Foundation

/// Where an event sits in the log: what a projector may use besides the event itself.
public struct EventMeta: Sendable {
    /// The event's position in the tenant's log.
    public let position: UInt64
    /// When it was recorded.
    public let recordedAt: Date
    /// Who caused it.
    public let actor: String

    /// Creates the metadata.
    public init(position: UInt64, recordedAt: Date, actor: String) {
        self.position = position
        self.recordedAt = recordedAt
        self.actor = actor
    }
}

/// Turns a tenant's events into one projection.
///
/// A projector sees events one at a time, in log order, and a ``ProjectionStore`` bound to its own
/// table in its own tenant's environment: the only thing it can read or write.
/// ``finish(_:budget:)`` completes work deferred to the end of a transaction, such as a season's
/// reports after several of its matches changed: what it does must depend only on what the
/// projector has stored. An inline transaction finishes everything; a rebuild applies all its
/// chunks first, then finishes in transactions of bounded work.
public protocol Projector: Sendable {
    /// The projection's name (`tenancy`, `projects`, `analysis`, `syncs`, `matches`).
    var name: String { get }
    /// The projector's version: change it when its output changes, and every tenant's stored
    /// projection is reported stale until rebuilt.
    var version: Int { get }
    /// Whether the projector reads events of this type; others are skipped without decoding.
    func handles(_ type: String) -> Bool
    /// Applies one event.
    func apply(_ event: Event, _ meta: EventMeta, _ store: ProjectionStore) throws
    /// Completes deferred work before the store is flushed, or at least `budget` units of it
    /// (the projector says what a unit is). Returns true when nothing is left.
    func finish(_ store: ProjectionStore, budget: Int) throws -> Bool
    /// A readable form of a stored value, for dry-run diffs and checks.
    func describe(key: Key, value: [UInt8]) -> String
}

extension Projector {
    /// Nothing deferred by default.
    public func finish(_ store: ProjectionStore, budget: Int) throws -> Bool { true }

    /// Completes all deferred work.
    public func finish(_ store: ProjectionStore) throws {
        _ = try finish(store, budget: .max)
    }
}

/// Renders a record as compact JSON for diffs, or hex when it does not decode.
func describeRecord<T: Codable>(_ type: T.Type, _ value: [UInt8]) -> String {
    guard let record = try? BinaryDecoder.decode(T.self, from: value),
          let json = try? EventCatalog.jsonEncoder.encode(record)
    else { return value.isEmpty ? "(marker)" : value.hexString }
    return String(decoding: json, as: UTF8.self)
}

/// The set of projectors Bulkhead runs, in order.
public enum Projectors {
    /// Every projector.
    public static let all: [any Projector] = [
        TenancyProjector(), ProjectProjector(), AnalysisProjector(), SyncProjector(), MatchProjector(),
    ]

    /// The projector named `name`.
    /// - Throws: ``ProjectionError/unknownProjection(_:known:)``.
    public static func named(_ name: String) throws -> any Projector {
        guard let projector = all.first(where: { $0.name == name }) else {
            throw ProjectionError.unknownProjection(name, known: all.map(\.name))
        }
        return projector
    }
}
