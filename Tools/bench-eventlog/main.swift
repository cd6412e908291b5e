// Event log benchmark: Bulkhead's append path next to raw LMDB calls on the same bytes, in the
// same run. Usage: swift run -c release bench-eventlog [--events N] [--tenants N] [--seconds S] [--dir DIR]
import BulkheadCore
import CLMDB
import EventLog
import Foundation
import Storage

struct Options {
    var events = 1_000_000
    var tenants = 100
    var batch = 10_000
    var seconds = 5.0
    var only = ""
    var dir = NSTemporaryDirectory() + "bulkhead-bench-\(getpid())"

    init(_ args: [String]) {
        var i = 0
        while i < args.count {
            let value = i + 1 < args.count ? args[i + 1] : ""
            switch args[i] {
            case "--events": events = Int(value) ?? events
            case "--tenants": tenants = Int(value) ?? tenants
            case "--batch": batch = Int(value) ?? batch
            case "--seconds": seconds = Double(value) ?? seconds
            case "--dir": dir = value
            case "--only": only = value
            default: break
            }
            i += 2
        }
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let fm = FileManager.default
try? fm.removeItem(atPath: options.dir)
try fm.createDirectory(atPath: options.dir, withIntermediateDirectories: true)
defer { try? fm.removeItem(atPath: options.dir) }

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// A payload of about 200 bytes, varying per event like real JSON-ish content.
func payload(_ i: Int) -> [UInt8] {
    var w = ByteWriter(capacity: 200)
    w.writeString("project-\(i % 977)")
    w.writeString("Refactor the ingestion pipeline so that note enrichment reads every knowledge kind; event \(i)")
    w.writeString("github.com/example/repo-\(i % 31)")
    w.writeSignedVarint(Int64(i))
    while w.bytes.count < 200 { w.write(UInt8(truncatingIfNeeded: i &* 31 &+ w.bytes.count)) }
    return w.bytes
}

let payloads = (0..<1024).map(payload)
let ids = IDGenerator.shared
let perTenant = options.events / options.tenants

// MARK: raw LMDB

final class RawEnv {
    var env: OpaquePointer?
    var dbi: MDB_dbi = 0
    var next: UInt64 = 1
    init(path: String) {
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        mdb_env_create(&env)
        mdb_env_set_mapsize(env, 1 << 30)
        mdb_env_set_maxdbs(env, 4)
        precondition(mdb_env_open(env, path, UInt32(MDB_NOTLS), 0o644) == 0)
        var txn: OpaquePointer?
        mdb_txn_begin(env, nil, 0, &txn)
        mdb_dbi_open(txn, "log", UInt32(MDB_CREATE), &dbi)
        mdb_txn_commit(txn)
    }
    func append(count: Int, start: Int) {
        var txn: OpaquePointer?
        precondition(mdb_txn_begin(env, nil, 0, &txn) == 0)
        for i in 0..<count {
            var key = next.bigEndian
            next += 1
            let bytes = payloads[(start + i) & 1023]
            let rc = bytes.withUnsafeBytes { p -> Int32 in
                withUnsafeMutableBytes(of: &key) { k in
                    var mk = MDB_val(mv_size: 8, mv_data: k.baseAddress)
                    var mv = MDB_val(mv_size: p.count, mv_data: UnsafeMutableRawPointer(mutating: p.baseAddress))
                    return mdb_put(txn, dbi, &mk, &mv, UInt32(MDB_APPEND))
                }
            }
            precondition(rc == 0)
        }
        precondition(mdb_txn_commit(txn) == 0)
    }
    deinit { mdb_env_close(env) }
}

func rawBatched() -> Double {
    let envs = (0..<options.tenants).map { RawEnv(path: options.dir + "/raw-batched/\($0)") }
    let start = now()
    for (t, env) in envs.enumerated() {
        var done = 0
        while done < perTenant {
            let n = min(options.batch, perTenant - done)
            env.append(count: n, start: t * perTenant + done)
            done += n
        }
    }
    return Double(perTenant * options.tenants) / (now() - start)
}

func rawDurable() -> Double {
    let envs = (0..<options.tenants).map { RawEnv(path: options.dir + "/raw-durable/\($0)") }
    let start = now()
    var n = 0
    while now() - start < options.seconds {
        envs[n % envs.count].append(count: 1, start: n)
        n += 1
    }
    return Double(n) / (now() - start)
}

// MARK: Bulkhead

func event(_ i: Int) -> NewEvent {
    NewEvent(eventID: ids.next(), type: "note.created", schemaVersion: 1, payload: payloads[i & 1023],
             actor: "user-\(i % 7)", correlationID: ids.next(), causationID: nil)
}

func bulkheadData(_ name: String) throws -> (DataDirectory, [Partition]) {
    let data = try DataDirectory(path: options.dir + "/" + name, partitionOptions: EnvironmentOptions(initialMapSize: 1 << 30), maxOpenPartitions: options.tenants)
    let partitions = try (0..<options.tenants).map { t in
        let record = try data.createTenant(slug: "tenant-\(t)", name: "Tenant \(t)", id: .random(), at: Date())
        return try data.partition(for: record.id)
    }
    return (data, partitions)
}

func bulkheadBatched() throws -> Double {
    let (_, partitions) = try bulkheadData("bulkhead-batched")
    // Events prepared before the clock starts, as the raw run's payloads are.
    let start = now()
    for (t, partition) in partitions.enumerated() {
        var done = 0
        while done < perTenant {
            let n = min(options.batch, perTenant - done)
            let events = (0..<n).map { event(t * perTenant + done + $0) }
            _ = try partition.append(stream: "stream-\(t)-\(done)", expected: .noStream, events: events, recordedAt: Date())
            done += n
        }
    }
    return Double(perTenant * options.tenants) / (now() - start)
}

func bulkheadDurable() throws -> Double {
    let (_, partitions) = try bulkheadData("bulkhead-durable")
    let start = now()
    var n = 0
    while now() - start < options.seconds {
        _ = try partitions[n % partitions.count].append(stream: "s-\(n % 50)", expected: .any, events: [event(n)], recordedAt: Date())
        n += 1
    }
    return Double(n) / (now() - start)
}

func row(_ name: String, _ ours: Double, _ raw: Double, target: Double) {
    let ratio = ours / raw
    print(String(format: "%-34@ %12.0f ev/s   raw LMDB %12.0f ev/s   ratio %5.1f%%   target >= %.0f%% %@",
                 name as NSString, ours, raw, ratio * 100, target * 100, (ratio >= target ? "ok" : "BELOW") as NSString))
}

print("bench-eventlog: \(perTenant * options.tenants) events of ~\(payloads[0].count) B payload across \(options.tenants) tenants, batch \(options.batch), durable run \(options.seconds)s")
switch options.only {
case "raw-batched": print("raw batched", rawBatched())
case "batched": print("bulkhead batched", try bulkheadBatched())
default:
    let rb = rawBatched()
    let bb = try bulkheadBatched()
    row("(a) batched, \(options.batch)/transaction", bb, rb, target: 0.5)
    let rd = rawDurable()
    let bd = try bulkheadDurable()
    row("(b) one durable commit per event", bd, rd, target: 0.7)
}
