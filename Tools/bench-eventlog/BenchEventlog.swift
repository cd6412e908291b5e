import ArgumentParser
import Foundation

/// `bench-eventlog`: the event log's appends and scan next to raw LMDB calls on the same bytes.
@main
struct BenchEventlog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-eventlog",
        abstract: "Benchmark the event log's appends and scan next to raw LMDB calls on the same bytes.",
        discussion: """
            Rows: (a) batched appends, with the floor of the envelope (the stored bytes written again \
            with raw LMDB calls, the SHA-256 chain over them, and both); (b) one durable commit per \
            event; (c) scans of one tenant's log. Build with -c release for figures worth comparing.

            Example: swift run -c release bench-eventlog --events 200000 --only floors
            """)

    /// The parts `--only` can run alone.
    enum Part: String, ExpressibleByArgument, CaseIterable {
        case batched
        case rawBatched = "raw-batched"
        case floors
        case durable
        case rawDurable = "raw-durable"
        case scan
    }

    @Option(help: "Events appended by each batched run, spread evenly over the tenants.")
    var events = 1_000_000

    @Option(help: "Tenants, one LMDB environment each.")
    var tenants = 100

    @Option(help: "Events per transaction in the batched runs.")
    var batch = 10_000

    @Option(help: "Seconds each durable run (one commit per event) lasts.")
    var seconds = 5.0

    @Option(help: "Events of the one tenant the scan rows read.")
    var scanEvents = 1_000_000

    @Option(help: ArgumentHelp(
        "Scratch directory, removed before and after the run.",
        discussion: "Defaults to a new directory under the system's temporary directory.",
        valueName: "dir"))
    var dir: String?

    @Option(help: "Run only this part (all of them when omitted).")
    var only: Part?

    /// The scratch directory: `--dir`, or one named after this process under the temporary directory.
    var directory: String { dir ?? NSTemporaryDirectory() + "bulkhead-bench-\(getpid())" }

    func validate() throws {
        let counts = [("--events", events), ("--tenants", tenants), ("--batch", batch), ("--scan-events", scanEvents)]
        for (name, value) in counts where value < 1 {
            throw ValidationError("\(name) must be at least 1 (got \(value))")
        }
        guard seconds > 0 else { throw ValidationError("--seconds must be more than 0 (got \(seconds))") }
        guard events >= tenants else {
            throw ValidationError("--events (\(events)) must be at least --tenants (\(tenants)): each tenant needs one")
        }
        if let dir, dir.isEmpty { throw ValidationError("--dir must not be empty") }
    }

    func run() throws {
        try EventLogBench(options: self).run()
    }
}
