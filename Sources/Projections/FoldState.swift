import BulkheadCore
import Foundation
import Storage

/// A projection's new generation while a rebuild folds the log into it: its entries in memory,
/// and the runs it spilled when they outgrew the rebuild's memory budget.
///
/// A run is the whole in-memory state at the moment of a spill, written sorted with `MDB_APPEND`
/// into the projection's spill table under a 4-byte run number (so runs follow each other in key
/// order), removals included as tombstones. Reads look in memory, then in the runs from the
/// newest, skipping those whose Bloom filter rules the key out. At the end the runs and memory
/// are merged, newest first, into the new generation, again in key order.
///
/// Memory is estimated, not measured: each entry costs its key and value bytes plus a fixed
/// overhead for the dictionary slot and the value's array (``entryOverhead``); each run keeps a
/// Bloom filter of 10 bits per key.
final class FoldState {
    /// The projection.
    let name: String
    /// Entries changed since the last spill (or all of them, when nothing spilled); `nil` is a
    /// removal, kept only while a run may still hold the key.
    private(set) var entries: [Key: [UInt8]?] = [:]
    /// The estimated bytes of ``entries``.
    private(set) var entryBytes = 0
    /// The runs spilled, oldest first.
    private(set) var runs: [SpilledRun] = []
    /// The number of the next run (never reused in one rebuild, so runs append in key order).
    private var nextRun: UInt32 = 0
    /// The spill table, once a run was written.
    var spillTable: Table?
    /// The read transaction of the batch being folded: runs are read through it.
    var reader: ReadTransaction?
    /// Sorted keys of each kind (first byte), made on demand for scans and dropped when a key of
    /// that kind is added or removed.
    private var sortedKinds: [UInt8: [Key]] = [:]

    /// Bytes counted per entry besides its key and value: a dictionary slot (a 64-byte key and an
    /// 8-byte reference, at three quarters' load at most) and an array header with its malloc
    /// rounding.
    static let entryOverhead = 176

    init(name: String) {
        self.name = name
    }

    /// The estimated bytes held: entries and the runs' Bloom filters.
    var bytes: Int { entryBytes + runs.reduce(0) { $0 + $1.filter.bytes } }

    /// The name of a projection's spill table (`#`-free names are projection names: no clash).
    static func spillTableName(_ projection: String) -> String { "proj.\(projection).spill" }

    private static func cost(_ key: Key, _ value: [UInt8]??) -> Int {
        guard let value else { return 0 }
        return entryOverhead + (key.count > Key.inlineCapacity ? key.count : 0) + (value?.count ?? 0)
    }

    /// The value under `key`, or `nil`.
    func get(_ key: Key) throws -> [UInt8]? {
        if let found = entries[key] { return found }
        return try spilledValue(key)
    }

