import BulkheadCore
import HTTPTypes

extension FailureKind {
    /// The HTTP status of each kind: 400 invalid, 404 not found, 409 conflict, 503 unavailable,
    /// 500 integrity, storage and internal (their messages are logged, not shown).
    public var status: HTTPResponse.Status {
        switch self {
        case .invalid: return .badRequest
        case .notFound: return .notFound
        case .conflict: return .conflict
        case .unavailable: return .serviceUnavailable
        case .integrity, .storage, .internal: return .internalServerError
        }
    }

    /// Whether a response shows only the kind: the message of an integrity, storage or internal
    /// failure may name paths, keys and LMDB codes.
    public var hidesMessage: Bool { status.code >= 500 && self != .unavailable }

    /// The kind of a status the service chose itself: 404 not found, 409 conflict, 503
    /// unavailable, any other 4xx invalid (401, 405, 413, 415 refine it), any other 5xx internal.
    public static func kind(of status: HTTPResponse.Status) -> FailureKind {
        switch status.code {
        case 404: return .notFound
        case 409: return .conflict
        case 503: return .unavailable
        case 400..<500: return .invalid
        default: return .internal
        }
    }
}
