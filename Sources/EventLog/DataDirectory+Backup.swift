import BulkheadCore
import Foundation
import Storage

/// What a backup directory records besides the environment copy: whose it is and where its log ended.
public struct BackupManifest: Codable, Equatable, Sendable {
    /// The tenant's id.
    public let tenantId: TenantID
    /// Its slug.
    public let slug: String
    /// Its display name.
    public let name: String
    /// The last position in the copy.
    public let headPosition: UInt64
    /// That event's hash, hexadecimal.
    public let headHash: String
    /// When the backup was taken.
    public let takenAt: Date

    /// The manifest's file name in a backup directory.
    public static let fileName = "bulkhead-backup.json"
}

/// Why a backup or restore was refused.
public enum BackupError: Error, ClassifiedError, Equatable, CustomStringConvertible, Sendable {
    /// The destination exists and is not empty.
    case destinationNotEmpty(String)
    /// The directory holds no backup manifest or environment.
    case notABackup(String, reason: String)
    /// The tenant already has a partition here.
    case tenantExists(TenantID, slug: String)

    /// One line a person can act on.
    public var description: String {
        switch self {
        case .destinationNotEmpty(let dir): return "the backup destination \(dir) exists and is not empty"
        case .notABackup(let dir, let reason): return "\(dir) is not a Bulkhead backup: \(reason)"
        case .tenantExists(let id, let slug): return "tenant \(slug) (\(id)) already exists in this data directory; pass --replace to overwrite its partition"
        }
    }

    /// A directory that is no backup is `invalid`; a destination or tenant in the way is a
    /// `conflict` (code `refused`).
    public var failure: Failure {
        switch self {
        case .notABackup: return Failure(.invalid, code: "invalid", message: description)
        case .destinationNotEmpty, .tenantExists: return Failure(.conflict, code: "refused", message: description)
        }
    }
}

extension DataDirectory {
    /// Writes a compacting copy of `tenant`'s environment (`mdb_env_copy2` with `MDB_CP_COMPACT`)
    /// and a manifest into `destination`, which must be missing or empty.
    public func backup(tenant: TenantID, to destination: String, at date: Date) throws -> BackupManifest {
        let fm = FileManager.default
        if fm.fileExists(atPath: destination), !(try fm.contentsOfDirectory(atPath: destination)).isEmpty {
            throw BackupError.destinationNotEmpty(destination)
        }
        guard let record = try catalog.tenant(tenant) else { throw EventLogError.unknownTenant(tenant.description, suggestions: []) }
        try fm.createDirectory(atPath: destination, withIntermediateDirectories: true)
        let partition = try self.partition(for: tenant)
        // The head is read before the copy; the copy is a consistent snapshot at least that far.
        let head = try partition.head()
        try partition.environment.copy(to: destination, compact: true)
        let manifest = BackupManifest(tenantId: tenant, slug: record.slug, name: record.name, headPosition: head.position,
                                      headHash: head.hash.hexString, takenAt: date)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try EdgeJSONEncoder(encoder).encode(manifest)
            .write(to: URL(fileURLWithPath: destination + "/" + BackupManifest.fileName))
        return manifest
    }

    /// Restores a backup: checks the copy, then registers the tenant when this directory does not
    /// know it and puts the environment copy in its partition directory. Returns the manifest;
    /// verify the tenant after.
    ///
    /// The copy is opened in a staging directory first: a backup whose `data.mdb` records another
    /// tenant, or whose head differs from its manifest's, is refused before the catalog or any
    /// partition changes. Only then is the tenant registered and the copy moved into place (a
    /// rename within the data directory).
    ///
    /// - Parameter replace: Overwrite an existing partition of the same tenant.
    public func restore(from source: String, replace: Bool, at date: Date) throws -> BackupManifest {
        let fm = FileManager.default
        guard let raw = fm.contents(atPath: source + "/" + BackupManifest.fileName) else {
            throw BackupError.notABackup(source, reason: "no \(BackupManifest.fileName)")
        }
        guard fm.fileExists(atPath: source + "/data.mdb") else { throw BackupError.notABackup(source, reason: "no data.mdb") }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let manifest: BackupManifest
        do {
            manifest = try decoder.decode(BackupManifest.self, from: raw)
        } catch {
            throw BackupError.notABackup(source, reason: "the manifest does not decode: \(error)")
        }
        let target = directory(of: manifest.tenantId)
        let existing = try catalog.tenant(manifest.tenantId)
        if let existing, fm.fileExists(atPath: target + "/data.mdb"), !replace {
            throw BackupError.tenantExists(existing.id, slug: existing.slug)
        }
        if existing == nil { try Catalog.checkNew(slug: manifest.slug, name: manifest.name, id: manifest.tenantId, in: catalog) }

        // Staged beside the partition directories (same file system: the move is a rename).
        let staging = target + ".restoring"
        try? fm.removeItem(atPath: staging)
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: staging) }
        try fm.copyItem(atPath: source + "/data.mdb", toPath: staging + "/data.mdb")
        let head: LogHead
        do {
            // Opening checks that the copy records this tenant's id; closed again at once.
            let staged = try Partition(tenant: manifest.tenantId, directory: staging, options: partitionOptions)
            defer { staged.environment.close() }
            head = try staged.head()
        } catch {
            throw BackupError.notABackup(source, reason: "its data.mdb is not tenant \(manifest.slug)'s partition: \(error)")
        }
        guard head.position == manifest.headPosition, head.hash.hexString == manifest.headHash else {
            throw BackupError.notABackup(source, reason: "its data.mdb ends at position \(head.position) (\(head.hash.hexString)), the manifest says \(manifest.headPosition) (\(manifest.headHash))")
        }

        if existing == nil {
            _ = try catalog.register(slug: manifest.slug, name: manifest.name, id: manifest.tenantId, at: date)
        }
        try fm.createDirectory(atPath: target, withIntermediateDirectories: true)
        // The partition this process may have open maps the file about to be replaced: close it
        // first (waiting for its transactions), so the tenant is opened afresh on the restored copy.
        closePartition(of: manifest.tenantId)
        for file in ["data.mdb", "lock.mdb"] where fm.fileExists(atPath: target + "/" + file) {
            try fm.removeItem(atPath: target + "/" + file)
        }
        try fm.moveItem(atPath: staging + "/data.mdb", toPath: target + "/data.mdb")
        _ = try partition(for: manifest.tenantId)
        return manifest
    }
}
