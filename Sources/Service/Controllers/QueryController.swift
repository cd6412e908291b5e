import BulkheadCore
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Projections

/// The `GET /v1/...` projection queries: the same answers as `bulkhead query --format json`, for
/// the key's tenant only.
///
/// Each accepts `asOf` (a log position, or an ISO 8601 time): the answer is then computed in
/// memory from the tenant's log up to that point, off the cooperative pool, without touching the
/// stored projections. An id that does not exist in the tenant, whether it never existed or is
/// another tenant's, is a 404 with the same message.
struct QueryController {
    let service: BulkheadService

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get("projects") { request, context in
            try JSONResponse.encode(try await view(request, context) { try $0.projects() })
        }
        group.get("projects/{id}") { request, context in
            let id = try uuid(context, "id")
            return try JSONResponse.encode(try await view(request, context) { try $0.requireProject(id) })
        }
        group.get("projects/{id}/syncs") { request, context in
            let id = try uuid(context, "id")
            return try JSONResponse.encode(try await view(request, context) { try $0.syncChain(project: id) })
        }
        group.get("projects/{id}/runs") { request, context in
            let id = try uuid(context, "id")
            return try JSONResponse.encode(try await view(request, context) { try $0.runs(project: id) })
        }
        group.get("notes/{id}/context") { request, context in
            let id = try uuid(context, "id")
            let limit = try integer(request, "limitPerKind")
            return try JSONResponse.encode(try await view(request, context) {
                try $0.enrichmentContext(note: id, limitPerKind: limit)
            })
        }
        group.get("match-reports") { request, context in
            let season = request.uri.queryParameters["season"].map(String.init)
            if let season { try checkSeasonName(season, field: "season") }
            return try JSONResponse.encode(try await view(request, context) { try $0.matchReports(season: season) })
        }
        group.get("seasons/{name}/table") { request, context in
            let raw = try context.parameters.require("name")
            let name = raw.removingPercentEncoding ?? raw
            try checkSeasonName(name, field: "name")
            return try JSONResponse.encode(try await view(request, context) { try $0.seasonTable(name) })
        }
        group.get("hall-of-fame") { request, context in
            try JSONResponse.encode(try await view(request, context) { try $0.hallOfFame() })
        }
        group.get("users") { request, context in
            try JSONResponse.encode(try await view(request, context) { try $0.users() })
        }
        group.get("config") { request, context in
            try JSONResponse.encode(try await view(request, context) { try $0.configDocument() })
        }
        group.get("api-keys") { request, context in
            try JSONResponse.encode(try await view(request, context) { try $0.apiKeys() })
        }
        addReadModelRoutes(to: group)
    }

    /// The read models of the teams' screens: seasons, a project's notes, posts and knowledge
    /// (paginated), one note or post, and the models of each feature.
    private func addReadModelRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get("seasons") { request, context in
            try JSONResponse.encode(try await view(request, context) { try $0.seasonSummaries() })
        }
        group.get("projects/{id}/notes") { request, context in
            let id = try uuid(context, "id")
            let page = try pageRequest(request)
            return try JSONResponse.encode(try await view(request, context) { try $0.notes(project: id, page: page) })
        }
        group.get("notes/{id}") { request, context in
            let id = try uuid(context, "id")
            return try JSONResponse.encode(try await view(request, context) { try $0.requireNote(id) })
        }
        group.get("projects/{id}/posts") { request, context in
            let id = try uuid(context, "id")
            let page = try pageRequest(request)
            return try JSONResponse.encode(try await view(request, context) { try $0.posts(project: id, page: page) })
        }
        group.get("posts/{id}") { request, context in
            let id = try uuid(context, "id")
            return try JSONResponse.encode(try await view(request, context) { try $0.requirePost(id) })
        }
        group.get("projects/{id}/knowledge") { request, context in
            let id = try uuid(context, "id")
            let page = try pageRequest(request)
            let kind = try request.uri.queryParameters["kind"].map {
                try KnowledgeKind(parameter: String($0), field: "kind")
            }
            return try JSONResponse.encode(try await view(request, context) {
                try $0.knowledge(project: id, kind: kind, page: page)
            })
        }
        group.get("models") { request, context in
            try JSONResponse.encode(try await view(request, context) { try $0.models() })
        }
    }

    /// `limit` and `offset` of the query string (defaults when absent).
    private func pageRequest(_ request: Request) throws -> PageRequest {
        let parameters = request.uri.queryParameters
        return try PageRequest(
            limitText: parameters["limit"].map(String.init), offsetText: parameters["offset"].map(String.init))
    }

    /// A whole-number query parameter, or `nil` when absent.
    private func integer(_ request: Request, _ name: String) throws -> Int? {
        guard let text = request.uri.queryParameters[Substring(name)].map(String.init) else { return nil }
        guard let value = Int(text) else {
            throw ServiceError.invalid(name, "\(Echo.quote(text)) is not a whole number")
        }
        return value
    }

    /// Runs `body` over the tenant's live projections, or over projections computed as of `asOf`.
    private func view<R: Sendable>(_ request: Request, _ context: TenantRequestContext, _ body: @escaping @Sendable (TenantView) throws -> R) async throws -> R {
        guard let asOf = request.uri.queryParameters["asOf"].map(String.init) else {
            return try await service.withStore(context.tenant) { try await $0.read(body) }
        }
        if let position = UInt64(asOf) {
            return try await service.withStore(context.tenant) { try await $0.asOf(position: position, body) }
        }
        guard let time = Timestamp.parse(asOf) else {
            throw ServiceError.invalid(
                "asOf",
                "\(Echo.quote(asOf)) is neither a log position nor an ISO 8601 time such as 2026-01-05T10:00:00Z")
        }
        return try await service.withStore(context.tenant) { try await $0.asOf(time: time, body) }
    }

    private func uuid(_ context: TenantRequestContext, _ name: String) throws -> UUID {
        let text = try context.parameters.require(name)
        guard let id = UUID(uuidString: text) else {
            throw ServiceError.invalid(name, "\(Echo.quote(text)) is not a UUID")
        }
        return id
    }

    private func checkSeasonName(_ name: String, field: String) throws {
        guard !name.isEmpty, name.utf8.count <= 200 else { throw ServiceError.invalid(field, "must be 1 to 200 bytes") }
    }
}
