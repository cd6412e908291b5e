import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections

/// Resolves an API key to the tenant it opens.
///
/// The key's SHA-256 is looked up in the catalog (`Catalog.apiKey(hash:)`), an index that says
/// which tenant and key id it belongs to; the tenant's own record of the key (from the tenancy
/// projection, kept in step with its log) then decides: its hash is compared with the presented
/// key's in constant time, and a key the tenant's log revoked is refused even when the catalog
/// lags behind (its update follows the tenant's commit and can fail on its own). Both are read on
/// every request, so a key revoked by the CLI in another process stops working at once.
final class APIKeyVerifier: Sendable {
    private let data: DataDirectory
    private let stores: Stores
    private var engine: TenantEngine { stores.engine }

    /// What a verified key opens.
    struct Verified: Sendable {
        let tenant: TenantID
        let keyID: UUID
    }

    init(data: DataDirectory, stores: Stores) {
        self.data = data
        self.stores = stores
    }

    /// The tenant `key` opens, checked on the stores' read pool: opening a tenant's environment
    /// or a projection table is blocking work.
    ///
    /// - Throws: ``ServiceError`` 401 for an unknown, revoked or mismatching key.
    func verify(key: String) async throws -> Verified {
        try await stores.readPool.run { try self.verify(key: key) }
    }

    /// Whether the tenant's log has revoked key `keyID`, checked on the stores' read pool.
    func isRevoked(tenant: TenantID, keyID: UUID) async throws -> Bool {
        try await stores.readPool.run { try self.isRevoked(tenant: tenant, keyID: keyID) }
    }

    /// The tenant `key` opens.
    ///
    /// - Throws: ``ServiceError`` 401 for an unknown, revoked or mismatching key.
    func verify(key: String) throws -> Verified {
        let presented = APIKeys.hashBytes(key)
        guard let record = try data.catalog.apiKey(hash: presented) else {
            throw ServiceError.unauthorized("unknown API key")
        }
        guard !record.revoked else { throw ServiceError.unauthorized("the API key was revoked") }
        guard let info = try engine.read(tenant: record.tenant, { try $0.apiKey(record.keyID) }),
              let stored = [UInt8](hex: info.keyHash) else {
            throw ServiceError.unauthorized("unknown API key")
        }
        guard info.revokedAt == nil else { throw ServiceError.unauthorized("the API key was revoked") }
        guard Self.constantTimeEqual(stored, presented) else { throw ServiceError.unauthorized("unknown API key") }
        return Verified(tenant: record.tenant, keyID: record.keyID)
    }

    /// Whether the tenant's log has revoked key `keyID` (or no longer knows it): for streams
    /// that outlive the request that verified their key.
    func isRevoked(tenant: TenantID, keyID: UUID) throws -> Bool {
        guard let info = try engine.read(tenant: tenant, { try $0.apiKey(keyID) }) else { return true }
        return info.revokedAt != nil
    }

    /// Compares two byte strings in time that depends only on their lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
