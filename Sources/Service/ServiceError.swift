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
/// ```swift
/// throw ServiceError(.badRequest, code: "invalid", message: "missing header", field: "X-Bulkhead-Actor")
/// ```
public struct ServiceError: HTTPResponseError, CustomStringConvertible, Sendable {
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

    /// The JSON body.
    public var body: Data {
        var fields = ["\"code\":\(EnvelopeJSON.quote(code))", "\"message\":\(EnvelopeJSON.quote(message))"]
        if let field { fields.append("\"field\":\(EnvelopeJSON.quote(field))") }
        return Data("{\"error\":{\(fields.joined(separator: ","))}}".utf8)
    }

    /// Renders the error as its JSON response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.data(body, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
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
    static let internalError = ServiceError(.internalServerError, code: "internal", message: "internal error; the request id in X-Request-ID locates it in the server's log")

    /// Maps a library error to its HTTP form; `nil` for errors that must not be shown (a 500).
    ///
    /// `CommandError` carries its status in its documentation: invalid 400, not found and unknown
    /// command 404, refused and missing configuration 409.
    static func from(_ error: any Error) -> ServiceError? {
        switch error {
        case let e as ServiceError: return e
        case let e as CommandError:
            switch e {
            case .invalid(let field, _):
                return ServiceError(.badRequest, code: e.code, message: e.description, field: field)
            case .notFound, .unknownCommand: return ServiceError(.notFound, code: e.code, message: e.description)
            case .refused, .missingConfig: return ServiceError(.conflict, code: e.code, message: e.description)
            }
        case let e as InputError: return ServiceError(.badRequest, code: "invalid", message: e.description, field: e.field)
        case let e as QueryNotFound: return ServiceError(.notFound, code: "not_found", message: e.description)
        case let e as EventLogError:
            switch e {
            case .versionConflict, .duplicateEventID: return ServiceError(.conflict, code: "conflict", message: e.description)
            case .invalidAppend: return ServiceError(.badRequest, code: "invalid", message: e.description)
            case .positionOutOfRange: return ServiceError(.notFound, code: "not_found", message: e.description)
            // An unknown tenant behind a valid key means the catalog lost it: not the caller's fault.
            case .unknownTenant, .slugTaken, .invalidTenant, .wrongTenant, .missingTenantRecord, .corruptRecord: return nil
            }
        case let e as ProjectionError:
            if case .unknownProjection = e { return ServiceError(.badRequest, code: "invalid", message: e.description, field: "projections") }
            if case .rebuildSuperseded = e { return ServiceError(.conflict, code: "conflict", message: e.description) }
            return nil
        case let e as HTTPError:
            return ServiceError(e.status, code: Self.code(for: e.status), message: e.body ?? e.status.reasonPhrase)
        default: return nil
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
