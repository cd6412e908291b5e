import ArgumentParser
import BulkheadCore
import EventLog
import Foundation
import Workflows

extension Bulkhead {
    /// `bulkhead audit ...`: what a third party needs to check a tenant's log without us.
    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Audit exports a third party can check offline.",
            subcommands: [Export.self, Checkpoint.self, Prove.self, Keys.self])
    }
}

extension Bulkhead.Audit {
    /// `bulkhead audit export --tenant T [--from P] [--to P] DIR`.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a tenant's events with their exact stored bytes, for Tools/verify-audit.py.",
            discussion: """
                Writes DIR/events.jsonl (per event: position, the stored bytes in base64, the hash and \
                the envelope as replay shows it) and DIR/manifest.json (tenant, range, hashes, counts, \
                formats, tool version). DIR must be missing or empty. Check it with \
                python3 Tools/verify-audit.py DIR.

                Example: bulkhead audit export --tenant capo-fc --from 1 --to 500 ./capo-fc-audit
                """)

        @OptionGroup var data: DataOptions
        @OptionGroup var tenant: TenantOptions
        @Option(help: "From this position (inclusive).") var from: UInt64 = 1
        @Option(help: "Up to this position (inclusive; the head when omitted or beyond it).") var to: UInt64?
        @Argument(help: "The destination directory (missing or empty).") var destination: String

        func validate() throws {
            if from == 0 { throw ValidationError("--from must be 1 or more: positions start at 1") }
            if let to, to < from { throw ValidationError("--to \(to) is before --from \(from)") }
        }

        func run() throws {
            let directory = try data.open()
            let record = try tenant.resolve(directory)
            let manifest = try CLIFailure.wrap {
                try AuditExport.write(
                    partition: try directory.partition(for: record.id), tenant: record, from: from, to: to,
                    into: destination, at: Date())
            }
            Output.line("exported \(manifest.counts.events) events of \(record.slug) (\(record.id)), positions "
                + "\(manifest.range.from) to \(manifest.range.to), head \(manifest.headHash), into \(destination)")
        }
    }
}

extension Bulkhead.Audit {
    /// `bulkhead audit checkpoint --tenant T --signing-key FILE`.
    struct Checkpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a checkpoint of a tenant's head now, and keep it with the tenant.",
            discussion: """
                A checkpoint states the tenant, the head's position and hash, the time, the key id and \
                the Merkle root of the events up to the head, signed with Ed25519 (Schemas/storage-format.md, Checkpoints). verify checks each one; \
                exports carry them. A head already checkpointed by this key is not signed twice.

                Example: bulkhead audit checkpoint --tenant capo-fc --signing-key /etc/bulkhead/signing.key
                """)

        @OptionGroup var data: DataOptions
        @OptionGroup var tenant: TenantOptions
        @OptionGroup var signing: SigningOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            guard let key = try signing.load() else {
                throw CLIFailure(.invalid, code: "invalid", message: "no signing key given: pass --signing-key FILE "
                                 + "(made by `bulkhead keys init`; there is no default key)", field: "signing-key")
            }
            let directory = try data.open()
            let record = try tenant.resolve(directory)
            let made = try CLIFailure.wrap {
                try directory.partition(for: record.id).checkpoint(with: key, at: Date())
            }
            guard let made else {
                throw CLIFailure(.conflict, code: "empty_log",
                                 message: "tenant \(record.slug) (\(record.id)) has no events: nothing to checkpoint")
            }
            let json = made.json
            try Output.write(json, format: output.format, pairs: [
                ("tenant", json.tenant), ("position", "\(json.position)"), ("headHash", json.headHash),
                ("timeMicros", "\(json.timeMicros)"), ("keyId", json.keyId), ("merkleRoot", json.merkleRoot ?? "-"),
                ("signature", json.signature),
            ])
        }
    }

    /// `bulkhead audit keys --tenant T`.
    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the public keys a tenant's checkpoints and receipts were signed with.",
            discussion: "Example: bulkhead audit keys --tenant capo-fc --format json")

        @OptionGroup var data: DataOptions
        @OptionGroup var tenant: TenantOptions
        @OptionGroup var output: FormatOptions

        func run() throws {
            let directory = try data.open()
            let record = try tenant.resolve(directory)
            let keys = try CLIFailure.wrap { try directory.partition(for: record.id).publicKeys() }.map(\.json)
            if keys.isEmpty && output.format == .table {
                Output.line("tenant \(record.slug) (\(record.id)) has no signing keys: nothing of it was signed")
                return
            }
            let columns = ["keyId", "algorithm", "publicKey", "addedAtMicros"]
            try Output.write(keys, format: output.format, columns: columns) {
                [$0.keyId, $0.algorithm, $0.publicKey, "\($0.addedAtMicros)"]
            }
        }
    }
}

extension Bulkhead.Audit {
    /// `bulkhead audit prove --tenant T --position P [--tree-size N]`.
    struct Prove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove that one event is in a tenant's checkpointed log (an RFC 6962 inclusion proof).",
            discussion: """
                Prints, as JSON, the event's stored record, the Merkle audit path from its leaf to the \
                root that a signed checkpoint states, that checkpoint and its public key \
                (Schemas/storage-format.md, The Merkle tree and inclusion proofs). An auditor checks it \
                offline, without the rest of the log: python3 Tools/verify-audit.py --proof FILE. \
                By default the proof is against the oldest checkpoint at or after the position; \
                make one first with `bulkhead audit checkpoint` if none covers it.

                Example: bulkhead audit prove --tenant capo-fc --position 42 > event-42.proof.json
                """)

        @OptionGroup var data: DataOptions
        @OptionGroup var tenant: TenantOptions
        @Option(help: "The event's position.") var position: UInt64
        @Option(help: "Prove against the checkpoint at this position (its tree size).") var treeSize: UInt64?

        func validate() throws {
            if position == 0 { throw ValidationError("--position must be 1 or more: positions start at 1") }
            if let treeSize, treeSize < position {
                throw ValidationError("--tree-size \(treeSize) is before --position \(position): that tree has no such leaf")
            }
        }

        func run() throws {
            let directory = try data.open()
            let record = try tenant.resolve(directory)
            let proof = try CLIFailure.wrap {
                try directory.partition(for: record.id).inclusionProof(position: position, treeSize: treeSize)
            }
            try Output.write(proof.json, format: .json, pairs: [])
        }
    }
}
