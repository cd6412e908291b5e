// Event log benchmark: Bulkhead's append path and read scan next to raw LMDB calls on the same
// bytes, in the same run.
// Usage: swift run -c release bench-eventlog [--events N] [--tenants N] [--batch N] [--seconds S]
//        [--scan-events N] [--dir DIR] [--only batched|raw-batched|floors|durable|raw-durable|scan]
// (`--help` lists them; the options are parsed by `BenchEventlog`).
// Under (a) it also prints the floor of the envelope: the bytes Bulkhead stored written again
// with raw LMDB calls, the SHA-256 chain over them alone, and both.
import BulkheadCore
import CLMDB
import EventLog
import Foundation
import Storage

/// The benchmark of one run, with its parsed options.
struct EventLogBench {
    let options: BenchEventlog

    /// Events per tenant in the batched run.
    var perTenant: Int { options.events / options.tenants }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// This process's user and system CPU seconds so far: steadier than rates on a shared machine.
func cpuTimes() -> (user: Double, sys: Double) {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return (seconds(usage.ru_utime), seconds(usage.ru_stime))
}

/// CPU seconds spent inside the timed regions of the last run, printed by the `--only` modes.
nonisolated(unsafe) var timedCPU = (user: 0.0, sys: 0.0)

/// A run's rate by the wall clock and by the CPU seconds (user + system) on its clock: on a shared
/// machine whose disk and CPU speed vary, the CPU rate is the steadier figure.
struct Rate {
    let wall: Double
    let cpu: Double

    /// The rate of the run that just returned `wall`, with its CPU time from `timedCPU`.
    init(_ wall: Double, events: Int) {
        self.wall = wall
        cpu = Double(events) / max(timedCPU.user + timedCPU.sys, 1e-9)
    }

    init(wall: Double, cpu: Double) {
        self.wall = wall
        self.cpu = cpu
    }

