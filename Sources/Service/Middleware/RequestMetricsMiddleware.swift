import Dispatch
import HTTPTypes
import Hummingbird

/// Counts requests and records their latency by route template (`/v1/projects/{id}`, never the
/// concrete path, so ids do not become label values), method and status.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        let response = try await next(request, context)
        metrics.request(route: context.endpointPath ?? "NotFound", method: request.method.rawValue, status: response.status.code,
                        nanoseconds: DispatchTime.now().uptimeNanoseconds - started)
        return response
    }
}
