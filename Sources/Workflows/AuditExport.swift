import BulkheadCore
import Crypto
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
        return Plan(tenant: tenant, from: from, to: min(to ?? head.position, head.position), startHash: start,
                    tenantHead: head)
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
            checkpoints: [], publicKeys: [])
    }
}

extension AuditExport {
    /// What an export holds (`manifest.json`; over HTTP, the `manifest` of the last line).
    public struct Manifest: Codable, Sendable, Equatable {
        /// ``AuditExport/formatVersion``.
        public let exportFormat: Int
        /// The program that wrote it.
        public let tool: Tool
        /// Where the stored bytes are described, and the record formats it describes.
        public let storageFormat: StorageFormat
        /// The tenant exported.
        public let tenant: Tenant
        /// The positions exported, both included.
        public let range: Range
        /// The hash before the first exported event (the tenant's genesis hash from position 1).
        public let startHash: String
        /// The hash of the last exported event.
        public let headHash: String
        /// The tenant's head when the export began (at or after `range.to`).
        public let tenantHead: Head
        /// How many events, by record format.
        public let counts: Counts
        /// Each data file's size and SHA-256.
        public let files: [String: File]
        /// When the export was made.
        public let exportedAt: String
        /// Signed checkpoints of the tenant's head: none yet (kept for signed audits, issue 17).
        public let checkpoints: [String]
        /// The public keys the checkpoints and receipts were signed with: none yet (issue 17).
        public let publicKeys: [String]

        /// The writing program.
        public struct Tool: Codable, Sendable, Equatable {
            /// `bulkhead`.
            public let name: String
            /// Its version.
            public let version: String
        }

        /// The documented byte layout.
        public struct StorageFormat: Codable, Sendable, Equatable {
            /// The document's path in the repository.
            public let document: String
            /// The record formats it documents.
            public let recordFormats: [Int]
        }

        /// The tenant.
        public struct Tenant: Codable, Sendable, Equatable {
            /// Its UUID, lowercase.
            public let id: String
            /// Its slug.
            public let slug: String
            /// Its display name.
            public let name: String
        }

        /// A range of positions.
        public struct Range: Codable, Sendable, Equatable {
            /// The first position.
            public let from: UInt64
            /// The last position.
            public let to: UInt64
        }

        /// A position and its hash.
        public struct Head: Codable, Sendable, Equatable {
            /// The position.
            public let position: UInt64
            /// Its hash, hexadecimal.
            public let hash: String
        }

        /// Event counts.
        public struct Counts: Codable, Sendable, Equatable {
            /// Every event exported.
            public let events: UInt64
            /// Those stored in record format 1.
            public let recordFormat1: UInt64
            /// Those stored in record format 2 (with an API key id).
            public let recordFormat2: UInt64
        }

        /// A data file of the export.
        public struct File: Codable, Sendable, Equatable {
            /// Its size in bytes.
            public let bytes: Int
            /// Its SHA-256, hexadecimal.
            public let sha256: String
        }

        /// The manifest as JSON with sorted keys: indented for `manifest.json`, on one line for
        /// the HTTP export's last line.
        public func json(pretty: Bool) throws -> Data {
            let encoder = JSONEncoder()
            encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                : [.sortedKeys, .withoutEscapingSlashes]
            var data = try encoder.encode(self)
            if pretty { data.append(UInt8(ascii: "\n")) }
            return data
        }
    }
}

/// Why an export was refused.
public enum AuditExportError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A bad range: the field (`from`, `to`) and what is wrong.
    case invalid(field: String, reason: String)
    /// The destination exists and is not an empty directory.
    case destinationNotEmpty(String)
    /// A file could not be created.
    case cannotWrite(String)

    /// One line a person can act on.
    public var description: String {
        switch self {
        case .invalid(let field, let reason): return "invalid field '\(field)': \(reason)"
        case .destinationNotEmpty(let path):
            return "the export destination \(path) exists and is not an empty directory"
        case .cannotWrite(let path): return "cannot create \(path)"
        }
    }
}
