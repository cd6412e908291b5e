import BulkheadCore
import Domain
import EventLog
import Foundation

/// A tenant's events for a third party: each with the exact stored bytes beside its readable
/// form, and a manifest that says what the export holds (`bulkhead audit export`,
/// `GET /v1/audit/export`). `Tools/verify-audit.py` checks one without Bulkhead's code, from
/// `Schemas/storage-format.md` alone.
///
/// ```swift
/// let manifest = try AuditExport.write(partition: partition, tenant: record, from: 1, to: nil,
///                                      into: "audit-2026", at: Date())
/// ```
///
/// One line of `events.jsonl` is `{"envelope":{...},"hash":"<hex>","position":N,"stored":"<base64>"}`:
/// the envelope is the JSON form of `Schemas/envelope.schema.json`; `stored` is the value stored
/// under the position, the record followed by its 32-byte hash.
public enum AuditExport {
    /// The version of the export's layout (`events.jsonl` and `manifest.json`).
    public static let formatVersion = 1
    /// The version of Bulkhead that writes exports, recorded in each manifest.
    public static let toolVersion = "0.17.0"
    /// The events file's name in an export directory.
    public static let eventsFile = "events.jsonl"
    /// The manifest's name in an export directory.
    public static let manifestFile = "manifest.json"
    /// How many events one read transaction renders.
    public static let pageSize = 1000

    /// What an export covers, fixed before the first event is read: later appends do not move it.
    public struct Plan: Sendable, Equatable {
        /// The tenant.
        public let tenant: TenantRecord
        /// The first position exported.
        public let from: UInt64
        /// The last position exported.
        public let to: UInt64
        /// The hash before `from`: the genesis hash when `from` is 1.
        public let startHash: [UInt8]
        /// The tenant's head when the export began.
        public let tenantHead: LogHead
        /// The signed checkpoints of positions in the range.
        public let checkpoints: [Checkpoint]
        /// The public keys recorded with the tenant (every one: a rotation keeps the old ones).
        public let publicKeys: [AuditPublicKey]
    }

    /// Fixes the range `from...to` (`to` defaults to the head, and is capped at it).
    ///
    /// - Throws: ``AuditExportError`` naming `from` or `to` when the range is empty or starts
    ///   after the head.
    public static func plan(
        _ log: LogReader, tenant: TenantRecord, from: UInt64, to: UInt64?
    ) throws -> Plan {
        let head = try log.head()
        guard from >= 1 else { throw AuditExportError.invalid(field: "from", reason: "positions start at 1") }
        if let to, to < from { throw AuditExportError.invalid(field: "to", reason: "\(to) is before from \(from)") }
        guard from <= head.position else {
            throw AuditExportError.invalid(
                field: "from", reason: "\(from) is after the head of tenant \(tenant.id) (position \(head.position))")
        }
        let start: [UInt8]
        if from == 1 {
            start = log.partition.genesisHash
        } else {
            guard let hash = try log.hash(at: from - 1) else {
                throw EventLogError.corruptRecord(
                    tenant: tenant.id, position: from - 1, reason: "no event before the export")
            }
            start = hash
        }
        let last = min(to ?? head.position, head.position)
        let proofs = try log.auditProofs(in: from...last)
        return Plan(tenant: tenant, from: from, to: last, startHash: start, tenantHead: head,
                    checkpoints: proofs.checkpoints, publicKeys: proofs.publicKeys)
    }

    /// Renders the events of `plan` from `position` on, at most ``pageSize``, inside the caller's
    /// read transaction: one line each (no newline), as `events.jsonl` holds it.
    public static func page(_ log: LogReader, _ plan: Plan, from position: UInt64) throws -> [Line] {
        guard position <= plan.to else { return [] }
        var lines: [Line] = []
        try log.scanRecords(from: position, limit: Int(min(UInt64(pageSize), plan.to - position + 1))) {
            view, previous, hash in
            lines.append(Line(position: view.position, format: view.format, hash: Array(hash),
                              text: try line(view, previousHash: previous, hash: hash)))
            return true
        }
        return lines
    }

    /// One rendered line of `events.jsonl`.
    public struct Line: Sendable {
        /// The event's position.
        public let position: UInt64
        /// Its record format (1, or 2 with an API key id).
        public let format: UInt8
        /// Its hash.
        public let hash: [UInt8]
        /// The JSON object, on one line.
        public let text: String
    }

    /// The line of one event: position, stored bytes, hash and envelope.
    public static func line(_ view: EventView, previousHash: UnsafeRawBufferPointer,
                            hash: UnsafeRawBufferPointer) throws -> String {
        var stored = Data(view.recordBytes)
        stored.append(contentsOf: hash)
        let envelope = try EnvelopeJSON.render(view, previousHash: previousHash, hash: hash)
        return "{\"envelope\":\(envelope),\"hash\":\"\(Array(hash).hexString)\",\"position\":\(view.position),"
            + "\"stored\":\"\(stored.base64EncodedString())\"}"
    }

    /// Writes an export of `tenant` into `directory`, which must not exist or be empty:
    /// `events.jsonl`, then `manifest.json` (so a directory with a manifest is complete).
    ///
    /// - Returns: The manifest written.
    /// - Throws: ``AuditExportError`` for a bad range or a directory in the way; log and storage errors.
    @discardableResult
    public static func write(
        partition: Partition, tenant: TenantRecord, from: UInt64, to: UInt64?, into directory: String, at date: Date
    ) throws -> Manifest {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue, try manager.contentsOfDirectory(atPath: directory).isEmpty else {
                throw AuditExportError.destinationNotEmpty(directory)
            }
        }
        let plan = try partition.read { try AuditExport.plan($0, tenant: tenant, from: from, to: to) }
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let eventsPath = (directory as NSString).appendingPathComponent(eventsFile)
        guard manager.createFile(atPath: eventsPath, contents: nil) else {
            throw AuditExportError.cannotWrite(eventsPath)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: eventsPath))
        defer { try? handle.close() }
        var builder = ManifestBuilder(plan)
        var next = plan.from
        while next <= plan.to {
            let lines = try partition.read { try page($0, plan, from: next) }
            guard let last = lines.last else {
                throw EventLogError.corruptRecord(tenant: tenant.id, position: next, reason: "missing from the log")
            }
            var chunk = Data()
            for line in lines {
                let bytes = Data((line.text + "\n").utf8)
                builder.add(line, bytes: bytes)
                chunk.append(bytes)
            }
            try handle.write(contentsOf: chunk)
            next = last.position + 1
        }
        try handle.synchronize()
        let manifest = builder.manifest(exportedAt: date)
        try manifest.json(pretty: true).write(to: URL(fileURLWithPath: (directory as NSString)
            .appendingPathComponent(manifestFile)), options: .atomic)
        return manifest
    }
}
