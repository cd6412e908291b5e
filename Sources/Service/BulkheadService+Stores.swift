import BulkheadCore
import Projections

extension BulkheadService {
    /// Runs `body` with the store of `tenant`. Work the store turns away (a full writer queue, the
    /// limit of heavy work) is a ``TenantStoreError``, classified `unavailable`: 503, nothing written.
    func withStore<R>(_ tenant: TenantID, _ body: (TenantStore) async throws -> R) async throws -> R {
        try await body(try stores.store(for: tenant))
    }
}
