/// An error that knows what kind of failure it is. Every error Bulkhead's libraries throw conforms,
/// and each decides its ``Failure`` (kind, code, message, field) next to its own cases; the CLI
/// and the HTTP service only map the kind (``FailureKind/exitCode``, the service's statuses).
///
/// ```swift
/// extension QueryNotFound: ClassifiedError {
///     public var failure: Failure { Failure(.notFound, code: "not_found", message: description) }
/// }
/// ```
public protocol ClassifiedError: Error {
    /// The failure this error is.
    var failure: Failure { get }
}

extension ClassifiedError {
    /// The kind of ``failure``.
    public var kind: FailureKind { failure.kind }
}
