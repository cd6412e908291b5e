import BulkheadCore
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Projections

/// `POST /v1/commands/{name}`: runs a domain command for the key's tenant.
///
/// The body is the command's JSON (`Schemas/commands/<name>.schema.json`; an empty body is `{}`),
/// at most `CommandCatalog.maxBodyBytes`. The actor recorded on the events is the
/// `X-Bulkhead-Actor` header. Commands of one tenant that arrive together share one durable
/// commit (``TenantCommitter``). Nothing is written unless the answer is 200.
struct CommandController {
    static var actorHeader: HTTPField.Name { HTTPField.Name("X-Bulkhead-Actor")! }

    let service: BulkheadService

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.post("commands/{name}", use: run)
    }

    @Sendable func run(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        guard CommandCatalog.names.contains(name) else {
            throw CommandError.unknownCommand(name, known: CommandCatalog.names)
        }
        guard let actor = request.headers[Self.actorHeader], !actor.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ServiceError.invalid("X-Bulkhead-Actor", "the header is required: the user recorded as the actor of the events")
        }
        let body = try await RequestBodyLimit.collect(request, limit: CommandCatalog.maxBodyBytes)
        let command = try CommandCatalog.decode(name: name, json: body.isEmpty ? Data("{}".utf8) : body)
        let outcome = try await service.committer.submit(command, tenant: context.tenant, actor: actor)
        context.logger.debug("command applied", metadata: ["command": .string(name), "events": .stringConvertible(outcome.events.count)])
        return try JSONResponse.encode(CommandResult(outcome))
    }
}

/// What `POST /v1/commands/{name}` answers (`Schemas/openapi.yaml`, `CommandResult`); the same
/// fields as `bulkhead exec --format json`.
struct CommandResult: Encodable {
    let command: String
    let tenant: String
    /// `applied`, `skipped` (an analysis request while a run is active or recent) or
    /// `nothing to do` (nothing needed changing, such as an expiry with no stale run).
    let status: String
    let ids: [String: String]
    let positions: [UInt64]?
    let events: [EventLine]
    let skipped: SkipLine?
    /// A new API key, shown once (only its hash is stored).
    let apiKey: String?

    struct EventLine: Encodable {
        let position: UInt64
        let type: String
        let stream: String
    }

    struct SkipLine: Encodable {
        let reason: String
        let runId: String
    }

    init(_ outcome: CommandOutcome) {
        command = outcome.command
        tenant = outcome.tenant.description
        status = outcome.skipped != nil ? "skipped" : (outcome.events.isEmpty ? "nothing to do" : "applied")
        ids = outcome.ids.mapValues { $0.uuidString.lowercased() }
        positions = outcome.positions.map { [$0.lowerBound, $0.upperBound] }
        events = outcome.events.map { EventLine(position: $0.position, type: $0.type, stream: $0.stream) }
        skipped = outcome.skipped.map { SkipLine(reason: $0.reason, runId: $0.runId.uuidString.lowercased()) }
        apiKey = outcome.secret
    }
}

/// Collects a request body while counting: a body over the limit is refused (413) as soon as it
/// is known to be too large, without buffering the rest.
enum RequestBodyLimit {
    static func collect(_ request: Request, limit: Int) async throws -> Data {
        let tooLarge = ServiceError(.contentTooLarge, code: "too_large", message: "the body is larger than the limit of \(limit) bytes")
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit { throw tooLarge }
        var collected = ByteBuffer()
        for try await chunk in request.body {
            guard collected.readableBytes + chunk.readableBytes <= limit else { throw tooLarge }
            var chunk = chunk
            collected.writeBuffer(&chunk)
        }
        return Data(collected.readableBytesView)
    }
}
