import BulkheadCore
import Domain
import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import Projections
import Storage
import Workflows

/// An error at the HTTP edge: it carries its own status and renders as
/// `{"error": {"code": ..., "message": ..., "field": ...}}` (`Schemas/openapi.yaml`, `Error`).
///
/// Library errors become one through ``from(_:)``: their ``Failure`` decides the status
/// (``FailureKind/status``); the service's own errors (401, 405, 413, 415, 503) name theirs.
///
/// ```swift
/// throw ServiceError(.badRequest, code: "invalid", message: "missing header", field: "X-Bulkhead-Actor")
/// ```
public struct ServiceError: HTTPResponseError, ClassifiedError, CustomStringConvertible, Sendable {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// A short stable code for programs (`invalid`, `not_found`, `refused`, `unauthorized`, ...).
    public let code: String
    /// One line a person can act on; never internals.
    public let message: String
    /// The field at fault, for `invalid`.
    public let field: String?
    /// Extra response headers (`WWW-Authenticate` on a 401).
    public var headers: HTTPFields = [:]

    /// The most bytes of a message (and of a field name) a response carries: a library error that
    /// quotes a long input is cut there (the service's own messages quote input through ``Echo``).
    public static let maxMessageBytes = 1024

    /// Creates the error; `message` and `field` are cut to ``maxMessageBytes``.
    public init(_ status: HTTPResponse.Status, code: String, message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = Echo.bound(message, limit: Self.maxMessageBytes)
        self.field = field.map { Echo.bound($0, limit: Self.maxMessageBytes) }
    }

    /// `status code: message`.
    public var description: String { "\(status.code) \(code): \(message)" }

    /// The kind the status belongs to (``FailureKind/kind(of:)``).
    public var failure: Failure { Failure(FailureKind.kind(of: status), code: code, message: message, field: field) }

    /// The JSON body.
    public var body: Data {
        get throws {
            try EventCatalog.jsonEncoder.encode(ErrorBody(error: .init(code: code, message: message, field: field)))
        }
    }

    /// Renders the error as its JSON response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.data(try body, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}

/// The JSON form of an error (`Schemas/openapi.yaml`, `Error`).
struct ErrorBody: Encodable {
    /// What went wrong.
    struct Detail: Encodable {
        let code: String
        let message: String
        let field: String?
    }

    let error: Detail
}

extension ServiceError {
    /// 401 with a `WWW-Authenticate: Bearer` challenge.
    static func unauthorized(_ message: String) -> ServiceError {
        var error = ServiceError(.unauthorized, code: "unauthorized", message: message)
        error.headers[.wwwAuthenticate] = "Bearer realm=\"bulkhead\""
        return error
    }

    /// 400 naming the field.
    static func invalid(_ field: String, _ reason: String) -> ServiceError {
        ServiceError(.badRequest, code: "invalid", message: "invalid field '\(field)': \(reason)", field: field)
    }

    /// 415 for a body that is not declared `application/json`, naming the type it was declared as.
    static func unsupportedMediaType(_ declared: String?) -> ServiceError {
        let what = declared.map { "declared as \(Echo.quote($0))" } ?? "sent without a Content-Type"
        return ServiceError(
            .unsupportedMediaType, code: "unsupported_media_type",
            message: "the body is \(what); send it as Content-Type: application/json", field: "Content-Type")
    }

    /// 404 for something of this tenant that does not exist (or is another tenant's).
    static func notFound(_ message: String) -> ServiceError {
        ServiceError(.notFound, code: "not_found", message: message)
    }

    /// The generic 500: what went wrong is logged, never shown.
    static let internalError = hidden(.internal)

    /// The response to a failure whose message may hold internals (``FailureKind/hidesMessage``):
    /// its kind's status and code, and a line that points to the server's log.
    static func hidden(_ kind: FailureKind) -> ServiceError {
        let what: String
        switch kind {
        case .integrity: what = "stored data failed an integrity check"
        case .storage: what = "the store could not complete the request"
        default: what = "internal error"
        }
        return ServiceError(
            kind.status, code: kind.rawValue,
            message: "\(what); the request id in X-Request-ID locates it in the server's log")
    }

    /// Maps any error to its HTTP form: a ``ServiceError`` as it is, Hummingbird's `HTTPError` by
    /// its status, everything else by its ``Failure`` (``FailureKind/status``). Integrity, storage
    /// and internal failures show their kind and no internals (the caller logs the error).
    static func from(_ error: any Error) -> ServiceError {
        switch error {
        case let e as ServiceError: return e
        case let e as HTTPError:
            return ServiceError(e.status, code: Self.code(for: e.status), message: e.body ?? e.status.reasonPhrase)
        default:
            let failure = Failure.of(error)
            if failure.kind.hidesMessage { return hidden(failure.kind) }
            return ServiceError(failure.kind.status, code: failure.code, message: failure.message, field: failure.field)
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: return "invalid"
        case 401: return "unauthorized"
        case 404: return "not_found"
        case 405: return "method_not_allowed"
        case 409: return "conflict"
        case 413: return "too_large"
        case 415: return "unsupported_media_type"
        case 503: return "unavailable"
        default: return status.code >= 500 ? "internal" : "error"
        }
    }
}
