import ArgumentParser

/// `bench-http`: commands and a projection read through `bulkhead serve`'s stack, on loopback.
@main
struct BenchHTTP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-http",
        abstract: "Benchmark commands and a projection read through the HTTP service, on 127.0.0.1.",
        discussion: """
            Starts the server in-process on an ephemeral loopback port, seeds the tenants with an API \
            key and a project each, and drives it over the connections (worker i -> tenant i mod N). \
            Each phase ends when its request budget or its time is spent. Then measures the durable \
            single-append rate of the event log in the same run. Build with -c release for figures \
            worth comparing.

            Example: swift run -c release bench-http --connections 16 --seconds 2
            """)

    @Option(help: "Concurrent connections (workers).")
    var connections = 64

    @Option(help: "Tenants, each with an API key and a project.")
    var tenants = 10

    @Option(help: "Longest time of each phase, in seconds (at most 60).")
    var seconds = 5.0

    @Option(help: "Request budget of each phase (at most 1,000,000).")
    var requests = 50_000

    @Option(help: "Seconds of the event log's durable single-append run (at most 60).")
    var durableSeconds = 3.0

    func validate() throws {
        guard connections >= 1 else { throw ValidationError("--connections must be at least 1 (got \(connections))") }
        guard tenants >= 1 else { throw ValidationError("--tenants must be at least 1 (got \(tenants))") }
        guard seconds > 0, seconds <= 60 else {
            throw ValidationError("--seconds must be more than 0 and at most 60 (got \(seconds))")
        }
        guard (1...1_000_000).contains(requests) else {
            throw ValidationError("--requests must be from 1 to 1,000,000 (got \(requests))")
        }
        guard durableSeconds > 0, durableSeconds <= 60 else {
            throw ValidationError("--durable-seconds must be more than 0 and at most 60 (got \(durableSeconds))")
        }
    }

    func run() async throws {
        try await HTTPBench(options: self).run()
    }
}
