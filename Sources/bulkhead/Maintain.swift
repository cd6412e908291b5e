import ArgumentParser
import BulkheadCore
import EventLog
import Foundation
import Projections

extension Bulkhead {
    /// `bulkhead maintain --tenant T | --all-tenants`: the scheduled maintenance, once (for cron).
    struct Maintain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Expire stale analysis runs and orphan stale syncs, once; prints what it did.",
            discussion: """
                Runs what `bulkhead serve` runs on its schedule: analysis runs active for more than 10 \
                minutes are expired (analysis.expireStale) and syncs running for more than 10 minutes \
                are orphaned (sync.cleanupOrphans), recorded under the actor system:maintenance. A \
                tenant with nothing due gets nothing appended. Each tenant is maintained on its own: \
                one that fails does not stop the next; the exit code is the worst seen.

                Example: bulkhead maintain --all-tenants    (from cron, every minute or so)
                """)

        @OptionGroup var data: DataOptions
        @OptionGroup var selection: TenantSelection
        @OptionGroup var output: FormatOptions
        @OptionGroup var signing: SigningOptions

        /// One tenant's pass, as printed.
        struct Row: Encodable {
            let tenant: String
            let slug: String
            var expiredRuns: [String] = []
            var orphanedSyncs: [String] = []
            var positions: [UInt64] = []
            var error: String?
        }

        func run() throws {
            let key = try signing.load()
            let directory = try data.open()
            let stores = stores(directory)
            var worst: CLIFailure?
            let rows = try selection.resolve(directory).map { record -> Row in
                var row = Row(tenant: record.id.description, slug: record.slug)
                do {
                    let report = try stores.store(for: record.id).maintain()
                    row.expiredRuns = report.expiredRuns.map { $0.uuidString.lowercased() }
                    row.orphanedSyncs = report.orphanedSyncs.map { $0.uuidString.lowercased() }
                    row.positions = report.positions
                    if !report.positions.isEmpty {
                        try SigningKey.checkpointAfterCommand(
                            key, try directory.partition(for: record.id), quiet: output.format != .table)
                    }
                } catch {
                    let failure = CLIFailure.from(error)
                    row.error = failure.message
                    if failure.exitCode > (worst?.exitCode ?? 0) { worst = failure }
                }
                return row
            }
            let columns = ["tenant", "expired runs", "orphaned syncs", "detail"]
            try Output.write(rows, format: output.format, columns: columns) { row in
                let detail = row.error.map { "error: \($0)" }
                    ?? (row.positions.isEmpty
                        ? "nothing due"
                        : "appended positions \(row.positions.map(String.init).joined(separator: ","))")
                return [
                    row.slug, row.expiredRuns.joined(separator: " "), row.orphanedSyncs.joined(separator: " "), detail,
                ]
            }
            if let worst {
                Output.reportError(worst, json: output.format == .json || output.format == .jsonl)
                throw ExitCode(worst.exitCode)
            }
        }
    }
}
