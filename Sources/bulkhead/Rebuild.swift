import ArgumentParser
import BulkheadCore
import Foundation
import Projections

extension Bulkhead {
    /// `bulkhead rebuild --tenant T [--projection NAME | --all] [--dry-run] [--chunk EVENTS]`.
    struct Rebuild: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild a tenant's projections from its log, or show what a rebuild would change.",
            discussion: """
                Reads only that tenant's events and writes only its projections: every other tenant's files \
                stay byte-identical. Readers keep the live generation until the switch. With --dry-run the \
                new generation is compared with the live one and discarded. Projections: \
                \(Projectors.all.map(\.name).joined(separator: ", ")).

                Example: bulkhead rebuild --tenant capo-fc --projection matches --dry-run
                """)

        @OptionGroup var data: DataOptions
        @OptionGroup var tenant: TenantOptions
        @Option(help: "The projection to rebuild.") var projection: [String] = []
        @Flag(help: "Rebuild every projection.") var all = false
        @Flag(name: .customLong("dry-run"), help: "Build, compare with the live generation, and discard.") var dryRun = false
        @Option(help: "How many differences to list.") var limit = 50
        @Option(help: ArgumentHelp(
            "Events applied per transaction.",
            discussion: "Memory is bounded by this, not by the tenant's size; fewer events per transaction hold less memory and run slower.",
            valueName: "events")) var chunk = TenantEngine.rebuildChunk
        @OptionGroup var output: FormatOptions

        func validate() throws {
            if chunk < 1 { throw ValidationError("--chunk must be at least 1 event, got \(chunk)") }
            if all && !projection.isEmpty { throw ValidationError("give --projection NAME or --all, not both") }
            if !all && projection.isEmpty { throw ValidationError("give --projection NAME (one of \(Projectors.all.map(\.name).joined(separator: ", "))) or --all") }
        }

        func run() throws {
            let directory = try data.open()
            let record = try tenant.resolve(directory)
            let progress = Progress(label: dryRun ? "dry run" : "rebuild")
            let report = try CLIFailure.wrap {
                try engine(directory).rebuild(tenant: record.id, projections: all ? [] : projection, dryRun: dryRun, differenceLimit: limit, chunkSize: chunk) {
                    progress.update($0, of: $1)
                }
            }
            progress.finish()
            switch output.format {
            case .json, .jsonl:
                struct Doc: Encodable { let tenant: String; let projections: [String]; let events: UInt64; let switched: Bool; let differenceCount: Int; let differences: [ProjectionDifference] }
                try Output.write(Doc(tenant: record.slug, projections: report.projections, events: report.events, switched: report.switched,
                                     differenceCount: report.differenceCount, differences: report.differences), format: output.format, pairs: [])
            case .table, .csv:
                Output.line("\(dryRun ? "dry run of" : "rebuilt") \(report.projections.joined(separator: ", ")) for \(record.slug) from \(report.events) events: \(report.differenceCount) differences\(dryRun ? " (live generation left in place)" : "")")
                if !report.differences.isEmpty {
                    Output.table(["projection", "change", "key", "before", "after"], report.differences.map {
                        [$0.projection, $0.change, $0.key, $0.before ?? "-", $0.after ?? "-"]
                    })
                }
                if report.differenceCount > report.differences.count {
                    Output.line("(\(report.differenceCount - report.differences.count) more; raise --limit)")
                }
            }
        }
    }
}
