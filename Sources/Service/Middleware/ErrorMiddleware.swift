import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Turns every error into a JSON error response: library errors into their documented status
/// (``ServiceError/from(_:)``), anything else into a 500 that shows no internals (what went wrong
/// is logged with the request id).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            guard let mapped = ServiceError.from(error) else {
                context.logger.error("internal error", metadata: ["error": .string(String(describing: error))])
                return try ServiceError.internalError.response(from: request, context: context)
            }
            if mapped.status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": .string(mapped.description)])
            } else if mapped.code == RequestBodyLimit.incomplete.code {
                // The client's doing (it went away, or sent a broken chunk): worth a line, not an alarm.
                context.logger.notice(
                    "the request body ended before it was complete (the client went away); nothing was written")
            }
            return try mapped.response(from: request, context: context)
        }
    }
}
