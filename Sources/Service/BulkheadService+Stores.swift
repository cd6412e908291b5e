import BulkheadCore
import Projections

extension BulkheadService {
    /// Runs `body` with the store of `tenant`; work the store turned away (a full writer queue,
    /// the limit of heavy work) becomes 503 `unavailable`, with nothing of it written.
    func withStore<R>(_ tenant: TenantID, _ body: (TenantStore) async throws -> R) async throws -> R {
        do {
            return try await body(try stores.store(for: tenant))
        } catch let error as TenantStoreError {
            throw ServiceError(.serviceUnavailable, code: "unavailable", message: error.description)
        }
    }
}
