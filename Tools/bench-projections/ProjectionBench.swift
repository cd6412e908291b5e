// Projection rebuild benchmark: each projector's rebuild rate and all together, next to a raw scan
// of the same events (read and decode every payload, no projection) and a bare cursor scan, in the
// same run, with each phase's peak memory measured in a child process of its own.
//
//   swift run -c release bench-projections [--events 1000000] [--dir DIR] [--keep] [--only PHASE,...] [--memory MiB]
//
// After each rebuild it measures that rebuild's floor: what no projector can go below with this
// storage, measured on the same data. Its parts, timed apart: the scan decoding only the events
// the projector reads, and the rebuilt table(s) written again with raw LMDB calls — each final
// entry once, either in as many transactions as the chunked rebuild before issue 16 used (one per
// 50,000 events), each transaction's keys sorted (entries are dealt to transactions in a fixed
// random order: their keys are UUIDs, which arrive in no order), or once in key order with
// MDB_APPEND. The "spill" phase rebuilds all five with a budget of a tenth of the state the "all"
// phase held, so that it spills sorted runs and merges them; it is measured against all's floor.
//
// Each phase reports its rate by wall-clock time and by the CPU time (user + system) its process
// used: on a shared machine the CPU rate is the steadier figure. `--keep` reuses the data of an
// earlier run in DIR; `--only` runs the named phases (cursor, decode, a projector's name, all).
// `--help` lists the options (parsed by `BenchProjections`).
import BulkheadCore
import CLMDB
import Domain
import EventLog
import Foundation
import Projections
import Storage
import Workflows

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// This process's user + system CPU seconds so far.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// A field of /proc/self/status in KiB (`VmHWM`: peak resident set; `RssAnon`: resident memory
/// not backed by a file, i.e. the heap and stacks, without the pages of LMDB's map). Read with
/// plain `read(2)` into a stack buffer: the sampler below calls it often.
func statusKiB(_ field: String) -> Int {
    let fd = open("/proc/self/status", O_RDONLY)
    guard fd >= 0 else { return 0 }
    defer { close(fd) }
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { buffer in
        let n = read(fd, buffer.baseAddress, buffer.count)
        guard n > 0 else { return 0 }
        let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[..<n]), as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }
}

/// The highest `RssAnon` seen by a sampler thread (every 20 ms) since ``startAnonSampler()``.
/// LMDB's map pages count in the resident set (VmHWM) but belong to the page cache and grow with
/// the tenant's size whatever the rebuild does; the anonymous peak is the rebuild's own memory.
nonisolated(unsafe) var peakAnonKiB = 0
func startAnonSampler() {
    let thread = Thread {
        while true {
            peakAnonKiB = max(peakAnonKiB, statusKiB("RssAnon"))
            usleep(20_000)
        }
    }
    thread.start()
}

/// The benchmark of one run, with its parsed options.
struct ProjectionBench {
    let options: BenchProjections
    let clock = ManualClock(Date(timeIntervalSince1970: 1_767_600_000))

    /// The events the tenant has (at least) before the phases run.
    var target: Int { options.events }
    /// Events per transaction of the chunked rebuild before issue 16, for the chunked floor.
    var chunk: Int { 50_000 }
    /// The rebuilds' memory budget in bytes.
    var budget: Int { options.budgetBytes ?? options.memory.map { $0 << 20 } ?? TenantEngine.defaultRebuildMemory }
    /// The data directory: `--dir`, or one named after the event count under the temporary directory.
    var dir: String { options.dir ?? NSTemporaryDirectory() + "bulkhead-bench-projections-\(target)" }
}

