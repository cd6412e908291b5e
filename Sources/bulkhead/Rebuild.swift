import ArgumentParser
import BulkheadCore
import Foundation
import Projections

extension Bulkhead {
    /// `bulkhead rebuild --tenant T [--projection NAME | --all] [--dry-run] [--memory SIZE]`.
    struct Rebuild: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild a tenant's projections from its log, or show what a rebuild would change.",
            discussion: """
                Reads only that tenant's events and writes only its projections: every other tenant's files \
                stay byte-identical. The log is folded in memory and each new generation written once, in key \
                order; readers keep the live generation until the switch. A tenant whose state outgrows \
                --memory spills sorted runs to disk and merges them (slower, same result). With --dry-run the \
                new generation is compared with the live one and discarded. On a terminal, progress (events, \
                rate, time left) is drawn on stderr. Projections: \(Projectors.all.map(\.name).joined(separator: ", ")).

                Example: bulkhead rebuild --tenant capo-fc --projection matches --dry-run
                """)

        @OptionGroup var data: DataOptions
        @OptionGroup var tenant: TenantOptions
        @Option(help: "The projection to rebuild.") var projection: [String] = []
        @Flag(help: "Rebuild every projection.") var all = false
        @Flag(name: .customLong("dry-run"), help: "Build, compare with the live generation, and discard.") var dryRun = false
        @Option(help: "How many differences to list.") var limit = 50
        @Option(help: ArgumentHelp(
            "Memory the projections' states may hold before spilling to disk (default 256M).",
            discussion: "Bytes, or a number with K, M or G (powers of 1024). Memory is bounded by this, not by the "
                + "tenant's size; a smaller budget spills sooner and runs slower.",
            valueName: "size")) var memory: String?
        /// Retired: rebuilds no longer apply the log in chunks of events (see `--memory`).
        @Option(help: .hidden) var chunk: String?
        @OptionGroup var output: FormatOptions

        func validate() throws {
            if chunk != nil {
                throw ValidationError(
                    "--chunk was retired: a rebuild folds the log in memory and writes each projection once; "
                        + "bound its memory with --memory SIZE")
            }
            _ = try memoryBudget()
            if all && !projection.isEmpty { throw ValidationError("give --projection NAME or --all, not both") }
            if !all && projection.isEmpty { throw ValidationError("give --projection NAME (one of \(Projectors.all.map(\.name).joined(separator: ", "))) or --all") }
        }

        func run() throws {
            let directory = try data.open()
            let record = try tenant.resolve(directory)
            let progress = RebuildProgress(label: dryRun ? "dry run" : "rebuild")
            let budget = try memoryBudget()
            let report = try CLIFailure.wrap {
                try stores(directory).store(for: record.id).rebuild(
                    projections: all ? [] : projection, dryRun: dryRun, differenceLimit: limit, memoryBudget: budget
                ) {
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
    
        /// `--memory` in bytes (the engine's default when not given).
        func memoryBudget() throws -> Int {
            guard let memory else { return TenantEngine.defaultRebuildMemory }
            let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
            var digits = memory.uppercased()
            var unit = 1
            if let last = digits.last, let factor = units[last] {
                unit = factor
                digits.removeLast()
            }
            guard let count = Int(digits), count > 0, count <= Int.max / unit else {
                throw ValidationError(
                    "--memory must be a positive size such as 64M, 1G or 500000 (bytes), got '\(memory)'")
            }
            return count * unit
        }
    }
}

/// Rebuild progress on stderr, drawn only when stderr is a terminal: events folded of the
/// tenant's, the rate, and the time left at that rate. Redrawn at most ten times a second.
final class RebuildProgress {
    let label: String
    let enabled = isatty(2) == 1
    private let started = Date()
    private var drawn = Date.distantPast

    init(label: String) {
        self.label = label
    }

    func update(_ done: UInt64, of total: UInt64) {
        guard enabled, total > 0 else { return }
        let now = Date()
        guard now.timeIntervalSince(drawn) >= 0.1 || done >= total else { return }
        drawn = now
        let elapsed = max(now.timeIntervalSince(started), 1e-3)
        let rate = Double(done) / elapsed
        let left = rate > 0 ? Double(total - min(done, total)) / rate : 0
        let line = "\(label): " + String(format: "%llu/%llu events (%d%%), %.0f events/s, about %.0f s left",
                                          done, total, Int(Double(done) / Double(total) * 100), rate, left)
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
