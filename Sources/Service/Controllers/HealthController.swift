import BulkheadCore
import Domain
import Foundation
import HTTPTypes
import Hummingbird

/// The routes without an API key: `GET /health` (the process answers), `GET /ready` (the data
/// directory is open and its catalog readable) and `GET /metrics` (Prometheus text). None of them
/// shows anything about any tenant beyond per-tenant metric counters.
struct HealthController {
    let service: BulkheadService

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("health") { _, _ in
            JSONResponse.data(try Self.ok.get())
        }
        router.get("ready") { _, context in
            do {
                // A read of the catalog proves the data directory is open and readable.
                _ = try service.data.catalog.tenant(TenantID(UUID()))
                return try JSONResponse.encode(HealthStatus(status: "ready"))
            } catch {
                context.logger.error("not ready", metadata: ["error": .string(String(describing: error))])
                let error = ServiceError(
                    .serviceUnavailable, code: "unavailable", message: "the data directory cannot be read")
                return try error.responseWithoutRequest()
            }
        }
        router.get("metrics") { _, _ in
            let buffer = ByteBuffer(string: service.metrics.render())
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer))
        }
    }

    /// `{"status":"ok"}`, encoded once: `/health` is the baseline the load tests compare with.
    static let ok = Result { try EventCatalog.jsonEncoder.encode(HealthStatus(status: "ok")) }
}

/// The body of `/health` and `/ready` (`Schemas/openapi.yaml`, `Status`).
struct HealthStatus: Encodable {
    /// `ok` or `ready`.
    let status: String
}

extension ServiceError {
    /// The error's response, for handlers that answer with it rather than throw it.
    func responseWithoutRequest() throws -> Response {
        var response = JSONResponse.data(try body, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}