    /// Calls `body` with the bytes under `key`, or `nil`.
    func withValue<R>(_ key: Key, _ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R {
        if let found = entries[key] {
            guard let found else { return try body(nil) }
            return try found.withUnsafeBytes { try body($0) }
        }
        guard !runs.isEmpty else { return try body(nil) }
        guard let value = try spilledValue(key) else { return try body(nil) }
        return try value.withUnsafeBytes { try body($0) }
    }

    /// The value the newest run holding `key` has for it (`nil` for a tombstone or no run).
    private func spilledValue(_ key: Key) throws -> [UInt8]? {
        guard !runs.isEmpty else { return nil }
        guard let reader, let spillTable else { throw ProjectionError.notBuilt(Self.spillTableName(name)) }
        let hash = key.hashValue
        for run in runs.reversed() where run.filter.mayContain(hash) {
            let found: [UInt8]?? = try reader.withValue(spillTable, key: run.key(key)) { raw in
                guard let raw else { return .none }
                return .some(Self.decodeSpilled(raw))
            }
            if let found { return found }
        }
        return nil
    }

    /// Stores `value` under `key` (`nil` removes it).
    func set(_ key: Key, _ value: [UInt8]?) {
        // Without runs a removal is simply forgotten; with runs it must hide what they hold.
        let stored: [UInt8]?? = value == nil && runs.isEmpty ? .none : .some(value)
        let old: [UInt8]??
        if let stored {
            old = entries.updateValue(stored, forKey: key)
        } else {
            old = entries.removeValue(forKey: key)
        }
        entryBytes += Self.cost(key, stored) - Self.cost(key, old)
        if (old == nil) != (stored == nil), let kind = key.kind { sortedKinds[kind] = nil }
    }

    /// Forgets every entry and run: the projection is empty (a projector's ``ProjectionStore/removeAll()``).
    func removeAll() {
        entries = [:]
        entryBytes = 0
        runs = []
        sortedKinds = [:]
    }

    /// `keys` in byte order, settled by their first 16 bytes where possible.
    static func sorted(_ keys: some Sequence<Key>) -> [Key] {
        var items = keys.map { key in (key.leadingWords, key) }
        items.sort { a, b in
            if a.0.0 != b.0.0 { return a.0.0 < b.0.0 }
            if a.0.1 != b.0.1 { return a.0.1 < b.0.1 }
            return a.1 < b.1
        }
        return items.map(\.1)
    }

    /// The keys held in memory, sorted.
    func sortedKeys() -> [Key] { Self.sorted(entries.keys) }

    private func sortedKeys(kind: UInt8) -> [Key] {
        if let cached = sortedKinds[kind] { return cached }
        let keys = Self.sorted(entries.keys.filter { $0.kind == kind })
        sortedKinds[kind] = keys
        return keys
    }

    /// Calls `body` with each key starting with `prefix` (and after `after`, when given) and its
    /// bytes, in key order, until it returns false: memory and runs merged, newest first.
    func scan(prefix: Key, after: Key?, _ body: (Key, UnsafeRawBufferPointer) throws -> Bool) throws {
        guard runs.isEmpty else { return try scanWithRuns(prefix: prefix, after: after, body) }
        let keys = prefix.kind.map { sortedKeys(kind: $0) } ?? sortedKeys()
        let start = after.map { max($0, prefix) } ?? prefix
        // The first key at or after `start`.
        var low = 0, high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid] < start { low = mid + 1 } else { high = mid }
        }
        for key in keys[low...] {
            guard key.hasPrefix(prefix) else { return }
            if let after, key == after { continue }
            guard let value = entries[key] ?? nil else { continue }
            guard try value.withUnsafeBytes({ try body(key, $0) }) else { return }
        }
    }

    /// A scan once runs exist: the range of each run read in, oldest first, overlaid by newer
    /// runs and memory. Projectors scan only while finishing, which a spilled rebuild does on the
    /// written table; this keeps scans correct for any other.
    private func scanWithRuns(prefix: Key, after: Key?, _ body: (Key, UnsafeRawBufferPointer) throws -> Bool) throws {
        guard let reader, let spillTable else { throw ProjectionError.notBuilt(Self.spillTableName(name)) }
        var merged: [Key: [UInt8]?] = [:]
        let prefixBytes = prefix.bytes
        for run in runs {
            try reader.withCursor(spillTable) { cursor in
                let start = run.key(prefix)
                var found = try cursor.seek(atOrAfter: start)
                while found, cursor.key.hasBytePrefix(start) {
                    let key = Key(copying: UnsafeRawBufferPointer(rebasing: cursor.key[4...]))
                    merged[key] = Self.decodeSpilled(cursor.value)
                    found = try cursor.next()
                }
            }
        }
        for (key, value) in entries where key.withBytes({ $0.hasBytePrefix(prefixBytes) }) { merged[key] = value }
        for key in Self.sorted(merged.keys) {
            if let after, key <= after { continue }
            guard let value = merged[key] ?? nil else { continue }
            guard try value.withUnsafeBytes({ try body(key, $0) }) else { return }
        }
    }

    // MARK: Spilling and merging

    /// A spilled value: `1` and the bytes, or `0` for a removal.
    static func decodeSpilled(_ raw: UnsafeRawBufferPointer) -> [UInt8]? {
        guard raw.first == 1 else { return nil }
        return Array(raw[1...])
    }

    /// Starts a run of the entries in memory: their keys, sorted, to be written by
    /// ``writeRun(_:from:_:maxBytes:)``.
    func beginRun() -> SpillPlan {
        let keys = sortedKeys()
        var filter = BloomFilter(count: keys.count)
        for key in keys { filter.insert(key.hashValue) }
        defer { nextRun += 1 }
        return SpillPlan(run: SpilledRun(number: nextRun, filter: filter), keys: keys)
    }

    /// Writes the keys of `plan` from index `from` on into the spill table, with `MDB_APPEND`,
    /// until about `maxBytes` were written. Returns the index reached.
    func writeRun(_ plan: SpillPlan, from: Int, _ tx: WriteTransaction, maxBytes: Int) throws -> Int {
        guard let spillTable else { throw ProjectionError.notBuilt(Self.spillTableName(name)) }
        var i = from
        var written = 0
        while i < plan.keys.count, written < maxBytes {
            let key = plan.keys[i]
            let value = entries[key] ?? nil
            let count = value?.count ?? 0
            try tx.put(spillTable, key: plan.run.key(key), reservingCount: 1 + count, flags: .append) { out in
                out[0] = value == nil ? 0 : 1
                if let value, count > 0 {
                    value.withUnsafeBytes { raw in
                        guard let source = raw.baseAddress else { return }
                        out.baseAddress?.advanced(by: 1).copyMemory(from: source, byteCount: count)
                    }
                }
            }
            written += key.count + count + 16
            i += 1
        }
        return i
    }

    /// Ends a run whose keys were all written: memory is emptied, the run joins the others.
    func endRun(_ plan: SpillPlan) {
        runs.append(plan.run)
        entries = [:]
        entryBytes = 0
        sortedKinds = [:]
    }
}

