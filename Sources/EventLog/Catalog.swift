import BulkheadCore
import Foundation
import Storage

/// A registered tenant: its id, unique slug and display name.
public struct TenantRecord: Codable, Equatable, Sendable {
    /// The tenant's id; also the name of its partition's directory.
    public let id: TenantID
    /// A short unique name for people and scripts (`[a-z0-9-]`, 2 to 63 characters).
    public let slug: String
    /// The display name.
    public let name: String
    /// When it was registered.
    public let createdAt: Date
}

/// A stored API key: only its SHA-256, the tenant it opens and whether it was revoked.
public struct APIKeyRecord: Codable, Equatable, Sendable {
    /// The id of the key (not the key).
    public let keyID: UUID
    /// The tenant the key opens.
    public let tenant: TenantID
    /// Whether the key was revoked.
    public var revoked: Bool

    /// Creates the record.
    public init(keyID: UUID, tenant: TenantID, revoked: Bool) {
        self.keyID = keyID
        self.tenant = tenant
        self.revoked = revoked
    }
}

/// The catalog environment: the tenant registry (id, slug, name) and API key hashes, nothing else.
public final class Catalog: Sendable {
    let environment: Environment
    let tenants: Table
    let slugs: Table
    let apiKeys: Table

    /// Opens (creating) the catalog in `directory`.
    public init(directory: String) throws {
        let env = try Environment(path: directory, options: EnvironmentOptions(initialMapSize: 1 << 20, maxTables: 8))
        environment = env
        (tenants, slugs, apiKeys) = try env.write { tx in
            func open(_ name: String) throws -> Table {
                guard let t = try tx.openTable(named: name, create: true) else {
                    // Not the caller's input: the store failed to create a table (a storage failure).
                    throw StorageError(
                        code: .notFound, message: "table \(name) could not be created", context: directory)
                }
                return t
            }
            return (try open("tenants"), try open("slugs"), try open("apiKeys"))
        }
    }

    /// Checks a slug: 2 to 63 characters of `a-z`, `0-9` and `-`, starting with a letter or digit,
    /// and not shaped like a UUID (so a `--tenant` argument is never ambiguous).
    public static func validate(slug: String) throws {
        let allowed = slug.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
        guard (2...63).contains(slug.utf8.count), allowed, slug.utf8.first != 45 else {
            throw EventLogError.invalidTenant(field: "slug", reason: "'\(slug)' must be 2 to 63 characters of a-z, 0-9 and '-', not starting with '-'")
        }
        guard UUID(uuidString: slug) == nil else {
            throw EventLogError.invalidTenant(field: "slug", reason: "'\(slug)' looks like a UUID")
        }
    }

