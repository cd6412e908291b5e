import BulkheadCore
import Crypto
import Domain
import EventLog
import Foundation

/// Counts the lines of an export as they are written, and makes its manifest.
public struct ManifestBuilder {
    private let plan: AuditExport.Plan
    private var hasher = SHA256()
    private var bytes = 0
    private var events: UInt64 = 0
    private var byFormat: [UInt8: UInt64] = [:]
    private var lastHash: [UInt8]

    /// Starts the manifest of `plan`.
    public init(_ plan: AuditExport.Plan) {
        self.plan = plan
        lastHash = plan.startHash
    }

    /// Adds one line; `bytes` is the line as written, with its newline.
    public mutating func add(_ line: AuditExport.Line, bytes lineBytes: Data) {
        hasher.update(data: lineBytes)
        bytes += lineBytes.count
        events += 1
        byFormat[line.format, default: 0] += 1
        lastHash = line.hash
    }

    /// The manifest of the lines added.
    public func manifest(exportedAt: Date) -> AuditExport.Manifest {
        AuditExport.Manifest(
            exportFormat: AuditExport.formatVersion,
            tool: .init(name: "bulkhead", version: AuditExport.toolVersion),
            storageFormat: .init(document: "Schemas/storage-format.md", recordFormats: [1, 2]),
            tenant: .init(id: plan.tenant.id.description, slug: plan.tenant.slug, name: plan.tenant.name),
            range: .init(from: plan.from, to: plan.to),
            startHash: plan.startHash.hexString,
            headHash: lastHash.hexString,
            tenantHead: .init(position: plan.tenantHead.position, hash: plan.tenantHead.hash.hexString),
            counts: .init(events: events, recordFormat1: byFormat[1] ?? 0, recordFormat2: byFormat[2] ?? 0),
            files: [AuditExport.eventsFile: .init(bytes: bytes, sha256: Array(hasher.finalize()).hexString)],
            exportedAt: Timestamp.format(exportedAt),
            checkpoints: plan.checkpoints.map(\.json), publicKeys: plan.publicKeys.map(\.json))
    }
}
