import BulkheadCore
import Foundation

/// What the event log refuses, each case naming the tenant, stream, event or position involved.
public enum EventLogError: Error, ClassifiedError, Equatable, CustomStringConvertible, Sendable {
    /// The tenant is not registered in the catalog.
    case unknownTenant(String, suggestions: [String])
    /// A slug is already taken by another tenant.
    case slugTaken(String)
    /// A slug or display name is not acceptable; the reason says why.
    case invalidTenant(field: String, reason: String)
    /// An environment directory holds another tenant's partition.
    case wrongTenant(expected: TenantID, found: TenantID, path: String)
    /// An environment directory has no tenant record although it holds data.
    case missingTenantRecord(path: String)
    /// The expected stream version did not match.
    case versionConflict(stream: String, expected: ExpectedVersion, actual: UInt64?)
    /// An event id was appended before with other content.
    case duplicateEventID(UUID, position: UInt64)
    /// An append was malformed (empty stream id, no events, oversized fields...).
    case invalidAppend(String)
    /// A stored record could not be decoded.
    case corruptRecord(tenant: TenantID, position: UInt64, reason: String)
    /// A position was asked for that the log does not hold.
    case positionOutOfRange(tenant: TenantID, position: UInt64, head: UInt64)
    /// No checkpoint with a Merkle root covers a position an inclusion proof was asked for.
    case noCheckpoint(tenant: TenantID, position: UInt64)

    /// One line a person can act on.
    public var description: String {
        switch self {
        case .unknownTenant(let t, let suggestions):
            let hint = suggestions.isEmpty ? "" : " (did you mean \(suggestions.joined(separator: ", "))?)"
            return "unknown tenant '\(t)'\(hint)"
        case .slugTaken(let slug): return "the slug '\(slug)' is already taken by another tenant"
        case .invalidTenant(let field, let reason): return "invalid tenant \(field): \(reason)"
        case .wrongTenant(let expected, let found, let path):
            return "the environment at \(path) belongs to tenant \(found), not \(expected): refusing to open it"
        case .missingTenantRecord(let path): return "the partition at \(path) is missing, empty, or holds no tenant record: refusing to open it as an empty tenant"
        case .versionConflict(let stream, let expected, let actual):
            return "stream '\(stream)' expected \(expected) but is at \(actual.map { "version \($0)" } ?? "no stream")"
        case .duplicateEventID(let id, let position):
            return "event id \(id.uuidString.lowercased()) was already appended at position \(position) with other content"
        case .invalidAppend(let reason): return "invalid append: \(reason)"
        case .corruptRecord(let tenant, let position, let reason):
            return "tenant \(tenant): the event at position \(position) is corrupt: \(reason)"
        case .positionOutOfRange(let tenant, let position, let head):
            return "tenant \(tenant) has no event at position \(position) (head is \(head))"
        case .noCheckpoint(let tenant, let position):
            return "tenant \(tenant) has no signed checkpoint with a Merkle root at or after position \(position): "
                + "make one with `bulkhead audit checkpoint` (or POST /v1/audit/checkpoints) and ask again"
        }
    }

    /// An unknown tenant or position is `notFound`; a taken slug, a stream version or a reused
    /// event id is a `conflict`; a bad slug, name or append is `invalid`; a partition of another
    /// tenant, one without its record, or an unreadable record is an `integrity` failure.
    public var failure: Failure {
        switch self {
        case .unknownTenant: return Failure(.notFound, code: "unknown_tenant", message: description)
        case .positionOutOfRange, .noCheckpoint: return Failure(.notFound, code: "not_found", message: description)
        case .slugTaken, .versionConflict, .duplicateEventID:
            return Failure(.conflict, code: "conflict", message: description)
        case .invalidTenant(let field, _): return Failure(.invalid, code: "invalid", message: description, field: field)
        case .invalidAppend: return Failure(.invalid, code: "invalid", message: description)
        case .wrongTenant, .missingTenantRecord, .corruptRecord:
            return Failure(.integrity, code: "integrity", message: description)
        }
    }
}

/// What the writer expects of a stream's version before appending.
public enum ExpectedVersion: Equatable, Sendable, CustomStringConvertible {
    /// Append whatever the stream's version.
    case any
    /// The stream must not exist yet.
    case noStream
    /// The stream's last event must have exactly this version (1 is the first event).
    case exactly(UInt64)

    /// `any`, `no stream` or `version N`.
    public var description: String {
        switch self {
        case .any: return "any version"
        case .noStream: return "no stream"
        case .exactly(let v): return "version \(v)"
        }
    }
}
