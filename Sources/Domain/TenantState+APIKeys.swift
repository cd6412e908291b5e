import Foundation

extension TenantState {
    /// Checks that `keyID` may be recorded as the API key that submitted a command: it must be one
    /// of this tenant's own keys and not revoked. A key of another tenant is not found here, like
    /// an id that never existed, and nothing about it is revealed.
    ///
    /// - Throws: ``CommandError/notFound(entity:id:)`` for a key this tenant never issued,
    ///   ``CommandError/refused(_:)`` for a revoked one.
    public func checkSubmittingAPIKey(_ keyID: UUID) throws {
        let id = keyID.uuidString.lowercased()
        guard let key = try apiKey(keyID) else { throw CommandError.notFound(entity: "API key", id: id) }
        guard key.revokedAt == nil else {
            throw CommandError.refused("API key \(id) of tenant \(tenant) was revoked; nothing was written")
        }
    }
}