extension ProjectionBench {
    /// A phase run in a child: prints "events seconds cpuSeconds peakAnonKiB peakRSSKiB".
    func runChild(phase: String) throws -> Never {
        startAnonSampler()
        let data = try DataDirectory(path: dir, partitionOptions: EnvironmentOptions(initialMapSize: 1 << 30))
        let tenant = try data.resolveTenant("bench").id
        let partition = try data.partition(for: tenant)
        let engine = TenantEngine(data: data, clock: clock)
        let start = now()
        let startCPU = cpuSeconds()
        var events: UInt64 = 0
        switch phase {
        case "cursor":
            // The floor: a bare LMDB cursor walk over the log, touching each value's length.
            try partition.read { log in
                var bytes = 0
                try log.scan(from: 1) { view in bytes &+= view.payload.count; events += 1; return true }
                if bytes == -1 { print(bytes) }
            }
        case "decode":
            // Every payload decoded the fastest way the catalogue offers: the type found from its
            // stored bytes, the payload read through BinaryCodable.
            try partition.read { log in
                try log.scan(from: 1) { view in
                    if let type = EventCatalog.eventType(named: view.typeBytes) {
                        _ = try EventCatalog.decode(type, schemaVersion: view.schemaVersion, payload: view.payload)
                    } else {
                        _ = try EventCatalog.decode(type: view.type, schemaVersion: view.schemaVersion, payload: view.payload)
                    }
                    events += 1
                    return true
                }
            }
        case "envelope", "envelope-floor":
            // Every event rendered as the JSON envelope replay and the feed show: by the library
            // (an Encodable envelope) or by the hand-written floor; the bytes are counted.
            var bytes = 0
            try partition.read { log in
                try log.scanRecords(from: 1) { view, previous, hash in
                    bytes &+= phase == "envelope"
                        ? try EnvelopeJSON.render(view, previousHash: previous, hash: hash).utf8.count
                        : try EnvelopeFloor.render(view, previousHash: previous, hash: hash).utf8.count
                    events += 1
                    return true
                }
            }
            if bytes == -1 { print(bytes) }
        case "asof":
            // The projectors alone: every projection computed in memory (an as-of view of the
            // head), nothing written: what the fold costs with today's projectors.
            let head = try partition.head().position
            try Stores(engine: engine).store(for: tenant).asOf(position: head) { _ in }
            events = head
        case let floor where floor.hasPrefix("floor-"):
            let selected = floor == "floor-all" ? Projectors.all : [try Projectors.named(String(floor.dropFirst(6)))]
            let (decodeCPU, count) = try decodeHandled(partition, selected)
            events = count
            let tables = try liveTables(partition, engine, tenant, selected)
            let chunks = max(1, (Int(count) + chunk - 1) / chunk)
            let writeCPU = try writeFloor(tables, chunks: chunks, sorted: false)
            let appendCPU = try writeFloor(tables, chunks: chunks, sorted: true)
            let (seconds, cpu) = (now() - start, cpuSeconds() - startCPU)
            print(events, seconds, cpu, max(peakAnonKiB, statusKiB("RssAnon")), statusKiB("VmHWM"), decodeCPU, writeCPU, appendCPU)
            exit(0)
        default:
            let names = phase == "all" || phase == "spill" ? [] : [phase]
            let report = try Stores(engine: engine).store(for: tenant).rebuild(
                projections: names, dryRun: false, memoryBudget: budget)
            let (seconds, cpu) = (now() - start, cpuSeconds() - startCPU)
            usleep(10_000)
            print(report.events, seconds, cpu, max(peakAnonKiB, statusKiB("RssAnon")), statusKiB("VmHWM"),
                  report.spilledRuns, report.peakStateBytes)
            exit(0)
        }
        let (seconds, cpu) = (now() - start, cpuSeconds() - startCPU)
        usleep(10_000)
        print(events, seconds, cpu, max(peakAnonKiB, statusKiB("RssAnon")), statusKiB("VmHWM"))
        exit(0)
    }
}


// MARK: Floors: the least any rebuild of a projector costs with this storage.

