import BulkheadCore
import Foundation

/// Why an export was refused.
public enum AuditExportError: ClassifiedError, Equatable, CustomStringConvertible, Sendable {
    /// A bad range: the field (`from`, `to`) and what is wrong.
    case invalid(field: String, reason: String)
    /// The destination exists and is not an empty directory.
    case destinationNotEmpty(String)
    /// A file could not be created.
    case cannotWrite(String)

    /// One line a person can act on.
    public var description: String {
        switch self {
        case .invalid(let field, let reason): return "invalid field '\(field)': \(reason)"
        case .destinationNotEmpty(let path):
            return "the export destination \(path) exists and is not an empty directory"
        case .cannotWrite(let path): return "cannot create \(path)"
        }
    }

    /// A bad range is invalid input naming the field; a destination in the way is a conflict; a
    /// file that cannot be created is a storage failure.
    public var failure: Failure {
        switch self {
        case .invalid(let field, _): return Failure(.invalid, code: "invalid", message: description, field: field)
        case .destinationNotEmpty: return Failure(.conflict, code: "refused", message: description)
        case .cannotWrite: return Failure(.storage, code: "storage", message: description)
        }
    }
}
