import EventLog
import Foundation

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
        /// The signed checkpoints of positions in the range (`Schemas/storage-format.md`, Checkpoints).
        public let checkpoints: [Checkpoint.JSON]
        /// Every public key recorded with the tenant: its checkpoints and receipts were signed with these.
        public let publicKeys: [AuditPublicKey.JSON]

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