/// Scans the log decoding only the events `projectors` read. Returns the CPU seconds and the
/// number of events scanned.
func decodeHandled(_ partition: Partition, _ projectors: [any Projector]) throws -> (Double, UInt64) {
    let handled = EventCatalog.payloadTypes.map { type in projectors.contains { $0.handles(type.type) } }
    let cpu = cpuSeconds()
    var events: UInt64 = 0
    try partition.read { log in
        try log.scan(from: 1) { view in
            events += 1
            if let type = EventCatalog.eventType(named: view.typeBytes), handled[type.index] {
                _ = try EventCatalog.decode(type, schemaVersion: view.schemaVersion, payload: view.payload)
            }
            return true
        }
    }
    return (cpuSeconds() - cpu, events)
}

/// The entries of one table in key order, copied into one buffer.
struct FlatTable {
    var bytes: [UInt8] = []
    var entries: [(key: Range<Int>, value: Range<Int>)] = []
}

/// The live tables of `projectors`, copied out.
func liveTables(_ partition: Partition, _ engine: TenantEngine, _ tenant: TenantID, _ projectors: [any Projector]) throws -> [FlatTable] {
    let generations = Dictionary(uniqueKeysWithValues: try engine.status(tenant: tenant).map { ($0.name, $0.generation) })
    return try partition.environment.read { tx in
        try projectors.map { projector in
            guard let generation = generations[projector.name] ?? nil,
                  let table = tx.existingTable(named: "proj.\(projector.name).\(generation)") else {
                throw NSError(domain: "bench", code: 2, userInfo: [NSLocalizedDescriptionKey: "\(projector.name) is not built"])
            }
            var flat = FlatTable()
            try tx.withCursor(table) { cursor in
                var found = try cursor.first()
                while found {
                    let keyStart = flat.bytes.count
                    flat.bytes.append(contentsOf: cursor.key)
                    let valueStart = flat.bytes.count
                    flat.bytes.append(contentsOf: cursor.value)
                    flat.entries.append((keyStart..<valueStart, valueStart..<flat.bytes.count))
                    found = try cursor.next()
                }
            }
            return flat
        }
    }
}

/// Writes `tables` into a new environment with raw LMDB calls, each entry once, in `chunks`
/// transactions (durable commits, as the rebuild's): entries dealt to transactions in a fixed
/// random order, each transaction's keys sorted per table. With `sorted`, the entries go in key
/// order with `MDB_APPEND` instead — the least any design writing LMDB tables could do, such as
/// a bulk load after an external sort. Returns the CPU seconds.
extension ProjectionBench {
    func writeFloor(_ tables: [FlatTable], chunks: Int, sorted: Bool) throws -> Double {
        let path = dir + "-floor"
        let files = FileManager.default
        try? files.removeItem(atPath: path)
        try files.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? files.removeItem(atPath: path) }
        var env: OpaquePointer?
        mdb_env_create(&env)
        mdb_env_set_mapsize(env, 1 << 36)
        mdb_env_set_maxdbs(env, 16)
        precondition(mdb_env_open(env, path, UInt32(MDB_NOTLS), 0o644) == 0)
        defer { mdb_env_close(env) }
        var dbis: [MDB_dbi] = []
        var txn: OpaquePointer?
        precondition(mdb_txn_begin(env, nil, 0, &txn) == 0)
        for i in tables.indices {
            var dbi: MDB_dbi = 0
            precondition(mdb_dbi_open(txn, "t\(i)", UInt32(MDB_CREATE), &dbi) == 0)
            dbis.append(dbi)
        }
        precondition(mdb_txn_commit(txn) == 0)
        // Each table's entries in a fixed random order, dealt out to the transactions.
        var random = SplitMix64(seed: 7)
        let dealt = tables.map { sorted ? Array($0.entries.indices) : Array($0.entries.indices).shuffled(using: &random) }
        let cpu = cpuSeconds()
        for c in 0..<chunks {
            precondition(mdb_txn_begin(env, nil, 0, &txn) == 0)
            for (t, table) in tables.enumerated() {
                let share = dealt[t]
                let slice = share[(share.count * c / chunks)..<(share.count * (c + 1) / chunks)]
                table.bytes.withUnsafeBytes { raw in
                    func key(_ i: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: raw[table.entries[i].key]) }
                    for i in sorted ? Array(slice) : slice.sorted(by: { key($0).compareBytes(key($1)) < 0 }) {
                        let k = key(i), v = UnsafeRawBufferPointer(rebasing: raw[table.entries[i].value])
                        var mk = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
                        var mv = MDB_val(mv_size: v.count, mv_data: UnsafeMutableRawPointer(mutating: v.baseAddress))
                        precondition(mdb_put(txn, dbis[t], &mk, &mv, sorted ? UInt32(MDB_APPEND) : 0) == 0)
                    }
                }
            }
            precondition(mdb_txn_commit(txn) == 0)
        }
        return cpuSeconds() - cpu
    }
}

