import BulkheadCore
import Domain
import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Projections
import Workflows

/// `POST /v1/commands/{name}`: runs a domain command for the key's tenant.
///
/// The body is the command's JSON (`Schemas/commands/<name>.schema.json`; an empty body is `{}`),
/// at most `CommandCatalog.maxBodyBytes`. The actor recorded on the events is the
/// `X-Bulkhead-Actor` header; the id of the API key is recorded beside it. Commands of one tenant
/// that arrive together share one durable commit (``TenantStore``). Nothing is written unless the
/// answer is 200.
struct CommandController {
    static var actorHeader: HTTPField.Name { HTTPField.Name("X-Bulkhead-Actor")! }

    let service: BulkheadService

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.post("commands/{name}", use: run)
    }

    @Sendable func run(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        guard CommandCatalog.names.contains(name) else {
            let known = CommandCatalog.names.joined(separator: ", ")
            throw ServiceError(.notFound, code: "unknown_command",
                               message: "unknown command \(Echo.quote(name)); known commands: \(known)")
        }
        guard let actor = request.headers[Self.actorHeader], !actor.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ServiceError.invalid("X-Bulkhead-Actor", "the header is required: the user recorded as the actor of the events")
        }
        // The header's bytes were decoded as UTF-8 with each invalid sequence replaced by U+FFFD: an
        // actor recorded with those would not be the one the client meant (a Latin-1 "José", say).
        guard !actor.unicodeScalars.contains("\u{FFFD}") else {
            throw ServiceError.invalid("X-Bulkhead-Actor", "must be UTF-8 text (a byte that is not UTF-8 was sent)")
        }
        // Checked here too, so that a refusal names the header the client sent.
        do {
            try TenantEngine.checkActor(actor)
        } catch let CommandError.invalid(_, reason) {
            throw ServiceError.invalid("X-Bulkhead-Actor", reason)
        }
        let body = try await RequestBodyLimit.collectJSON(request, limit: CommandCatalog.maxBodyBytes)
        let command = try CommandCatalog.decode(name: name, json: body.isEmpty ? Data("{}".utf8) : body)
        // The key's id is recorded on the events (record format 2): the audit trail shows both the
        // person the application vouched for and the credential it used.
        let outcome = try await service.withStore(context.tenant) {
            try await $0.write(command, actor: actor, apiKeyID: context.apiKeyID)
        }
        context.logger.debug("command applied", metadata: ["command": .string(name), "events": .stringConvertible(outcome.events.count)])
        var result = CommandResult(outcome)
        if let signer = service.signer, let positions = outcome.positions {
            result.receipt = try signer.receipt(for: outcome)?.json
            if signer.claimCheckpoint(tenant: context.tenant, head: positions.upperBound) {
                Self.checkpointInBackground(signer, context.tenant, stores: service.stores, logger: context.logger)
            }
        }
        return try JSONResponse.encode(result)
    }

    /// Signs a checkpoint off the request: its write transaction does not delay the answer.
    static func checkpointInBackground(_ signer: AuditSigner, _ tenant: TenantID, stores: Stores, logger: Logger) {
        Task.detached {
            do {
                _ = try await stores.store(for: tenant).onWriter { _ = try signer.checkpoint(tenant: tenant) }
            } catch {
                logger.error("checkpoint failed", metadata: ["tenant": "\(tenant)", "error": "\(error)"])
            }
        }
    }
}

/// Collects a request body while counting: a body over the limit is refused (413) as soon as it
/// is known to be too large, without buffering the rest.
enum RequestBodyLimit {
    /// The error of a body that ended before it was complete (the client closed the connection, or
    /// sent a malformed chunk): the client's doing, not a server failure.
    static let incomplete = ServiceError(
        .badRequest, code: "incomplete_body",
        message: "the body ended before it was complete (the connection closed, or a chunk was malformed)")

    /// Collects a JSON body: a non-empty body not declared `application/json` is refused (415,
    /// naming the declared type) before it is read when its `Content-Length` says it is not empty.
    static func collectJSON(_ request: Request, limit: Int) async throws -> Data {
        let declared = request.headers[.contentType]
        let json = declared.map(isJSON) ?? false
        if !json, let length = request.headers[.contentLength].flatMap({ Int($0) }), length > 0 {
            throw ServiceError.unsupportedMediaType(declared)
        }
        let body = try await collect(request, limit: limit)
        if !json, !body.isEmpty { throw ServiceError.unsupportedMediaType(declared) }
        return body
    }

    /// Whether a `Content-Type` is `application/json` (any parameters, any case).
    static func isJSON(_ contentType: String) -> Bool {
        let media = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return media.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }

    /// Collects the body, at most `limit` bytes.
    ///
    /// - Throws: ``ServiceError`` 413 over the limit; 400 `incomplete_body` when the body stream
    ///   fails (the client went away mid-body).
    static func collect(_ request: Request, limit: Int) async throws -> Data {
        let tooLarge = ServiceError(
            .contentTooLarge, code: "too_large", message: "the body is larger than the limit of \(limit) bytes")
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit { throw tooLarge }
        var collected = ByteBuffer()
        do {
            for try await chunk in request.body {
                guard collected.readableBytes + chunk.readableBytes <= limit else { throw tooLarge }
                var chunk = chunk
                collected.writeBuffer(&chunk)
            }
        } catch let error as ServiceError {
            throw error
        } catch {
            throw incomplete
        }
        return Data(collected.readableBytesView)
    }
}
