import HTTPTypes
import Hummingbird

/// Answers `405 Method Not Allowed` with an `Allow` header, instead of the router's `404`, when a
/// request's path is a route of the service but its method is not (`GET /v1/commands/project.create`,
/// `DELETE /v1/projects/{id}`). A path no route has stays `404`.
///
/// The routes' methods say nothing about any tenant, so this needs no API key.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Every route template with the methods registered on it.
    private let routes: [(path: RouterPath, methods: [String])]

    /// Takes the router's routes (`Router.routes`, once every route is registered).
    init(routes: [(path: RouterPath, method: HTTPRequest.Method)]) {
        var methods: [String: (path: RouterPath, methods: [String])] = [:]
        for route in routes {
            methods[route.path.description, default: (route.path, [])].methods.append(route.method.rawValue)
        }
        self.routes = methods.values.sorted { $0.path.description < $1.path.description }
            .map { ($0.path, Array(Set($0.methods)).sorted()) }
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // Only the router's own "no such route" is an HTTPError 404; handlers throw ServiceError.
            let allowed = methods(of: request.uri.path)
            guard !allowed.isEmpty else { throw error }
            var refusal = ServiceError(
                .methodNotAllowed, code: "method_not_allowed",
                message: "\(request.method.rawValue) is not allowed here; allowed: \(allowed.joined(separator: ", "))")
            refusal.headers[.allow] = allowed.joined(separator: ", ")
            throw refusal
        }
    }

    /// The methods of every route whose template matches `path`.
    func methods(of path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed = Set<String>()
        for route in routes where route.path.components.count == segments.count {
            if zip(route.path.components, segments).allSatisfy({ $0 ~= $1 }) { allowed.formUnion(route.methods) }
        }
        return allowed.sorted()
    }
}
