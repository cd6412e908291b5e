import BulkheadCore

/// Work a ``TenantStore`` turned away at once, before any of it ran: nothing was written, and the
/// same work may be retried shortly (the HTTP service answers 503 `unavailable`).
public enum TenantStoreError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
    /// `waiting` commands of `tenant` already wait for its next commits.
    case writerBusy(tenant: TenantID, waiting: Int)
    /// `limit` replays or rebuilds of logs already run.
    case heavyWorkBusy(limit: Int)

    /// What happened, for a person.
    public var description: String {
        switch self {
        case .writerBusy(_, let waiting):
            return "\(waiting) commands of this tenant are waiting to be committed; nothing of this one was written: "
                + "retry shortly"
        case .heavyWorkBusy(let limit):
            return "\(limit) requests that replay or rebuild a log are already running; retry shortly"
        }
    }

    /// Unavailable (HTTP 503, exit 75): nothing was written, and the same work may succeed later.
    public var failure: Failure { Failure(.unavailable, code: "unavailable", message: description) }
}
