/// What kind of failure an error is: the one classification of every error Bulkhead throws,
/// mapped once to the CLI's exit codes (``exitCode``) and once to HTTP statuses (the service's
/// `FailureKind.status`).
///
/// ```swift
/// let failure = Failure.of(error)          // kind, code, message, field
/// exit(failure.kind.exitCode)              // 1 invalid, 2 not found, 3 conflict, ...
/// ```
public enum FailureKind: String, CaseIterable, Codable, Sendable {
    /// Bad input: a field, an argument or a document the caller can correct.
    case invalid
    /// Something of this tenant (or the tenant itself) that does not exist.
    case notFound = "not_found"
    /// The request conflicts with the current state (a guard refused it, a slug is taken, ...).
    case conflict
    /// The service cannot take the request now (a queue is full); the same request may succeed
    /// later, and nothing of it was written.
    case unavailable
    /// Stored bytes failed a check: a corrupt record, a broken chain, a partition of another tenant.
    case integrity
    /// The storage layer failed (a full disk, a map at its size limit, an I/O error).
    case storage
    /// A failure inside Bulkhead that none of the others describes (a bug).
    case `internal`

    /// The CLI's exit code: 1 invalid, 2 not found, 3 conflict, 4 integrity, 5 storage and
    /// internal, 75 unavailable (`EX_TEMPFAIL` of `sysexits.h`: try again later).
    public var exitCode: Int32 {
        switch self {
        case .invalid: return 1
        case .notFound: return 2
        case .conflict: return 3
        case .integrity: return 4
        case .storage, .internal: return 5
        case .unavailable: return 75
        }
    }
}