// MARK: Phases, each in its own process so that its peak memory is its own.

/// A phase's figures; `parts` are a floor's CPU seconds for decoding and for writing.
typealias PhaseResult = (events: Double, seconds: Double, cpu: Double, anonKiB: Int, rssKiB: Int, parts: [Double])

extension ProjectionBench {
    func runPhase(_ phase: String, budget: Int? = nil) throws -> PhaseResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["--phase", phase, "--dir", dir, "--events", String(target),
                             "--budget-bytes", String(budget ?? self.budget)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let parts = output.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard parts.count >= 5, let e = Double(parts[0]), let s = Double(parts[1]), let c = Double(parts[2]),
              let anon = Int(parts[3]), let rss = Int(parts[4]) else {
            throw NSError(domain: "bench", code: 1, userInfo: [NSLocalizedDescriptionKey: "phase \(phase) printed '\(output)'"])
        }
        return (e, s, c, anon, rss, parts.dropFirst(5).compactMap { Double($0) })
    }

    /// Runs the set-up (unless `--keep` finds earlier data), then each phase in a child process.
    func run() throws {
        if let phase = options.phase { try runChild(phase: phase) }
        let fm = FileManager.default
        if !fm.fileExists(atPath: dir + "/catalog") || !options.keep { try setUp() }

        let data = try DataDirectory(path: dir)
        defer { data.close() }
        let counts = try data.partition(for: try data.resolveTenant("bench").id)
        let mix = try counts.read { log -> [String: Int] in
            var mix: [String: Int] = [:]
            try log.scan(from: 1) { mix[$0.type, default: 0] += 1; return true }
            return mix
        }
        print("mix: " + mix.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))

        let only = options.only.map { Set($0.split(separator: ",").map(String.init)) }
        func wanted(_ phase: String) -> Bool { only?.contains(phase) ?? true }
        func line(_ name: String, _ r: PhaseResult, note: String = "") {
            print(String(format: "%-26@ %9.0f ev/s  (cpu %9.0f ev/s)  peak heap %4d MiB (rss %4d MiB)  %@", name as NSString,
                         r.events / r.seconds, r.events / max(r.cpu, 1e-9), r.anonKiB / 1024, r.rssKiB / 1024, note as NSString))
        }

