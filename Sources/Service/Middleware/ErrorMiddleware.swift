import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Turns every error into a JSON error response by its classification (``ServiceError/from(_:)``):
/// integrity, storage and internal failures are a 500 that shows only their kind (what went wrong
/// is logged with the request id).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let mapped = ServiceError.from(error)
            if mapped.status.code >= 500 {
                let metadata: Logger.Metadata = [
                    "code": .string(mapped.code), "error": .string(String(describing: error)),
                ]
                context.logger.error("request failed", metadata: metadata)
            } else if mapped.code == RequestBodyLimit.incomplete.code {
                // The client's doing (it went away, or sent a broken chunk): worth a line, not an alarm.
                context.logger.notice(
                    "the request body ended before it was complete (the client went away); nothing was written")
            }
            return try mapped.response(from: request, context: context)
        }
    }
}
