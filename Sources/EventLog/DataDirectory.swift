import BulkheadCore
import Foundation
import Storage

/// A data directory: `catalog/` and one partition directory per tenant under `tenants/<uuid>/`.
///
/// A process opens each environment once: partitions are kept in a registry bounded by
/// `maxOpenPartitions`, least recently used first out; a partition still in use elsewhere stays
/// open (and is reused) until its last user lets go.
///
/// ```swift
/// let data = try DataDirectory(path: "./bulkhead-data")
/// let tenant = try data.createTenant(slug: "berko-tnf", name: "Berko TNF", id: .random(), at: Date())
/// let partition = try data.partition(for: tenant.id)
/// ```
public final class DataDirectory: @unchecked Sendable {
    /// The directory's path.
    public let path: String
    /// The tenant registry.
    public let catalog: Catalog
    /// Options for tenant environments.
    public let partitionOptions: EnvironmentOptions
    /// How many partitions the registry keeps open.
    public let maxOpenPartitions: Int

    private let lock = NSLock()
    private var recent: [TenantID] = []
    private var open: [TenantID: Partition] = [:]
    private var alive: [TenantID: WeakPartition] = [:]

    private struct WeakPartition { weak var partition: Partition? }

    /// Opens (creating) a data directory.
    public init(path: String, partitionOptions: EnvironmentOptions = .init(), maxOpenPartitions: Int = 64) throws {
        self.path = path
        self.partitionOptions = partitionOptions
        self.maxOpenPartitions = max(1, maxOpenPartitions)
        self.catalog = try Catalog(directory: (path as NSString).appendingPathComponent("catalog"))
    }

    /// The directory of `tenant`'s partition: named by its UUID, never its slug.
    public func directory(of tenant: TenantID) -> String {
        (path as NSString).appendingPathComponent("tenants/\(tenant)")
    }

    /// Registers a tenant and creates its partition. When the partition cannot be created, the
    /// registration is taken back: the slug stays free.
    public func createTenant(slug: String, name: String, id: TenantID, at date: Date) throws -> TenantRecord {
        let record = try catalog.register(slug: slug, name: name, id: id, at: date)
        lock.lock()
        defer { lock.unlock() }
        let p: Partition
        let partitionDirectory = directory(of: record.id)
        let existed = FileManager.default.fileExists(atPath: partitionDirectory)
        do {
            p = try Partition(tenant: record.id, directory: partitionDirectory, options: partitionOptions, create: true)
        } catch {
            try catalog.unregister(record)
            if !existed { try? FileManager.default.removeItem(atPath: partitionDirectory) }  // best effort: the error below is what matters
            throw error
        }
        open[record.id] = p
        alive[record.id] = WeakPartition(partition: p)
        touch(record.id)
        return record
    }

    /// Resolves a `--tenant` argument: a UUID or a slug.
    ///
    /// - Throws: ``EventLogError/unknownTenant(_:suggestions:)`` with close slugs.
    public func resolveTenant(_ text: String) throws -> TenantRecord {
        if let id = TenantID(text), let record = try catalog.tenant(id) { return record }
        if let record = try catalog.tenant(slug: text) { return record }
        let slugs = try catalog.allTenants().map(\.slug)
        let close = slugs
            .map { ($0, editDistance($0, text.lowercased())) }
            .filter { $0.1 <= max(2, text.count / 3) || $0.0.hasPrefix(text.lowercased()) }
            .sorted { $0.1 < $1.1 }
            .prefix(3).map(\.0)
        throw EventLogError.unknownTenant(text, suggestions: Array(close))
    }

    /// The partition of a registered tenant.
    ///
    /// - Throws: ``EventLogError/unknownTenant(_:suggestions:)`` when it is not in the catalog;
    ///   ``EventLogError/wrongTenant(expected:found:path:)`` when its directory holds another's data.
    public func partition(for tenant: TenantID) throws -> Partition {
        lock.lock()
        defer { lock.unlock() }
        if let p = open[tenant] {
            touch(tenant)
            return p
        }
        if let p = alive[tenant]?.partition {
            open[tenant] = p
            touch(tenant)
            return p
        }
        guard try catalog.tenant(tenant) != nil else {
            throw EventLogError.unknownTenant(tenant.description, suggestions: [])
        }
        let p = try Partition(tenant: tenant, directory: directory(of: tenant), options: partitionOptions)
        open[tenant] = p
        alive[tenant] = WeakPartition(partition: p)
        touch(tenant)
        return p
    }

    private func touch(_ tenant: TenantID) {
        recent.removeAll { $0 == tenant }
        recent.append(tenant)
        while recent.count > maxOpenPartitions {
            let evicted = recent.removeFirst()
            open[evicted] = nil
        }
        alive = alive.filter { $0.value.partition != nil }
    }

    /// Closes `tenant`'s partition if this process has it open (waiting for its transactions in
    /// progress) and forgets it: anyone still holding it gets ``StorageError/Code/closed``, and the
    /// next ``partition(for:)`` opens the files afresh.
    public func closePartition(of tenant: TenantID) {
        lock.lock()
        let partition = open[tenant] ?? alive[tenant]?.partition
        open[tenant] = nil
        alive[tenant] = nil
        recent.removeAll { $0 == tenant }
        lock.unlock()
        partition?.environment.close()
    }

    /// Closes the catalog and every partition this process has open, waiting for transactions in
    /// progress. Every later use of this directory or of a partition it handed out fails with
    /// ``StorageError/Code/closed``.
    public func close() {
        lock.lock()
        let partitions = Array(open.values) + alive.values.compactMap(\.partition)
        open = [:]
        alive = [:]
        recent = []
        lock.unlock()
        for partition in partitions { partition.environment.close() }
        catalog.environment.close()
    }

    /// How many partitions the registry holds open now.
    public var openPartitionCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return open.count
    }
}

/// Levenshtein distance, for suggesting slugs close to a mistyped one.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var row = Array(0...b.count)
    for i in 1...a.count {
        var previous = row[0]
        row[0] = i
        for j in 1...b.count {
            let current = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = current
        }
    }
    return row[b.count]
}
