// HTTP load benchmark: commands and a projection read through `bulkhead serve`'s stack, next to
// the durable single-append rate of the event log measured in the same run.
//
// Starts the server in-process on 127.0.0.1 (an ephemeral port; loopback only), seeds N tenants
// with an API key and a project each, then drives it with async-http-client over C connections,
// each worker bound to one tenant (worker i -> tenant i mod N). Every phase is bounded by a
// request budget and a time limit, whichever ends first.
//
// Usage: swift run -c release bench-http [--connections 64] [--tenants 10] [--seconds 5]
//        [--requests 50000] [--durable-seconds 3]   (`--help` lists them; parsed by `BenchHTTP`)
import AsyncHTTPClient
import BulkheadCore
import Domain
import EventLog
import Foundation
import Hummingbird
import Projections
import Service
import Storage
import Synchronization

/// The benchmark of one run, with its parsed options.
struct HTTPBench {
    let options: BenchHTTP
}

/// A set-up step that did not give what the benchmark needs.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
}

struct Tenant: Sendable {
    let id: TenantID
    let key: String
    let project: UUID
}

struct PhaseResult {
    let requests: Int
    let errors: Int
    let seconds: Double
    let latencies: [Double]

    var rate: Double { Double(requests) / seconds }
    func percentile(_ p: Double) -> Double {
        guard !latencies.isEmpty else { return 0 }
        return latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000
    }
}

/// The requests a phase may still send, shared by its workers.
final class Budget: Sendable {
    private let left: Mutex<Int>
    init(_ count: Int) { left = Mutex(count) }
    /// Takes one request from the budget; false when none is left.
    func take() -> Bool { left.withLock { left in guard left > 0 else { return false }; left -= 1; return true } }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Runs `connections` workers against the server until the request budget or the time is spent.
func load(_ client: HTTPClient, connections: Int, seconds: Double, budget: Int,
          request: @escaping @Sendable (_ worker: Int, _ n: Int) -> HTTPClientRequest) async throws -> PhaseResult {
    let remaining = Budget(budget)
    let deadline = now() + seconds
    let start = now()
    let perWorker = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
        for worker in 0..<connections {
            group.addTask {
                var latencies: [Double] = []
                var errors = 0
                var n = 0
                while now() < deadline, remaining.take() {
                    let t0 = now()
                    let response = try await client.execute(request(worker, n), timeout: .seconds(30))
                    let status = response.status.code
                    let body = try await response.body.collect(upTo: 1 << 20)
                    latencies.append(now() - t0)
                    if status != 200 {
                        errors += 1
                        if errors == 1 {  // one sample per worker and phase, so a non-200 is explained
                            let text = "bench-http: \(status) \(String(buffer: body).prefix(300))\n"
                            FileHandle.standardError.write(Data(text.utf8))
                        }
                    }
                    n += 1
                }
                return (latencies, errors)
            }
        }
        var all: [([Double], Int)] = []
        for try await result in group { all.append(result) }
        return all
    }
    let elapsed = now() - start
    let latencies = perWorker.flatMap(\.0).sorted()
    return PhaseResult(requests: latencies.count, errors: perWorker.map(\.1).reduce(0, +), seconds: elapsed, latencies: latencies)
}

/// The sum and count of the group-commit batch-size histogram so far.
func batchTotals(_ metrics: ServiceMetrics) -> (sum: Double, count: Double) {
    var sum = 0.0, count = 0.0
    for line in metrics.render().split(separator: "\n") {
        if line.hasPrefix("bulkhead_commit_batch_size_sum") { sum = Double(line.split(separator: " ").last ?? "") ?? 0 }
        if line.hasPrefix("bulkhead_commit_batch_size_count") { count = Double(line.split(separator: " ").last ?? "") ?? 0 }
    }
    return (sum, count)
}

/// Starts an application on an ephemeral loopback port; returns the port and the task running it.
func start(_ service: BulkheadService) async throws -> (Int, Task<Void, any Error>) {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = buildApplication(service) { port in continuation.yield(port) }
    let task = Task { try await app.run() }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else { throw CancellationError() }
    return (port, task)
}