    /// Checks a tenant's display name: 1 to 200 bytes, not blank, no control characters.
    public static func validate(name: String) throws {
        guard !name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw EventLogError.invalidTenant(field: "name", reason: "is blank")
        }
        guard name.utf8.count <= 200 else {
            throw EventLogError.invalidTenant(field: "name", reason: "is \(name.utf8.count) bytes; at most 200")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw EventLogError.invalidTenant(field: "name", reason: "contains a control character")
        }
    }

    /// Checks, without writing anything, that a tenant with this slug, name and id could be
    /// registered now (``register(slug:name:id:at:)`` checks again in its transaction).
    ///
    /// - Throws: ``EventLogError/slugTaken(_:)``, ``EventLogError/invalidTenant(field:reason:)``.
    public static func checkNew(slug: String, name: String, id: TenantID, in catalog: Catalog) throws {
        try validate(slug: slug)
        try validate(name: name)
        try catalog.environment.read { tx in try catalog.checkUnused(tx, slug: slug, id: id) }
    }

    private func checkUnused(_ tx: some ReadableTransaction, slug: String, id: TenantID) throws {
        if try tx.get(slugs, key: slug) != nil { throw EventLogError.slugTaken(slug) }
        if try tx.get(tenants, key: PartitionKeys.eventID(id.uuid)) != nil {
            throw EventLogError.invalidTenant(field: "id", reason: "\(id) is already registered")
        }
    }

    /// Registers a tenant with a new id.
    ///
    /// - Throws: ``EventLogError/slugTaken(_:)``, ``EventLogError/invalidTenant(field:reason:)``.
    public func register(slug: String, name: String, id: TenantID, at date: Date) throws -> TenantRecord {
        try Catalog.validate(slug: slug)
        try Catalog.validate(name: name)
        let record = TenantRecord(id: id, slug: slug, name: name, createdAt: date)
        try environment.write { tx in
            try checkUnused(tx, slug: slug, id: id)
            let key = PartitionKeys.eventID(id.uuid)
            try tx.put(tenants, key: key, value: try BinaryEncoder.encode(record))
            try tx.put(slugs, key: slug, value: key)
        }
        return record
    }

    /// Removes a registration that ``DataDirectory/createTenant(slug:name:id:at:)`` made but could
    /// not complete (its partition failed to open): nothing else refers to it yet.
    func unregister(_ record: TenantRecord) throws {
        try environment.write { tx in
            _ = try tx.delete(tenants, key: PartitionKeys.eventID(record.id.uuid))
            _ = try tx.delete(slugs, key: record.slug)
        }
    }

    /// The tenant with id `id`, or `nil`.
    public func tenant(_ id: TenantID) throws -> TenantRecord? {
        try environment.read { tx in
            try tx.withValue(tenants, key: PartitionKeys.eventID(id.uuid)) { raw in
                try raw.map { try BinaryDecoder.decode(TenantRecord.self, from: $0) }
            }
        }
    }

    /// The tenant with slug `slug`, or `nil`.
    public func tenant(slug: String) throws -> TenantRecord? {
        let id: TenantID? = try environment.read { tx in
            try tx.withValue(slugs, key: slug) { raw in
                guard let raw, raw.count == 16 else { return nil }
                var r = ByteReader(raw)
                return TenantID(try r.readUUID())
            }
        }
        return try id.flatMap { try tenant($0) }
    }

    /// Every registered tenant, by slug.
    public func allTenants() throws -> [TenantRecord] {
        try environment.read { tx in
            try tx.withCursor(tenants) { cursor in
                var result: [TenantRecord] = []
                var found = try cursor.first()
                while found {
                    result.append(try BinaryDecoder.decode(TenantRecord.self, from: cursor.value))
                    found = try cursor.next()
                }
                return result.sorted { $0.slug < $1.slug }
            }
        }
    }

    /// Stores an API key's hash for `tenant`. Storing the same record again changes nothing (a
    /// transaction that stores it may be run again); another record under the hash is refused.
    public func storeAPIKey(hash: [UInt8], record: APIKeyRecord) throws {
        let encoded = try BinaryEncoder.encode(record)
        try environment.write { tx in
            let clash = try tx.putIfAbsent(apiKeys, key: hash, value: encoded) { existing in existing.sameBytes(encoded) }
            if clash == false {
                throw EventLogError.invalidTenant(field: "apiKey", reason: "another key is stored under this key's hash")
            }
        }
    }

    /// Marks every key with id `keyID` of `tenant` revoked; returns whether one was found.
    @discardableResult
    public func revokeAPIKey(keyID: UUID, tenant: TenantID) throws -> Bool {
        try environment.write { tx in
            var hits: [([UInt8], APIKeyRecord)] = []
            try tx.withCursor(apiKeys) { cursor in
                var found = try cursor.first()
                while found {
                    let record = try BinaryDecoder.decode(APIKeyRecord.self, from: cursor.value)
                    if record.keyID == keyID && record.tenant == tenant { hits.append((Array(cursor.key), record)) }
                    found = try cursor.next()
                }
            }
            for (key, var record) in hits {
                record.revoked = true
                try tx.put(apiKeys, key: key, value: try BinaryEncoder.encode(record))
            }
            return !hits.isEmpty
        }
    }

    /// Makes the catalog's key index of `tenant` exactly `keys` (hash and record): the index is
    /// derived from the tenant's own log, and a restore or a rebuild brings it back in step.
    ///
    /// Entries of `tenant` not in `keys` are removed; entries of other tenants are left as they
    /// are, and a hash already stored for another tenant is refused (nothing is written then).
    /// - Returns: How many keys the index now holds for `tenant`.
    /// - Throws: ``EventLogError/invalidTenant(field:reason:)`` (field `apiKey`) for a clash.
    @discardableResult
    public func reindexAPIKeys(tenant: TenantID, keys: [(hash: [UInt8], record: APIKeyRecord)]) throws -> Int {
        try environment.write { tx in
            var stale: [[UInt8]] = []
            try tx.withCursor(apiKeys) { cursor in
                var found = try cursor.first()
                while found {
                    if try BinaryDecoder.decode(APIKeyRecord.self, from: cursor.value).tenant == tenant {
                        stale.append(Array(cursor.key))
                    }
                    found = try cursor.next()
                }
            }
            for key in stale { try tx.delete(apiKeys, key: key) }
            for (hash, record) in keys {
                precondition(record.tenant == tenant, "a key record of another tenant passed to reindexAPIKeys")
                let encoded = try BinaryEncoder.encode(record)
                let clash = try tx.putIfAbsent(apiKeys, key: hash, value: encoded) { $0.sameBytes(encoded) }
                if clash == false {
                    throw EventLogError.invalidTenant(
                        field: "apiKey",
                        reason: "key \(record.keyID.uuidString.lowercased()) of tenant \(tenant) "
                            + "has the hash of another tenant's key")
                }
            }
            return keys.count
        }
    }

    /// The key record stored under `hash`, or `nil`.
    public func apiKey(hash: [UInt8]) throws -> APIKeyRecord? {
        try environment.read { tx in
            try tx.withValue(apiKeys, key: hash) { raw in
                try raw.map { try BinaryDecoder.decode(APIKeyRecord.self, from: $0) }
            }
        }
    }
}
