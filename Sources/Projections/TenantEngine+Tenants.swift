import BulkheadCore
import Domain
import EventLog
import Foundation

extension TenantEngine {
    /// Registers a tenant, creates its partition and adds its first user, the owner, so that the
    /// tenant is usable at once (every command's actor must be one of its users).
    ///
    /// The owner's e-mail address and name are checked before anything is registered.
    /// ```swift
    /// let (record, _) = try engine.createTenant(slug: "berko-tnf", name: "Berko TNF",
    ///                                           owner: "ana@berko.example", ownerName: "Ana", at: Date())
    /// ```
    /// - Returns: The tenant's record and the outcome of adding its owner.
    /// - Throws: ``EventLogError`` (a taken slug, a bad name), ``CommandError`` (a bad e-mail
    ///   address or name: fields `owner`, `ownerName`).
    @discardableResult
    public func createTenant(
        slug: String, name: String, owner email: String, ownerName: String, id: TenantID = .random(), at date: Date
    ) throws -> (record: TenantRecord, owner: CommandOutcome) {
        try AddOwner.checkFields(email: email, displayName: ownerName)
        try Catalog.checkNew(slug: slug, name: name, id: id, in: data.catalog)
        let record = try data.createTenant(slug: slug, name: name, id: id, at: date)
        return (record, try addOwner(tenant: record.id, email: email, displayName: ownerName))
    }

    /// Adds the first user of a tenant that has none (one created before owners existed).
    ///
    /// - Throws: ``CommandError/refused(_:)`` when the tenant already has users,
    ///   ``CommandError/invalid(field:reason:)`` for a bad address or name (`owner`, `ownerName`).
    @discardableResult
    public func addOwner(tenant: TenantID, email: String, displayName: String) throws -> CommandOutcome {
        try execute(AddOwner(email: email, displayName: displayName), tenant: tenant, as: .tenantSetup)
    }
}
