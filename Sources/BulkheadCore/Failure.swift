/// A classified failure: its ``FailureKind``, a stable code for programs, one line for people and,
/// for invalid input, the field at fault. Every edge (CLI exit codes and JSON errors, HTTP
/// statuses and error bodies) renders this value and nothing else.
///
/// ```swift
/// let failure = Failure.of(CommandError.refused("a run is active"))
/// // kind .conflict, code "refused", message "refused: a run is active"
/// ```
public struct Failure: Equatable, Sendable {
    /// The classification the exit code and the HTTP status are mapped from.
    public let kind: FailureKind
    /// A short stable code for programs, e.g. `invalid`, `not_found`, `refused`, `storage`.
    public let code: String
    /// One line a person can act on. For ``FailureKind/integrity``, ``FailureKind/storage`` and
    /// ``FailureKind/internal`` it may name paths and internals: the HTTP service logs it and
    /// shows a generic line instead.
    public let message: String
    /// The field (or option, or header) at fault, for ``FailureKind/invalid``.
    public let field: String?

    /// Creates a failure.
    public init(_ kind: FailureKind, code: String, message: String, field: String? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.field = field
    }

    /// The failure `error` carries: its own classification when it is a ``ClassifiedError``,
    /// else an internal failure (``FailureKind/internal``) described by the error itself.
    public static func of(_ error: any Error) -> Failure {
        if let classified = error as? any ClassifiedError { return classified.failure }
        return Failure(.internal, code: FailureKind.internal.rawValue, message: String(describing: error))
    }
}
