import BulkheadCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// The context of every request: Hummingbird's core storage plus the tenant that
/// ``APIKeyMiddleware`` resolved from the request's API key (none before it ran, or on the
/// unauthenticated routes `/health`, `/ready` and `/metrics`).
public struct AppRequestContext: RequestContext {
    /// Hummingbird's per-request storage (logger, parameters, endpoint path).
    public var coreContext: CoreRequestContextStorage
    /// The tenant the API key opens; set only by ``APIKeyMiddleware``.
    public internal(set) var authenticatedTenant: TenantID?
    /// The id of the API key used.
    public internal(set) var apiKeyID: UUID?
    /// What inner middleware learned about the request, for the outer ones (the request log).
    let notes = RequestNotes()

    /// Creates the context for a new request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
    }
}

/// Per-request facts shared by every copy of one request's context: the context is a value that
/// middleware copy and change, so what an inner middleware resolves (the tenant) would otherwise
/// not be seen by the outer ones that run after it returns.
final class RequestNotes: Sendable {
    private let tenantBox = Mutex<TenantID?>(nil)

    /// The tenant the request's API key opened, once ``APIKeyMiddleware`` ran.
    var tenant: TenantID? {
        get { tenantBox.withLock { $0 } }
        set { tenantBox.withLock { $0 = newValue } }
    }
}

/// The context of the `/v1` routes: the tenant is not optional. It is built from an
/// ``AppRequestContext`` after ``APIKeyMiddleware`` ran, and only from the API key: never from
/// the URL or the body.
public struct TenantRequestContext: ChildRequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The tenant the request's API key opens.
    public let tenant: TenantID
    /// The id of that API key.
    public let apiKeyID: UUID?

    /// Takes the tenant from the parent context.
    ///
    /// - Throws: ``ServiceError`` 401 when no API key was resolved (a route registered outside
    ///   the authenticated group would be a programming error that fails closed).
    public init(context: AppRequestContext) throws {
        guard let tenant = context.authenticatedTenant else {
            throw ServiceError.unauthorized("no API key: send Authorization: Bearer <key>")
        }
        coreContext = context.coreContext
        self.tenant = tenant
        apiKeyID = context.apiKeyID
    }
}
