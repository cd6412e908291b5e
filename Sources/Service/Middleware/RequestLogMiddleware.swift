import Dispatch
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Gives each request an id (the client's `X-Request-ID` when it is short and printable, else a
/// new one), puts it in the logger's metadata as `request_id`, returns it as `X-Request-ID`, and
/// logs one line per request with its status, duration and (once the API key was resolved) tenant.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    static var requestIDHeader: HTTPField.Name { HTTPField.Name("X-Request-ID")! }

    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        let id = request.headers[Self.requestIDHeader].flatMap(Self.acceptable) ?? context.id
        var context = context
        context.logger[metadataKey: "request_id"] = .string(id)
        var response = try await next(request, context)
        response.headers[Self.requestIDHeader] = id
        let micros = (DispatchTime.now().uptimeNanoseconds - started) / 1000
        if let tenant = context.notes.tenant { context.logger[metadataKey: "tenant"] = .string(tenant.description) }
        context.logger.info("\(request.method) \(request.uri.path) \(response.status.code) \(micros)us")
        return response
    }

    private static func acceptable(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count), value.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else { return nil }
        return value
    }
}
