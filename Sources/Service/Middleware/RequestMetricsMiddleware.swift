import Dispatch
import HTTPTypes
import Hummingbird

/// Counts requests and records their latency by route template (`/v1/projects/{id}`, never the
/// concrete path, so ids do not become label values), method and status. Never by tenant.
///
/// Both are recorded once the response body has been written (as Hummingbird's
/// `MetricsMiddleware` does, by wrapping the body's writer): a streamed or large body counts its
/// whole time, not only the time to its first byte.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        var response = try await next(request, context)
        let route = context.endpointPath ?? "NotFound"
        let (method, status) = (request.method.rawValue, response.status.code)
        let metrics = metrics
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            // Recorded whether the write finished or failed (a client that went away mid-stream).
            defer {
                metrics.request(route: route, method: method, status: status,
                                nanoseconds: DispatchTime.now().uptimeNanoseconds - started)
            }
            try await body.write(writer)
        }
        return response
    }
}