/// One phase's figures on one line.
func line(_ label: String, _ r: PhaseResult, _ extra: String = "") -> String {
    let name = label.padding(toLength: 44, withPad: " ", startingAt: 0)
    return String(format: "%@ %7.0f req/s  p50 %6.2f ms  p99 %7.2f ms  (%d requests, %d non-200, %.1f s)%@",
                  name, r.rate, r.percentile(0.50), r.percentile(0.99), r.requests, r.errors, r.seconds, extra)
}

extension HTTPBench {
    /// Starts the servers, seeds the tenants, runs each phase and prints the figures.
    func run() async throws {
        let dir = NSTemporaryDirectory() + "bulkhead-bench-http-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard let logger = ServiceLogging.standardErrorLogger(level: "critical") else {
            throw BenchFailure(description: "no logger for the log level 'critical'")
        }

        // The server, and one service over the same data with group commit disabled (one command per commit).
        let grouped = try BulkheadService(ServiceConfiguration(host: "127.0.0.1", port: 0, dataPath: dir + "/service", logger: logger))
        let single = BulkheadService(ServiceConfiguration(host: "127.0.0.1", port: 0, dataPath: dir + "/service", maxBatch: 1, logger: logger), data: grouped.data)
        // The same server signing a receipt for every command and a checkpoint every 1,000 events.
        var signedConfiguration = ServiceConfiguration(
            host: "127.0.0.1", port: 0, dataPath: dir + "/service", logger: logger)
        signedConfiguration.signingKey = try SigningKey.create(at: dir + "/bench-signing.key")
        let signed = BulkheadService(signedConfiguration, data: grouped.data)
        var tenants: [Tenant] = []
        for t in 0..<options.tenants {
            // Every command's actor must be a user: the owner adds the workers that send commands.
            let id = try grouped.engine.createTenant(
                slug: "bench-\(t)", name: "Bench \(t)", owner: "bench@example.com", ownerName: "Bench", at: Date()
            ).record.id
            for worker in 0..<options.connections {
                _ = try grouped.engine.execute(
                    AddUser(email: "worker-\(worker)@bench.example", displayName: "Worker \(worker)"), tenant: id,
                    actor: "bench@example.com")
            }
            let issued = try grouped.engine.execute(IssueAPIKey(label: "bench"), tenant: id, actor: "bench@example.com")
            let project = try grouped.engine.execute(CreateProject(name: "Bench project", githubRepository: "bench/repo"), tenant: id, actor: "bench@example.com")
            guard let key = issued.secret, let projectID = project.ids["projectId"] else {
                throw BenchFailure(description: "seeding tenant \(t) gave no API key or project id")
            }
            tenants.append(Tenant(id: id, key: key, project: projectID))
        }
        let seeded = tenants
        let (port, server) = try await start(grouped)
        let (singlePort, singleServer) = try await start(single)
        let (signedPort, signedServer) = try await start(signed)

        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: options.connections)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)

        func command(port: Int) -> @Sendable (Int, Int) -> HTTPClientRequest {
            { worker, n in
                let tenant = seeded[worker % seeded.count]
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/commands/knowledge.record")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(tenant.key)")
                request.headers.add(name: "X-Bulkhead-Actor", value: "worker-\(worker)@bench.example")
                request.headers.add(name: "Content-Type", value: "application/json")
                let body = #"{"projectId":"\#(tenant.project.uuidString)","kind":"memoryEntry","content":"worker \#(worker) note \#(n)"}"#
                request.body = .bytes(ByteBuffer(string: body))
                return request
            }
        }

        // Warm-up: open the connections and the tenants' environments.
        _ = try await load(client, connections: options.connections, seconds: 2, budget: options.connections * 2) { worker, _ in
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/projects/\(seeded[worker % seeded.count].project.uuidString)")
            request.headers.add(name: "Authorization", value: "Bearer \(seeded[worker % seeded.count].key)")
            return request
        }

        let batchBefore = batchTotals(grouped.metrics)
        let commands = try await load(client, connections: options.connections, seconds: options.seconds, budget: options.requests, request: command(port: port))
        let batchAfter = batchTotals(grouped.metrics)
        let meanBatch = (batchAfter.sum - batchBefore.sum) / max(1, batchAfter.count - batchBefore.count)

        // Signed and unsigned in turn, three rounds each, so that neither gets the emptier (faster) log
        // or a quieter moment of a shared machine; the medians are compared.
        var plain: [PhaseResult] = [commands], withReceipts: [PhaseResult] = []
        for round in 0..<3 {
            withReceipts.append(try await load(client, connections: options.connections, seconds: options.seconds,
                                               budget: options.requests, request: command(port: signedPort)))
            if round < 2 {
                plain.append(try await load(client, connections: options.connections, seconds: options.seconds,
                                            budget: options.requests, request: command(port: port)))
            }
        }
        func median(_ results: [PhaseResult]) -> Double { results.map(\.rate).sorted()[results.count / 2] }
        let plainRate = median(plain)
        let signedRate = median(withReceipts)

        let unbatched = try await load(client, connections: options.connections, seconds: options.seconds, budget: options.requests, request: command(port: singlePort))

        let reads = try await load(client, connections: options.connections, seconds: options.seconds, budget: options.requests) { worker, _ in
            let tenant = seeded[worker % seeded.count]
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/projects/\(tenant.project.uuidString)")
            request.headers.add(name: "Authorization", value: "Bearer \(tenant.key)")
            return request
        }

        try await client.shutdown()
        server.cancel()
        singleServer.cancel()
        signedServer.cancel()
        _ = await server.result
        _ = await singleServer.result
        _ = await signedServer.result

        // The durable single-append rate in the same run: one Partition.append (one event) per commit,
        // round-robin over as many tenants, as Tools/bench-eventlog's `durable` mode does.
        let raw = try DataDirectory(path: dir + "/durable", partitionOptions: EnvironmentOptions(initialMapSize: 1 << 28), maxOpenPartitions: options.tenants)
        let partitions = try (0..<options.tenants).map { t in
            try raw.partition(for: raw.createTenant(slug: "durable-\(t)", name: "Durable \(t)", id: .random(), at: Date()).id)
        }
        let payload = Array(String(repeating: "x", count: 200).utf8)
        let ids = IDGenerator.shared
        let durableStart = now()
        var appends = 0
        while now() - durableStart < options.durableSeconds {
            let event = NewEvent(eventID: ids.next(), type: "note.created", schemaVersion: 1, payload: payload, actor: "bench", correlationID: ids.next(), causationID: nil)
            _ = try partitions[appends % partitions.count].append(stream: "s-\(appends % 50)", expected: .any, events: [event], recordedAt: Date())
            appends += 1
        }
        let durableRate = Double(appends) / (now() - durableStart)

        print("bench-http: \(options.connections) connections over \(options.tenants) tenants, loopback 127.0.0.1, async-http-client; bounded to \(options.requests) requests or \(options.seconds) s per phase")
        print(line("POST /v1/commands/knowledge.record (group)", commands, String(format: "  mean %.1f commands/commit", meanBatch)))
        for (n, r) in plain.enumerated() { print(line("  unsigned, round \(n + 1)", r)) }
        for (n, r) in withReceipts.enumerated() {
            print(line("  signed (receipts, checkpoints), round \(n + 1)", r))
        }
        print(String(format: "signing: %.0f commands/s signed vs %.0f unsigned (median of 3 rounds each): %+.1f%%",
                     signedRate, plainRate, (signedRate / max(1, plainRate) - 1) * 100))
        print(line("POST /v1/commands/knowledge.record (1/commit)", unbatched))
        print(line("GET /v1/projects/{id} (projection read)", reads))
        print(String(format: "%@ %7.0f appends/s  (one Partition.append per durable commit, %d tenants round-robin, one thread)",
                     "durable single append (event log)".padding(toLength: 44, withPad: " ", startingAt: 0), durableRate, options.tenants))
        print(String(format: "group commit: %.1fx the durable single-append rate, %.1fx the same server with one command per commit",
                     commands.rate / durableRate, commands.rate / max(1, unbatched.rate)))
    }
}
