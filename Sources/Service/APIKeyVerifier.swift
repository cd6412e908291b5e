import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections
import Synchronization

/// Resolves an API key to the tenant it opens.
///
/// The key's SHA-256 is looked up in the catalog (`Catalog.apiKey(hash:)`), which says which tenant
/// and key id it belongs to and whether it was revoked; the tenant's own record of the key (its
/// hash, from the tenancy projection) is then compared with the presented key's hash in constant
/// time. The revocation flag is read from the catalog on every request, so a key revoked by the
/// CLI in another process stops working at once; only the (immutable) hash of a key id is cached.
final class APIKeyVerifier: Sendable {
    private let data: DataDirectory
    private let engine: TenantEngine
    private let hashes = Mutex<[KeyRef: [UInt8]]>([:])

    private struct KeyRef: Hashable {
        let tenant: TenantID
        let keyID: UUID
    }

    /// What a verified key opens.
    struct Verified: Sendable {
        let tenant: TenantID
        let keyID: UUID
    }

    init(data: DataDirectory, engine: TenantEngine) {
        self.data = data
        self.engine = engine
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
        let ref = KeyRef(tenant: record.tenant, keyID: record.keyID)
        let stored: [UInt8]
        if let cached = hashes.withLock({ $0[ref] }) {
            stored = cached
        } else {
            guard let info = try engine.read(tenant: record.tenant, { try $0.apiKey(record.keyID) }),
                  let bytes = [UInt8](hex: info.keyHash) else {
                throw ServiceError.unauthorized("unknown API key")
            }
            // The tenant's log is the truth: a key it revoked is refused even if the catalog lags.
            guard info.revokedAt == nil else { throw ServiceError.unauthorized("the API key was revoked") }
            hashes.withLock { $0[ref] = bytes }
            stored = bytes
        }
        guard Self.constantTimeEqual(stored, presented) else { throw ServiceError.unauthorized("unknown API key") }
        return Verified(tenant: record.tenant, keyID: record.keyID)
    }

    /// Compares two byte strings in time that depends only on their lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
