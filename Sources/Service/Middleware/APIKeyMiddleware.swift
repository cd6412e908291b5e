import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Resolves the tenant of a `/v1` request from its `Authorization: Bearer <api key>` header and
/// stores it in the context (and the logger's metadata). The tenant comes only from the key:
/// nothing in the URL or body can name another.
///
/// No key, an unknown key and a revoked key are all 401 with a JSON error.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let verifier: APIKeyVerifier

    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw ServiceError.unauthorized("no API key: send Authorization: Bearer <key>")
        }
        // Split on the bytes: as Characters, a space followed by a combining mark is no space.
        let parts = header.utf8.split(separator: UInt8(ascii: " "), maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, String(decoding: parts[0], as: UTF8.self).lowercased() == "bearer" else {
            throw ServiceError.unauthorized("the Authorization header must be 'Bearer <key>'")
        }
        let key = String(decoding: parts[1], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty, key.utf8.count <= 256 else { throw ServiceError.unauthorized("unknown API key") }
        // On the stores' read pool, off the cooperative one: opening a tenant's environment or a
        // projection table is blocking work.
        let verified = try await verifier.verify(key: key)
        var context = context
        context.authenticatedTenant = verified.tenant
        context.apiKeyID = verified.keyID
        context.notes.tenant = verified.tenant
        context.logger[metadataKey: "tenant"] = .string(verified.tenant.description)
        return try await next(request, context)
    }
}
