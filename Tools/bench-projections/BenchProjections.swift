import ArgumentParser
import Foundation
import Projections

/// `bench-projections`: each projector's rebuild rate next to a raw scan of the same events.
@main
struct BenchProjections: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-projections",
        abstract: "Benchmark each projector's rebuild next to a raw scan + decode of the same events.",
        discussion: """
            Writes one tenant with a realistic mix of events through the engine, then runs each phase \
            in a child process of its own (so that its peak memory is its own): a bare cursor scan, a \
            scan decoding every payload, and each projector's rebuild (and all together) with its \
            floor. Build with -c release for figures worth comparing.

            Phases for --only: cursor, envelope (every event rendered as its JSON envelope, next to \
            the hand-written floor), decode (always runs: the rebuilds are measured against it), \
            \(Projectors.all.map(\.name).joined(separator: ", ")), all, spill (all five with a memory budget \
            of a tenth of their state, which the all phase measures first: it runs too).

            Example: swift run -c release bench-projections --events 200000 --only cursor,all
            """)

    @Option(help: "Events the tenant has before the phases run (written by the set-up).")
    var events = 1_000_000

    @Option(help: ArgumentHelp(
        "The data directory, removed before the set-up and after the run (unless --keep).",
        discussion: "Defaults to bulkhead-bench-projections-<events> under the system's temporary directory.",
        valueName: "dir"))
    var dir: String?

    @Flag(help: "Reuse the data of an earlier run in the data directory, and keep it afterwards.")
    var keep = false

    @Option(help: ArgumentHelp("Run only these phases, comma-separated (all when omitted).",
                               valueName: "phase,..."))
    var only: String?

    @Option(help: ArgumentHelp(
        "The rebuilds' memory budget in MiB (defaults to the engine's, \(TenantEngine.defaultRebuildMemory >> 20)).",
        valueName: "MiB"))
    var memory: Int?

    /// Set by the benchmark for its own child processes: the memory budget in bytes.
    @Option(help: .private)
    var budgetBytes: Int?

    /// Set by the benchmark for its own child processes: the one phase to run and report.
    @Option(help: .private)
    var phase: String?

    /// The names `--only` accepts.
    static var phases: [String] { ["cursor", "envelope", "decode"] + Projectors.all.map(\.name) + ["all", "spill"] }

    func validate() throws {
        guard events >= 1 else { throw ValidationError("--events must be at least 1 (got \(events))") }
        if let memory, memory < 1 { throw ValidationError("--memory must be at least 1 MiB (got \(memory))") }
        if let dir, dir.isEmpty { throw ValidationError("--dir must not be empty") }
        if let only {
            let unknown = only.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                .filter { !Self.phases.contains($0) }
            guard unknown.isEmpty else {
                throw ValidationError(
                    "--only: unknown phase \(unknown.map { "'\($0)'" }.joined(separator: ", ")); "
                        + "phases: \(Self.phases.joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        try ProjectionBench(options: self).run()
    }
}