/// A run spilled to a projection's spill table: its number and a Bloom filter of its keys.
struct SpilledRun {
    let number: UInt32
    let filter: BloomFilter

    /// `key` in this run: the run's number, big-endian, then the key.
    func key(_ key: Key) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4 + key.count)
        withUnsafeBytes(of: number.bigEndian) { bytes.append(contentsOf: $0) }
        key.withBytes { bytes.append(contentsOf: $0) }
        return bytes
    }
}

/// A run being written: the run and its keys in order.
struct SpillPlan {
    let run: SpilledRun
    let keys: [Key]
}

/// A Bloom filter of key hashes: 10 bits and 7 probes per key, about 1% false positives.
struct BloomFilter {
    private var words: [UInt64]
    private let bitCount: UInt64

    init(count: Int) {
        let bits = max(64, count * 10)
        words = Array(repeating: 0, count: (bits + 63) / 64)
        bitCount = UInt64(words.count * 64)
    }

    /// The filter's memory.
    var bytes: Int { words.count * 8 }

    private func probes(_ hash: Int) -> (UInt64, UInt64) {
        let h = UInt64(bitPattern: Int64(hash))
        return (h & 0xFFFF_FFFF, (h >> 32) | 1)
    }

    mutating func insert(_ hash: Int) {
        let (a, b) = probes(hash)
        for i in 0..<UInt64(7) {
            let bit = (a &+ i &* b) % bitCount
            words[Int(bit / 64)] |= 1 << (bit % 64)
        }
    }

    func mayContain(_ hash: Int) -> Bool {
        let (a, b) = probes(hash)
        for i in 0..<UInt64(7) {
            let bit = (a &+ i &* b) % bitCount
            if words[Int(bit / 64)] & (1 << (bit % 64)) == 0 { return false }
        }
        return true
    }
}
