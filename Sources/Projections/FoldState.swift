import BulkheadCore
import Foundation
import Storage

/// A projection's new generation while a rebuild folds the log into it: its entries in memory,
/// records kept decoded, and the runs it spilled when they outgrew the rebuild's memory budget.
///
/// A rebuild's store works on this state directly: a record is decoded at most once (when it was
/// spilled, or written as bytes), changed in place by every event that touches it, and encoded
/// once, when the generation is written or a run spilled.
///
/// A run is the whole in-memory state at the moment of a spill, written sorted with `MDB_APPEND`
/// into the projection's spill table under a 4-byte run number (so runs follow each other in key
/// order), removals included as tombstones. Reads look in memory, then in the runs from the
/// newest, skipping those whose Bloom filter rules the key out; a record read from a run is kept
/// in memory, decoded. At the end the runs and memory are merged, newest first, into the new
/// generation, again in key order.
///
/// Memory is estimated, not measured: each entry costs its key and value bytes plus a fixed
/// overhead for the dictionary slot and the value's storage (``entryOverhead``); a decoded record
/// counts its object's inline size and its encoded size. ``settle()`` sizes the records changed
/// since its last call: one in ``sampleEvery`` (and every record of a type seen fewer than
/// ``sampleMinimum`` times) is encoded and measured, the others count their type's mean so far,
/// so that the estimate does not cost an encoding of every record changed. Each run keeps a
/// Bloom filter of 10 bits per key.
final class FoldState {
    /// An entry held in memory.
    enum Entry {
        /// Bytes: markers and values stored as bytes.
        case bytes([UInt8])
        /// A record kept decoded (absent when its value is `nil`: a removal).
        case record(CachedRecord)
        /// A removal, kept only while a run may still hold the key.
        case removed
    }

    /// The projection.
    let name: String
    /// Entries changed since the last spill (or all of them, when nothing spilled).
    private(set) var entries: [Key: Entry] = [:]
    /// The estimated bytes of ``entries``.
    private(set) var entryBytes = 0
    /// Records changed since ``settle()`` last measured them.
    private var changedRecords: [CachedRecord] = []
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
    /// (Indexed by kind: a dictionary would hash the kind at every key added.)
    private var sortedKinds = [[Key]?](repeating: nil, count: 256)
    /// Reused to measure records and to encode them for ``get(_:)``.
    private var scratch = ByteWriter(capacity: 512)
    /// Per record type, the bytes and number of the records measured: their mean sizes the others.
    /// A list, searched from the start: a projection has a handful of record types.
    private var measured: [(type: ObjectIdentifier, bytes: Int, count: Int)] = []
    /// Records sized by ``settle()`` so far, for choosing which to measure.
    private var sized = 0
    /// One changed record in this many is measured by ``settle()``.
    static let sampleEvery = 8
    /// Records of a type measured before its mean sizes the others.
    static let sampleMinimum = 64
    /// Kinds whose sorted keys are kept up to date by insertions and removals while they are
    /// at most this many; larger ones are sorted again when next scanned.
    static let sortedKindLimit = 4_096

    /// Bytes counted per entry besides its key and value: a dictionary slot (a 64-byte key and a
    /// 16-byte entry, at three quarters' load at most) and an array's header or a record's
    /// object with its malloc rounding.
    static let entryOverhead = 176

    /// - Parameter capacity: How many entries the state expects (the live generation's count):
    ///   reserved at once rather than grown step by step, each step rehashing every key.
    init(name: String, capacity: Int = 0) {
        self.name = name
        if capacity > 0 { entries.reserveCapacity(capacity) }
    }

    /// The estimated bytes held: entries and the runs' Bloom filters.
    var bytes: Int { entryBytes + runs.reduce(0) { $0 + $1.filter.bytes } }

    /// The name of a projection's spill table (`#`-free names are projection names: no clash).
    static func spillTableName(_ projection: String) -> String { "proj.\(projection).spill" }

    private static func cost(_ key: Key, _ entry: Entry?) -> Int {
        guard let entry else { return 0 }
        let base = entryOverhead + (key.count > Key.inlineCapacity ? key.count : 0)
        switch entry {
        case .bytes(let value): return base + value.count
        case .record(let record): return base + record.inlineBytes + max(0, record.counted)
        case .removed: return base
        }
    }

    /// Accounts for `new` replacing `old` under `key`.
    private func replaced(_ key: Key, _ old: Entry?, _ new: Entry?) {
        entryBytes += Self.cost(key, new) - Self.cost(key, old)
        if case .record(let record)? = old {
            // It left the state: ``settle()`` must not count it.
            record.counted = -1
        }
        if (old == nil) != (new == nil) { sortedKeyChanged(key, added: new != nil) }
    }

