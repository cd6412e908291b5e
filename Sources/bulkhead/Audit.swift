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
            subcommands: [Export.self])
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