        if wanted("cursor") { line("scan (cursor + header)", try runPhase("cursor")) }
        if wanted("envelope") {
            let floor = try runPhase("envelope-floor")
            line("envelope JSON by hand", floor, note: "<- the hand-written envelope of replay and the feed")
            let encoded = try runPhase("envelope")
            line("envelope JSON (Encodable)", encoded, note: String(
                format: "%5.1f%% of the hand-written rate by cpu",
                encoded.events / max(encoded.cpu, 1e-9) / (floor.events / max(floor.cpu, 1e-9)) * 100))
        }
        // The raw scan always runs: the rebuilds are measured against it.
        let decode = try runPhase("decode")
        line("scan + payload decode", decode, note: "<- raw scan: read and decode every payload")
        var allState = 0
        var allSorted = 0.0
        for phase in Projectors.all.map(\.name) + ["all", "spill"] where wanted(phase) || (phase == "all" && wanted("spill")) {
            // Spilling: all five with a tenth of the state the all phase held.
            let spillBudget = phase == "spill" ? max(1, allState / 10) : nil
            let r = try runPhase(phase, budget: spillBudget)
            let wall = r.events / r.seconds / (decode.events / decode.seconds) * 100
            let cpu = r.events / max(r.cpu, 1e-9) / (decode.events / max(decode.cpu, 1e-9)) * 100
            let (runs, state) = r.parts.count == 2 ? (Int(r.parts[0]), Int(r.parts[1])) : (0, 0)
            if phase == "all" { allState = state }
            let memo = String(format: "; state %.1f MiB, budget %.1f MiB, %d runs spilled", Double(state) / 1_048_576,
                              Double(spillBudget ?? budget) / 1_048_576, runs)
            line("rebuild " + phase, r, note: String(format: "%5.1f%% of the raw scan (by cpu %5.1f%%)", wall, cpu) + memo)
            let rebuildRate = r.events / max(r.cpu, 1e-9)
            if phase == "spill" {
                print(String(format: "  spill: %.0f ev/s by cpu, %.1f%% of all's sorted floor (%.0f ev/s)", rebuildRate,
                             rebuildRate / max(allSorted, 1e-9) * 100, allSorted))
                continue
            }
            let floor = try runPhase("floor-" + phase)
            guard floor.parts.count == 3 else { continue }
            let (decodeCPU, writeCPU, appendCPU) = (floor.parts[0], floor.parts[1], floor.parts[2])
            func rate(_ seconds: Double) -> Double { floor.events / max(seconds, 1e-9) }
            print(String(format: "  floor %@: decode what it reads %.0f ev/s; write its final tables in %@ transactions %.0f ev/s, or sorted with MDB_APPEND %.0f ev/s",
                         phase as NSString, rate(decodeCPU), String(max(1, (Int(floor.events) + chunk - 1) / chunk)) as NSString, rate(writeCPU), rate(appendCPU)))
            print(String(format: "  floor %@: decode + chunked writes %.0f ev/s (the rebuild is at %.1f%% of it); decode + sorted appends %.0f ev/s (%.1f%% of the raw scan)",
                         phase as NSString, rate(decodeCPU + writeCPU), rebuildRate / rate(decodeCPU + writeCPU) * 100,
                         rate(decodeCPU + appendCPU), rate(decodeCPU + appendCPU) / (decode.events / max(decode.cpu, 1e-9)) * 100))
            print(String(format: "  %@: rebuild %.0f ev/s by cpu = %.1f%% of its sorted floor", phase as NSString,
                         rebuildRate, rebuildRate / rate(decodeCPU + appendCPU) * 100))
            if phase == "all" {
                allSorted = rate(decodeCPU + appendCPU)
                let fold = try runPhase("asof")
                print(String(format: "  all: the projectors alone (as-of view of the head, in memory, nothing written) "
                                 + "%.0f ev/s by cpu, peak heap %d MiB: the most a rebuild with them could reach",
                             fold.events / max(fold.cpu, 1e-9), fold.anonKiB / 1024))
            }
        }
        if !options.keep { try? fm.removeItem(atPath: dir) }
    }

    // MARK: Set-up: one tenant with a realistic mix of events, written through the engine.

    func setUp() throws {
        try? FileManager.default.removeItem(atPath: dir)
        let data = try DataDirectory(path: dir, partitionOptions: EnvironmentOptions(initialMapSize: 1 << 30))
        let tenant = try data.createTenant(slug: "bench", name: "Bench", id: .random(), at: clock.now)
        let engine = TenantEngine(data: data, clock: clock)
        var history = RandomHistory(engine: engine, clock: clock, seed: 1)
        let start = now()
        let partition = try data.partition(for: tenant.id)
        var reported: UInt64 = 0
        while try partition.head().position < UInt64(target) {
            try history.run(tenant: tenant.id, commands: 20_000, batchSize: 5_000)
            let head = try partition.head().position
            if head - reported >= 100_000 {
                print(String(format: "set-up: %d events after %.0f s", head, now() - start))
                reported = head
            }
        }
        print(String(format: "set-up: %d events written through the engine in %.1f s", try partition.head().position, now() - start))
    }
}