    /// Keeps a small kind's sorted keys up to date (a season's few `a` and `d` markers, scanned
    /// at every step of finishing): re-sorting them would mean a pass over every key held.
    private func sortedKeyChanged(_ key: Key, added: Bool) {
        guard let kind = key.kind.map(Int.init), var keys = sortedKinds[kind] else { return }
        sortedKinds[kind] = nil
        guard keys.count < Self.sortedKindLimit else { return }
        var low = 0, high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid] < key { low = mid + 1 } else { high = mid }
        }
        if added {
            keys.insert(key, at: low)
        } else if low < keys.count, keys[low] == key {
            keys.remove(at: low)
        }
        sortedKinds[kind] = keys
    }

    /// Notes that `record` changed: its size is measured again by the next ``settle()``.
    @inline(__always)
    private func changed(_ record: CachedRecord) {
        guard !record.uncounted else { return }
        record.uncounted = true
        changedRecords.append(record)
    }

    /// Measures the records changed since the last call, for ``bytes``: each is encoded once
    /// (into a reused buffer) per call, whatever the number of events that changed it.
    func settle() {
        for record in changedRecords {
            record.uncounted = false
            guard record.counted >= 0 else { continue }
            let size: Int
            var index = 0
            while index < measured.count, measured[index].type != record.type { index += 1 }
            if index == measured.count { measured.append((record.type, 0, 0)) }
            sized &+= 1
            if measured[index].count < Self.sampleMinimum || sized % Self.sampleEvery == 0 {
                scratch.reset()
                size = record.write(into: &scratch) ? scratch.bytes.count : 0
                measured[index].bytes += size
                measured[index].count += 1
            } else {
                size = measured[index].bytes / measured[index].count
            }
            entryBytes += size - record.counted
            record.counted = size
        }
        changedRecords.removeAll(keepingCapacity: true)
    }

    // MARK: Reads and writes

    /// The value under `key`, or `nil` (a record is encoded).
    func get(_ key: Key) throws -> [UInt8]? {
        switch entries[key] {
        case .bytes(let value)?: return value
        case .record(let record)?:
            scratch.reset()
            return record.write(into: &scratch) ? scratch.exactCopy() : nil
        case .removed?: return nil
        case nil: return try spilledValue(key)
        }
    }

    /// The record under `key`, decoded as `T` (and kept decoded) if it was held as bytes or
    /// spilled, or `nil` when there is none.
    /// - Throws: ``ProjectionError/corrupt(key:reason:)`` when it is held as another type or its
    ///   bytes do not decode.
    func record<T: BinaryCodable>(_ key: Key, as type: T.Type) throws -> Cached<T>? {
        let raw: [UInt8]
        switch entries[key] {
        case .record(let record)?:
            guard let typed = Cached<T>.of(record) else {
                throw ProjectionError.corrupt(key: key, reason: "held as \(record.typeName), read as \(T.self)")
            }
            return typed
        case .bytes(let value)?: raw = value
        case .removed?: return nil
        case nil:
            guard !runs.isEmpty, let value = try spilledValue(key) else { return nil }
            raw = value
        }
        let value = try raw.withUnsafeBytes { try ProjectionStore.decode(T.self, from: $0, key: key) }
        let typed = Cached<T>(value, changed: false)
        typed.counted = raw.count
        let new = Entry.record(typed)
        replaced(key, entries.updateValue(new, forKey: key), new)
        return typed
    }

    /// Stores a record (`nil` removes the key), changing the one held in place when it has the type.
    func setRecord<T: BinaryCodable>(_ key: Key, _ value: T?) {
        guard let value else { return set(key, nil) }
        // One lookup for the usual cases: the key is new, or holds a record of this type.
        var old: Entry?
        var new: Entry?
        var box: Cached<T>?
        Self.assign(value, to: &entries[key], old: &old, new: &new, box: &box)
        if let box { changed(box) }
        if let new { replaced(key, old, new) }
    }

    private static func assign<T: BinaryCodable>(
        _ value: T, to entry: inout Entry?, old: inout Entry?, new: inout Entry?, box: inout Cached<T>?
    ) {
        if case .record(let record)? = entry, let typed = Cached<T>.of(record) {
            typed.value = value
            box = typed
            return
        }
        let typed = Cached<T>(value, changed: true)
        old = entry
        entry = .record(typed)
        new = entry
        box = typed
    }

    /// Changes the record under `key` in place; `body` gets `nil` when there is none.
    func update<T: BinaryCodable>(_ key: Key, as type: T.Type, _ body: (inout T?) throws -> Void) throws {
        guard let box = try record(key, as: T.self) else {
            var value: T?
            try body(&value)
            if value != nil { setRecord(key, value) }
            return
        }
        // Moved out of the box while `body` runs, so that the value is uniquely referenced and
        // appending to its arrays does not copy them.
        var value = box.value
        box.value = nil
        defer {
            box.value = value
            changed(box)
        }
        try body(&value)
    }

    /// Stores `value` under `key` (`nil` removes it).
    func set(_ key: Key, _ value: [UInt8]?) {
        let new: Entry?
        if let value {
            new = .bytes(value)
        } else {
            // Without runs a removal is simply forgotten; with runs it must hide what they hold.
            new = runs.isEmpty ? nil : .removed
        }
        let old: Entry?
        if let new {
            old = entries.updateValue(new, forKey: key)
        } else {
            old = entries.removeValue(forKey: key)
        }
        replaced(key, old, new)
    }

    /// Appends the bytes of `entry` to `writer`; false when it holds none (a removal).
    static func encode(_ entry: Entry?, into writer: inout ByteWriter) -> Bool {
        switch entry {
        case .bytes(let value)?:
            writer.write(contentsOf: value)
            return true
        case .record(let record)?:
            return record.write(into: &writer)
        case .removed?, nil:
            return false
        }
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

    /// Forgets every entry and run: the projection is empty (a projector's ``ProjectionStore/removeAll()``).
    func removeAll() {
        changedRecords.removeAll()
        entries = [:]
        entryBytes = 0
        runs = []
        sortedKinds = [[Key]?](repeating: nil, count: 256)
    }

    // MARK: Order and scans

    /// `keys` in byte order. What is sorted is 32 bytes per key, its first 24 bytes as integers
    /// and its index, which settle most comparisons; the keys are compared only on a tie.
    static func sorted(_ keys: some Sequence<Key>) -> [Key] {
        let all = Array(keys)
        var heads: [(UInt64, UInt64, UInt64, Int)] = []
        heads.reserveCapacity(all.count)
        for (i, key) in all.enumerated() {
            let (a, b, c) = key.leadingTriple
            heads.append((a, b, c, i))
        }
        all.withUnsafeBufferPointer { keys in
            heads.sort { x, y in
                if x.0 != y.0 { return x.0 < y.0 }
                if x.1 != y.1 { return x.1 < y.1 }
                if x.2 != y.2 { return x.2 < y.2 }
                return keys[x.3] < keys[y.3]
            }
        }
        return heads.map { all[$0.3] }
    }

    /// The keys held in memory, sorted.
    func sortedKeys() -> [Key] { Self.sorted(entries.keys) }

    private func sortedKeys(kind: UInt8) -> [Key] {
        if let cached = sortedKinds[Int(kind)] { return cached }
        let keys = Self.sorted(entries.keys.filter { $0.kind == kind })
        sortedKinds[Int(kind)] = keys
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
        // A writer of the scan's own: `body` may read this state meanwhile.
        var writer = ByteWriter(capacity: 256)
        for key in keys[low...] {
            guard key.hasPrefix(prefix) else { return }
            if let after, key == after { continue }
            writer.reset()
            guard Self.encode(entries[key], into: &writer) else { continue }
            guard try writer.bytes.withUnsafeBytes({ try body(key, $0) }) else { return }
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
        var writer = ByteWriter(capacity: 256)
        for (key, entry) in entries where key.withBytes({ $0.hasBytePrefix(prefixBytes) }) {
            writer.reset()
            merged[key] = Self.encode(entry, into: &writer) ? writer.exactCopy() : .some(nil)
        }
        for key in Self.sorted(merged.keys) {
            if let after, key <= after { continue }
            guard let value = merged[key] ?? nil else { continue }
            guard try value.withUnsafeBytes({ try body(key, $0) }) else { return }
        }
    }

    // MARK: Writing: the generation, spilled runs

    /// Writes the entries of `keys` (sorted) from index `from` on into `table`, with `MDB_APPEND`,
    /// each record encoded once, until about `maxBytes` were written. Returns the index reached.
    func append(_ keys: [Key], from: Int, _ tx: WriteTransaction, _ table: Table, maxBytes: Int) throws -> Int {
        var writer = ByteWriter(capacity: 4096)
        var i = from
        var written = 0
        while i < keys.count, written < maxBytes {
            let key = keys[i]
            writer.reset()
            if Self.encode(entries[key], into: &writer) {
                try tx.put(table, key: key, value: writer.bytes, flags: .append)
                written += key.count + writer.bytes.count + 16
            }
            i += 1
        }
        return i
    }

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
        var writer = ByteWriter(capacity: 4096)
        var i = from
        var written = 0
        while i < plan.keys.count, written < maxBytes {
            let key = plan.keys[i]
            writer.reset()
            writer.write(1)
            if !Self.encode(entries[key], into: &writer) {
                writer.reset()
                writer.write(0)
            }
            try tx.put(spillTable, key: plan.run.key(key), value: writer.bytes, flags: .append)
            written += key.count + writer.bytes.count + 16
            i += 1
        }
        return i
    }

    /// Ends a run whose keys were all written: memory is emptied, the run joins the others.
    func endRun(_ plan: SpillPlan) {
        runs.append(plan.run)
        changedRecords.removeAll(keepingCapacity: true)
        entries = [:]
        entryBytes = 0
        sortedKinds = [[Key]?](repeating: nil, count: 256)
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
