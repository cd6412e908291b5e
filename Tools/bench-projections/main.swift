// Projection rebuild benchmark: each projector's rebuild rate and all together, next to a raw scan
// of the same events (read and decode every payload, no projection) and a bare cursor scan, in the
// same run, with each phase's peak memory measured in a child process of its own.
//
//   swift run -c release bench-projections [--events 1000000] [--dir DIR] [--keep] [--only PHASE,...] [--chunk N]
//
// Each phase reports its rate by wall-clock time and by the CPU time (user + system) its process
// used: on a shared machine the CPU rate is the steadier figure. `--keep` reuses the data of an
// earlier run in DIR; `--only` runs the named phases (cursor, decode, a projector's name, all).
import BulkheadCore
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

let args = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}
let target = Int(option("--events") ?? "") ?? 1_000_000
/// Events per rebuild transaction (`TenantEngine.rebuildChunk` unless given).
let chunk = Int(option("--chunk") ?? "") ?? TenantEngine.rebuildChunk
let dir = option("--dir") ?? NSTemporaryDirectory() + "bulkhead-bench-projections-\(target)"
let clock = ManualClock(Date(timeIntervalSince1970: 1_767_600_000))

/// Phase run in a child: prints "events seconds cpuSeconds peakAnonKiB peakRSSKiB".
if let phase = option("--phase") {
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
    default:
        let names = phase == "all" ? [] : [phase]
        events = try engine.rebuild(tenant: tenant, projections: names, dryRun: false, chunkSize: chunk).events
    }
    let (seconds, cpu) = (now() - start, cpuSeconds() - startCPU)
    usleep(10_000)
    print(events, seconds, cpu, max(peakAnonKiB, statusKiB("RssAnon")), statusKiB("VmHWM"))
    exit(0)
}

// MARK: Set-up: one tenant with a realistic mix of events, written through the engine.

let fm = FileManager.default
if !fm.fileExists(atPath: dir + "/catalog") || !args.contains("--keep") {
    try? fm.removeItem(atPath: dir)
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

// MARK: Phases, each in its own process so that its peak memory is its own.

typealias PhaseResult = (events: Double, seconds: Double, cpu: Double, anonKiB: Int, rssKiB: Int)

func runPhase(_ phase: String) throws -> PhaseResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = ["--phase", phase, "--dir", dir, "--events", String(target), "--chunk", String(chunk)]
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
    return (e, s, c, anon, rss)
}

let counts = try DataDirectory(path: dir).partition(for: try DataDirectory(path: dir).resolveTenant("bench").id)
let mix = try counts.read { log -> [String: Int] in
    var mix: [String: Int] = [:]
    try log.scan(from: 1) { mix[$0.type, default: 0] += 1; return true }
    return mix
}
print("mix: " + mix.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))

let only = option("--only").map { Set($0.split(separator: ",").map(String.init)) }
func wanted(_ phase: String) -> Bool { only?.contains(phase) ?? true }
func line(_ name: String, _ r: PhaseResult, note: String = "") {
    print(String(format: "%-26@ %9.0f ev/s  (cpu %9.0f ev/s)  peak heap %4d MiB (rss %4d MiB)  %@", name as NSString,
                 r.events / r.seconds, r.events / max(r.cpu, 1e-9), r.anonKiB / 1024, r.rssKiB / 1024, note as NSString))
}

if wanted("cursor") { line("scan (cursor + header)", try runPhase("cursor")) }
// The raw scan always runs: the rebuilds are measured against it.
let decode = try runPhase("decode")
line("scan + payload decode", decode, note: "<- raw scan: read and decode every payload")
for phase in Projectors.all.map(\.name) + ["all"] where wanted(phase) {
    let r = try runPhase(phase)
    let wall = r.events / r.seconds / (decode.events / decode.seconds) * 100
    let cpu = r.events / max(r.cpu, 1e-9) / (decode.events / max(decode.cpu, 1e-9)) * 100
    line("rebuild " + phase, r, note: String(format: "%5.1f%% of the raw scan (by cpu %5.1f%%)", wall, cpu))
}
if !args.contains("--keep") { try? fm.removeItem(atPath: dir) }