    /// Two runs one after the other: their times added.
    static func + (a: Rate, b: Rate) -> Rate { Rate(wall: 1 / (1 / a.wall + 1 / b.wall), cpu: 1 / (1 / a.cpu + 1 / b.cpu)) }
}

/// Runs `body` on the clock: returns its wall seconds and adds its CPU seconds to `timedCPU`.
func timed(_ body: () throws -> Void) rethrows -> Double {
    let cpu = cpuTimes()
    let start = now()
    try body()
    let wall = now() - start
    let after = cpuTimes()
    timedCPU.user += after.user - cpu.user
    timedCPU.sys += after.sys - cpu.sys
    return wall
}

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

// MARK: raw LMDB

final class RawEnv {
    var env: OpaquePointer?
    var dbi: MDB_dbi = 0
    var dbis: [String: MDB_dbi] = [:]
    var next: UInt64 = 1
    init(path: String, tables: [String] = ["log"]) {
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        mdb_env_create(&env)
        mdb_env_set_mapsize(env, 1 << 30)
        mdb_env_set_maxdbs(env, 8)
        precondition(mdb_env_open(env, path, UInt32(MDB_NOTLS), 0o644) == 0)
        var txn: OpaquePointer?
        mdb_txn_begin(env, nil, 0, &txn)
        for name in tables {
            var handle: MDB_dbi = 0
            precondition(mdb_dbi_open(txn, name, UInt32(MDB_CREATE), &handle) == 0)
            dbis[name] = handle
        }
        dbi = dbis["log"] ?? 0
        mdb_txn_commit(txn)
    }
    /// One write transaction, committed.
    func write(_ body: (OpaquePointer?) -> Void) {
        var txn: OpaquePointer?
        precondition(mdb_txn_begin(env, nil, 0, &txn) == 0)
        body(txn)
        precondition(mdb_txn_commit(txn) == 0)
    }
    /// `mdb_put` of a key and value into the table `name`.
    func put(_ txn: OpaquePointer?, _ table: MDB_dbi, _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ flags: UInt32) {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        precondition(mdb_put(txn, table, &k, &v, flags) == 0)
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

extension EventLogBench {
    func rawBatched() -> Double {
        let envs = (0..<options.tenants).map { RawEnv(path: options.directory + "/raw-batched/\($0)") }
        // Each run starts with no other run's written pages still waiting for the disk.
        sync()
        timedCPU = (0, 0)
        let elapsed = timed {
            for (t, env) in envs.enumerated() {
                var done = 0
                while done < perTenant {
                    let n = min(options.batch, perTenant - done)
                    env.append(count: n, start: t * perTenant + done)
                    done += n
                }
            }
        }
        return Double(perTenant * options.tenants) / elapsed
    }

    func rawDurable() -> Double {
        let envs = (0..<options.tenants).map { RawEnv(path: options.directory + "/raw-durable/\($0)") }
        let start = now()
        var n = 0
        while now() - start < options.seconds {
            envs[n % envs.count].append(count: 1, start: n)
            n += 1
        }
        return Double(n) / (now() - start)
    }
}

// MARK: Bulkhead

func event(_ i: Int) -> NewEvent {
    NewEvent(eventID: ids.next(), type: "note.created", schemaVersion: 1, payload: payloads[i & 1023],
             actor: "user-\(i % 7)", correlationID: ids.next(), causationID: nil)
}

extension EventLogBench {
    func bulkheadData(_ name: String) throws -> (DataDirectory, [Partition]) {
        let data = try DataDirectory(path: options.directory + "/" + name, partitionOptions: EnvironmentOptions(initialMapSize: 1 << 30), maxOpenPartitions: options.tenants)
        let partitions = try (0..<options.tenants).map { t in
            let record = try data.createTenant(slug: "tenant-\(t)", name: "Tenant \(t)", id: .random(), at: Date())
            return try data.partition(for: record.id)
        }
        return (data, partitions)
    }
}

/// Seconds spent building `NewEvent`s (ids, actor strings) in the last batched run: caller work,
/// kept off the clock as the raw run's payloads are, and printed so that it is not hidden.
nonisolated(unsafe) var eventConstructionSeconds = 0.0

/// The environments the last batched run wrote, one per tenant (closed when it returns).
nonisolated(unsafe) var batchedPaths: [String] = []

extension EventLogBench {
    func bulkheadBatched() throws -> Double {
        let (_, partitions) = try bulkheadData("bulkhead-batched")
        batchedPaths = partitions.map(\.environment.path)
        // Each batch's events are prepared before its clock starts, as the raw run's payloads are:
        // the clock runs only around the appends.
        var elapsed = 0.0
        eventConstructionSeconds = 0
        // Each run starts with no other run's written pages still waiting for the disk.
        sync()
        timedCPU = (0, 0)
        for (t, partition) in partitions.enumerated() {
            var done = 0
            while done < perTenant {
                let n = min(options.batch, perTenant - done)
                let built = now()
                let events = (0..<n).map { event(t * perTenant + done + $0) }
                eventConstructionSeconds += now() - built
                elapsed += try timed {
                    _ = try partition.append(stream: "stream-\(t)-\(done)", expected: .noStream, events: events, recordedAt: Date())
                }
                done += n
            }
        }
        return Double(perTenant * options.tenants) / elapsed
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
}

// MARK: Floors of the envelope

/// The entries of one table in key order, in one flat buffer.
struct FlatTable {
    var bytes: [UInt8] = []
    var entries: [(key: Range<Int>, value: Range<Int>)] = []

    func withEntry<R>(_ i: Int, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> R) -> R {
        bytes.withUnsafeBytes { raw in
            body(UnsafeRawBufferPointer(rebasing: raw[entries[i].key]), UnsafeRawBufferPointer(rebasing: raw[entries[i].value]))
        }
    }
}

/// What the batched run stored for one tenant: the log, the event-id index, the stream runs and
/// the stream heads, read back with raw LMDB calls.
struct StoredTenant {
    var tables: [String: FlatTable] = [:]
    static let names = ["log", "eventIDs", "streams", "streamHeads"]

    init(path: String) {
        var env: OpaquePointer?
        mdb_env_create(&env)
        mdb_env_set_maxdbs(env, 64)
        mdb_env_set_mapsize(env, 1 << 30)
        precondition(mdb_env_open(env, path, UInt32(MDB_NOTLS | MDB_RDONLY), 0o644) == 0)
        defer { mdb_env_close(env) }
        var txn: OpaquePointer?
        precondition(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn) == 0)
        defer { mdb_txn_abort(txn) }
        for name in Self.names {
            var dbi: MDB_dbi = 0
            precondition(mdb_dbi_open(txn, name, 0, &dbi) == 0)
            var cursor: OpaquePointer?
            precondition(mdb_cursor_open(txn, dbi, &cursor) == 0)
            var table = FlatTable()
            var k = MDB_val(), v = MDB_val()
            var rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
            while rc == 0 {
                let keyStart = table.bytes.count
                table.bytes.append(contentsOf: UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size))
                let valueStart = table.bytes.count
                table.bytes.append(contentsOf: UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
                table.entries.append((keyStart..<valueStart, valueStart..<table.bytes.count))
                rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
            }
            mdb_cursor_close(cursor)
            tables[name] = table
        }
    }
}

/// The storage floor of the envelope: the bytes the batched run stored (records with their
/// hashes, event-id entries, a stream run and a stream head per batch) written again with raw
/// LMDB calls, in the same batches and with the flags the log uses (`MDB_APPEND` for the log and
/// the time-ordered event ids), without encoding or hashing anything.
extension EventLogBench {
    func rawStoredBytes(_ stored: [StoredTenant]) -> Double {
        var events = 0
        // Each run starts with no other run's written pages still waiting for the disk.
        sync()
        timedCPU = (0, 0)
        var elapsed = 0.0
        for (t, tenant) in stored.enumerated() {
            let env = RawEnv(path: options.directory + "/raw-stored/\(t)", tables: StoredTenant.names)
            let log = tenant.tables["log"]!, ids = tenant.tables["eventIDs"]!
            let streams = tenant.tables["streams"]!, heads = tenant.tables["streamHeads"]!
            precondition(log.entries.count == ids.entries.count && streams.entries.count == heads.entries.count)
            let (logTable, idTable) = (env.dbis["log"]!, env.dbis["eventIDs"]!)
            let (streamTable, headTable) = (env.dbis["streams"]!, env.dbis["streamHeads"]!)
            var batch = 0, done = 0
            while done < log.entries.count {
                let n = min(options.batch, log.entries.count - done)
                elapsed += timed {
                    env.write { txn in
                        for i in done..<(done + n) {
                            ids.withEntry(i) { k, v in env.put(txn, idTable, k, v, UInt32(MDB_APPEND)) }
                            log.withEntry(i) { k, v in env.put(txn, logTable, k, v, UInt32(MDB_APPEND)) }
                        }
                        if batch < streams.entries.count {
                            streams.withEntry(batch) { k, v in env.put(txn, streamTable, k, v, 0) }
                            heads.withEntry(batch) { k, v in env.put(txn, headTable, k, v, 0) }
                        }
                    }
                }
                batch += 1
                done += n
            }
            events += log.entries.count
        }
        return Double(events) / elapsed
    }
}

/// The hash floor: SHA-256 over each stored record and its predecessor's hash, as the log chains
/// them, with nothing else.
func hashChain(_ stored: [StoredTenant]) -> Double {
    // Each run starts with no other run's written pages still waiting for the disk.
    sync()
    timedCPU = (0, 0)
    var events = 0
    var digest = [UInt8](repeating: 0, count: StoredRecord.hashSize)
    let elapsed = timed {
        for tenant in stored {
            let log = tenant.tables["log"]!
            var previous = [UInt8](repeating: 0, count: StoredRecord.hashSize)
            for i in log.entries.indices {
                log.withEntry(i) { _, value in
                    let record = UnsafeRawBufferPointer(rebasing: value.dropLast(StoredRecord.hashSize))
                    previous.withUnsafeBytes { p in digest.withUnsafeMutableBytes { StoredRecord.chainHash(previous: p, record: record, into: $0) } }
                }
                swap(&previous, &digest)
            }
            events += log.entries.count
        }
    }
    precondition(digest.contains { $0 != 0 })
    return Double(events) / elapsed
}

// MARK: Scan

/// A projection-style payload in the stored binary form (BinaryEncoder), about 200 bytes.
struct NoteChanged: Codable {
    var noteID: UUID
    var projectID: UUID
    var title: String
    var body: String
    var tags: [String]
    var changedAt: Date
    var revision: Int
    var archived: Bool
}

extension NoteChanged {
    /// Reads the bytes BinaryEncoder wrote for a `NoteChanged`, field by field.
    init(reading bytes: UnsafeRawBufferPointer) throws {
        var r = ByteReader(bytes)
        noteID = try r.readUUID()
        projectID = try r.readUUID()
        title = try r.readString()
        body = try r.readString()
        let count = try r.readUInt32()
        tags = []
        tags.reserveCapacity(Int(min(count, 64)))
        for _ in 0..<count { tags.append(try r.readString()) }
        changedAt = Date(timeIntervalSince1970: Double(try r.readSignedVarint()) / 1_000_000)
        revision = Int(try r.readSignedVarint())
        archived = try r.readByte() == 1
        guard r.isAtEnd else { throw ByteFormatError(reason: "trailing bytes", offset: r.offset) }
    }
}

let scanTypes = ["note.created", "note.updated", "note.archived", "project.renamed"]

func scanPayload(_ i: Int, project: UUID) throws -> [UInt8] {
    try BinaryEncoder.encode(NoteChanged(
        noteID: ids.next(), projectID: project,
        title: "Refactor the ingestion pipeline, step \(i % 1000)",
        body: "Note enrichment reads every knowledge kind; the reviewer asked for numbers \(i).",
        tags: ["ingest", "perf-\(i % 13)", "q\(i % 4)"], changedAt: Date(), revision: i % 50, archived: i % 9 == 0))
}

/// Writes `options.scanEvents` events for one tenant through the log: streams `project-<uuid>`
/// of 100 events each, 100 appends per transaction. Returns the partition's directory.
extension EventLogBench {
    func writeScanData() throws -> (directory: String, payloadBytes: Int) {
        let data = try DataDirectory(path: options.directory + "/scan", partitionOptions: EnvironmentOptions(initialMapSize: 1 << 30), maxOpenPartitions: 1)
        let record = try data.createTenant(slug: "scan", name: "Scan", id: .random(), at: Date())
        let partition = try data.partition(for: record.id)
        let perStream = 100, perTransaction = 100
        // 1,024 distinct payloads, encoded once: BinaryEncoder is not what this measures.
        let project = ids.next()
        let pool = try (0..<1024).map { try scanPayload($0, project: project) }
        var written = 0, payloadBytes = 0
        while written < options.scanEvents {
            try partition.write { log in
                for _ in 0..<perTransaction where written < options.scanEvents {
                    let project = ids.next()
                    let n = min(perStream, options.scanEvents - written)
                    let events = (0..<n).map { k in
                        let payload = pool[(written + k) & 1023]
                        payloadBytes += payload.count
                        return NewEvent(
                            eventID: ids.next(), type: scanTypes[(written + k) % scanTypes.count], schemaVersion: 1, payload: payload,
                            actor: "user-\((written + k) % 7)@example.com", correlationID: ids.next(), causationID: nil)
                    }
                    _ = try log.append(stream: "project-\(project.uuidString.lowercased())", expected: .noStream, events: events, recordedAt: Date())
                    written += n
                }
            }
        }
        return (data.directory(of: record.id), payloadBytes / max(written, 1))
    }

    /// The floor: a raw LMDB cursor over the partition's `log` table, opened with Bulkhead's flags,
    /// reading each value's size and first byte.
    func rawScan(_ directory: String, runs: Int) -> [Double] {
        var env: OpaquePointer?
        mdb_env_create(&env)
        mdb_env_set_maxdbs(env, 64)
        mdb_env_set_mapsize(env, 1 << 30)
        precondition(mdb_env_open(env, directory, UInt32(MDB_NOTLS), 0o644) == 0)
        defer { mdb_env_close(env) }
        var rates: [Double] = []
        for _ in 0..<runs {
            var txn: OpaquePointer?
            precondition(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn) == 0)
            var dbi: MDB_dbi = 0
            precondition(mdb_dbi_open(txn, "log", 0, &dbi) == 0)
            var cursor: OpaquePointer?
            precondition(mdb_cursor_open(txn, dbi, &cursor) == 0)
            var k = MDB_val(), v = MDB_val()
            var n = 0, sum = 0
            let start = now()
            var rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
            while rc == 0 {
                sum &+= v.mv_size &+ Int(v.mv_data.load(as: UInt8.self))
                n += 1
                rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
            }
            rates.append(Double(n) / (now() - start))
            mdb_cursor_close(cursor)
            mdb_txn_abort(txn)
            precondition(n == options.scanEvents && sum > 0)
        }
        return rates
    }

    /// `LogReader.scan` over the same environment, reopened by the log: `body` sees each view.
    func logScan(_ directory: String, runs: Int, _ body: (EventView) throws -> Int) throws -> [Double] {
        let data = try DataDirectory(path: options.directory + "/scan", partitionOptions: EnvironmentOptions(initialMapSize: 1 << 30), maxOpenPartitions: 1)
        let partition = try data.partition(for: try data.resolveTenant("scan").id)
        precondition(partition.environment.path == directory)
        var rates: [Double] = []
        for _ in 0..<runs {
            var sum = 0
            let start = now()
            let n = try partition.read { log in
                try log.scan(from: 1) { view in
                    sum &+= try body(view)
                    return true
                }
            }
            rates.append(Double(n) / (now() - start))
            precondition(n == options.scanEvents && sum != 0)
        }
        return rates
    }
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

/// Runs the scan rows: writes the data, then each scan three times (median reported).
extension EventLogBench {
    func scanRows() throws {
        let written = now()
        let (directory, payloadBytes) = try writeScanData()
        print(String(format: "scan: %d events of one tenant (~%d B payload, streams project-<uuid>), written by the log in %.1f s",
                     options.scanEvents, payloadBytes, now() - written))
        let raw = median(rawScan(directory, runs: 3))
        let header = median(try logScan(directory, runs: 3) { Int(truncatingIfNeeded: $0.position) &+ $0.payload.count })
        let strings = median(try logScan(directory, runs: 3) { $0.streamID.utf8.count &+ $0.type.utf8.count &+ $0.actor.utf8.count })
        let decoded = median(try logScan(directory, runs: 3) { view in
            guard view.isType("note.created") || view.isType("note.updated") || view.isType("note.archived") || view.isType("project.renamed") else { return 0 }
            let note = try BinaryDecoder.decode(NoteChanged.self, from: view.payload)
            return note.revision &+ note.tags.count &+ 1
        })
        // The same payloads read field by field with ByteReader, as a hand-written (non-Codable)
        // decoder would: what the scan allows once decoding is not the bottleneck.
        let handDecoded = median(try logScan(directory, runs: 3) { view in
            guard view.isType("note.created") || view.isType("note.updated") || view.isType("note.archived") || view.isType("project.renamed") else { return 0 }
            let note = try NoteChanged(reading: view.payload)
            return note.revision &+ note.tags.count &+ 1
        })
        func line(_ name: String, _ rate: Double, against: Double, target: String) {
            print(String(format: "%-44@ %12.0f ev/s   %5.1f%% of raw scan   %@", name as NSString, rate, rate / against * 100, target as NSString))
        }
        print(String(format: "%-44@ %12.0f ev/s", "(c1) raw LMDB cursor scan of log" as NSString, raw))
        line("(c2) LogReader.scan, EventView header", header, against: raw, target: "")
        line("(c3) scan + String stream id, type, actor", strings, against: raw, target: "(info: cost of String accessors)")
        line("(c4) scan + BinaryDecoder payload decode", decoded, against: raw, target: decoded >= 1_000_000 ? "target >= 1,000,000 ev/s ok" : "target >= 1,000,000 ev/s BELOW")
        line("(c5) scan + hand-written ByteReader decode", handDecoded, against: raw, target: handDecoded >= 1_000_000 ? "(info) >= 1,000,000 ev/s" : "(info) below 1,000,000 ev/s")
    }
}

/// What (a) cannot go below with this envelope, measured on the bytes the batched run stored:
/// writing them with raw LMDB calls, hashing the chain, and both together (their times added).
extension EventLogBench {
    func floorRows(raw: Rate) {
        let stored = batchedPaths.map(StoredTenant.init(path:))
        let events = stored.reduce(0) { $0 + $1.tables["log"]!.entries.count }
        let bytes = Rate(rawStoredBytes(stored), events: events)
        let hashes = Rate(hashChain(stored), events: events)
        let both = bytes + hashes
        func line(_ name: String, _ rate: Rate) {
            print(String(format: "  %-58@ %12.0f ev/s   %5.1f%% of raw   (cpu %12.0f ev/s, %5.1f%% of raw's)",
                         name as NSString, rate.wall, rate.wall / raw.wall * 100, rate.cpu, rate.cpu / raw.cpu * 100))
        }
        line("floor: raw LMDB writing the stored records and indexes", bytes)
        line("floor: SHA-256 chain over the stored records alone", hashes)
        line("floor: both (no encoding, no checks)", both)
    }
}

func row(_ name: String, _ ours: Double, _ raw: Double, target: Double) {
    let ratio = ours / raw
    print(String(format: "%-34@ %12.0f ev/s   raw LMDB %12.0f ev/s   ratio %5.1f%%   target >= %.0f%% %@",
                 name as NSString, ours, raw, ratio * 100, target * 100, (ratio >= target ? "ok" : "BELOW") as NSString))
}

/// (a): Bulkhead's batched appends next to raw LMDB's, by the wall clock and by CPU time, then the
/// floor of the envelope.
extension EventLogBench {
    func batchedRows() throws {
        let events = perTenant * options.tenants
        let raw = Rate(rawBatched(), events: events)
        let ours = Rate(try bulkheadBatched(), events: events)
        row("(a) batched, \(options.batch)/transaction", ours.wall, raw.wall, target: 0.5)
        print(String(format: "  by cpu: %12.0f ev/s   raw LMDB %12.0f ev/s   ratio %5.1f%%", ours.cpu, raw.cpu, ours.cpu / raw.cpu * 100))
        floorRows(raw: raw)
    }
}

extension EventLogBench {
    /// Runs the rows `--only` names, or all of them, in a scratch directory removed afterwards.
    func run() throws {
        let fm = FileManager.default
        try? fm.removeItem(atPath: options.directory)
        try fm.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: options.directory) }
        print("bench-eventlog: \(perTenant * options.tenants) events of ~\(payloads[0].count) B payload across "
              + "\(options.tenants) tenants, batch \(options.batch), durable run \(options.seconds)s")
        switch options.only {
        case .rawBatched?:
            print("raw batched", rawBatched())
            print(String(format: "(cpu on the clock: user %.3f s, sys %.3f s)", timedCPU.user, timedCPU.sys))
        case .batched?:
            print("bulkhead batched", try bulkheadBatched())
            print(String(format: "(cpu on the clock: user %.3f s, sys %.3f s; event construction off the clock: %.3f s)",
                         timedCPU.user, timedCPU.sys, eventConstructionSeconds))
        case .floors?: try batchedRows()
        case .rawDurable?: print("raw durable", rawDurable())
        case .durable?: print("bulkhead durable", try bulkheadDurable())
        case .scan?: try scanRows()
        case nil:
            try batchedRows()
            let rd = rawDurable()
            let bd = try bulkheadDurable()
            row("(b) one durable commit per event", bd, rd, target: 0.7)
            try scanRows()
        }
    }
}
