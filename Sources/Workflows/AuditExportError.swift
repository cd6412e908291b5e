import Foundation

/// Why an export was refused.
public enum AuditExportError: Error, Equatable, CustomStringConvertible, Sendable {
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
}
