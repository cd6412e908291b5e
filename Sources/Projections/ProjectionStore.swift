import BulkheadCore
import Foundation
import Storage

/// A key of a projection's table: a one-byte kind followed by fixed-width parts, so byte order is
/// logical order (UUIDs as 16 bytes, numbers big-endian).
///
/// Projectors build several keys per event and the store hashes them in its cache, so keys of up
/// to 48 bytes (all but text keys such as e-mail addresses) are held inline, without an
/// allocation, and hashed and compared a word at a time.
public struct Key: Hashable, Comparable, Sendable, ContiguousBytesView {
    /// The longest key held inline.
    static let inlineCapacity = 48
    private typealias Words = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    /// The bytes of an inline key, in order, zero after `count`.
    private var words: Words = (0, 0, 0, 0, 0, 0)
    /// The number of bytes.
    public private(set) var count: Int
    /// The bytes of a longer key.
    private var overflow: [UInt8]?

    /// The key's bytes, as an array (made on each call: hot paths use ``withBytes(_:)``).
    public var bytes: [UInt8] { withBytes { Array($0) } }

    /// The first byte: the key's kind.
    public var kind: UInt8? { count == 0 ? nil : withBytes { $0[0] } }

    /// Calls `body` with the key's bytes.
    @inline(__always)
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let overflow { return try overflow.withUnsafeBytes(body) }
        return try withUnsafeBytes(of: words) { try body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }

    // One initialiser per number of parts rather than a variadic one: a variadic call allocates
    // an array of parts for each key.

    /// A key of kind `kind` (an ASCII letter) alone: a prefix.
    public init(_ kind: Character) {
        count = 0
        build(kind, size: 1) { _, _ in }
    }

    /// A key of kind `kind` (an ASCII letter) followed by `a`.
    public init(_ kind: Character, _ a: KeyPart) {
        count = 0
        build(kind, size: 1 + a.size) { raw, offset in
            a.store(into: raw, at: &offset)
        }
    }

    /// A key of kind `kind` (an ASCII letter) followed by `a` and `b`.
    public init(_ kind: Character, _ a: KeyPart, _ b: KeyPart) {
        count = 0
        build(kind, size: 1 + a.size + b.size) { raw, offset in
            a.store(into: raw, at: &offset)
            b.store(into: raw, at: &offset)
        }
    }

    /// A key of kind `kind` (an ASCII letter) followed by `a`, `b` and `c`.
    public init(_ kind: Character, _ a: KeyPart, _ b: KeyPart, _ c: KeyPart) {
        count = 0
        build(kind, size: 1 + a.size + b.size + c.size) { raw, offset in
            a.store(into: raw, at: &offset)
            b.store(into: raw, at: &offset)
            c.store(into: raw, at: &offset)
        }
    }

    /// A key of kind `kind` (an ASCII letter) followed by `a`, `b`, `c` and `d`.
    public init(_ kind: Character, _ a: KeyPart, _ b: KeyPart, _ c: KeyPart, _ d: KeyPart) {
        count = 0
        build(kind, size: 1 + a.size + b.size + c.size + d.size) { raw, offset in
            a.store(into: raw, at: &offset)
            b.store(into: raw, at: &offset)
            c.store(into: raw, at: &offset)
            d.store(into: raw, at: &offset)
        }
    }

    @inline(__always)
    private mutating func build(_ kind: Character, size: Int, _ fill: (UnsafeMutableRawBufferPointer, inout Int) -> Void) {
        count = size
        let byte = kind.asciiValue ?? 0
        var offset = 1
        if size <= Self.inlineCapacity {
            withUnsafeMutableBytes(of: &words) { raw in
                raw[0] = byte
                fill(raw, &offset)
            }
        } else {
            overflow = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                let raw = UnsafeMutableRawBufferPointer(buffer)
                raw[0] = byte
                fill(raw, &offset)
                initialized = size
            }
        }
    }

    /// A key of these bytes.
    public init(raw: some Collection<UInt8>) {
        count = raw.count
        if count <= Self.inlineCapacity {
            withUnsafeMutableBytes(of: &words) { out in
                for (i, byte) in raw.enumerated() { out[i] = byte }
            }
        } else {
            overflow = Array(raw)
        }
    }

    /// A key of a copy of these bytes (a cursor's key, say).
    public init(copying raw: UnsafeRawBufferPointer) {
        count = raw.count
        if count <= Self.inlineCapacity {
            withUnsafeMutableBytes(of: &words) { out in
                if let base = raw.baseAddress, count > 0 { out.baseAddress?.copyMemory(from: base, byteCount: count) }
            }
        } else {
            overflow = Array(raw)
        }
    }

    /// Whether the key starts with `prefix`.
    public func hasPrefix(_ prefix: Key) -> Bool {
        guard prefix.count <= count else { return false }
        return withBytes { key in prefix.withBytes { p in p.count == 0 || memcmp(key.baseAddress!, p.baseAddress!, p.count) == 0 } }
    }

    /// Orders by bytes, as LMDB does.
    public static func < (a: Key, b: Key) -> Bool {
        a.withBytes { x in
            b.withBytes { y in
                let common = min(x.count, y.count)
                if common > 0, let xs = x.baseAddress, let ys = y.baseAddress {
                    let order = memcmp(xs, ys, common)
                    if order != 0 { return order < 0 }
                }
                return x.count < y.count
            }
        }
    }

    /// Equal bytes.
    public static func == (a: Key, b: Key) -> Bool {
        guard a.count == b.count else { return false }
        if a.overflow == nil, b.overflow == nil {
            // Inline keys are zero after their count: equal words, equal keys.
            return a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2
                && a.words.3 == b.words.3 && a.words.4 == b.words.4 && a.words.5 == b.words.5
        }
        return a.withBytes { x in b.withBytes { y in x.elementsEqual(y) } }
    }

    /// The hash `Dictionary` and `Set` use: the words of an inline key mixed by four folded
    /// multiplications with the table's seed (wyhash's mixing), instead of a `Hasher`'s SipHash
    /// rounds, which cost as much as the rest of a fold's lookup. A long key is hashed by `Hasher`.
    public func _rawHashValue(seed: Int) -> Int {
        guard overflow == nil else {
            var hasher = Hasher()
            hasher.combine(seed)
            hash(into: &hasher)
            return hasher.finalize()
        }
        @inline(__always) func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let product = a.multipliedFullWidth(by: b)
            return product.high ^ product.low
        }
        let s = UInt64(truncatingIfNeeded: seed)
        var h = mix(words.0 ^ 0xA076_1D64_78BD_642F ^ s, words.1 ^ 0xE703_7ED1_A0B4_28DB)
        h = mix(words.2 ^ 0x8EBC_6AF0_9C88_C6E3 ^ h, words.3 ^ 0x5899_65CC_7537_4CC3)
        h = mix(words.4 ^ 0x1D8E_4E27_C47D_124F ^ h, words.5 ^ UInt64(count))
        return Int(truncatingIfNeeded: mix(h ^ 0xA076_1D64_78BD_642F, s ^ 0xE703_7ED1_A0B4_28DB))
    }

    /// Hashes the words that hold the bytes (or the bytes of a long key).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        if let overflow {
            overflow.withUnsafeBytes { hasher.combine(bytes: $0) }
            return
        }
        hasher.combine(words.0)
        if count > 8 { hasher.combine(words.1) }
        if count > 16 { hasher.combine(words.2) }
        if count > 24 { hasher.combine(words.3) }
        if count > 32 { hasher.combine(words.4) }
        if count > 40 { hasher.combine(words.5) }
    }

    /// The first 16 bytes as two big-endian integers (missing bytes as zeros): most comparisons
    /// of sorted keys are settled by them.
    var leadingWords: (UInt64, UInt64) {
        if overflow == nil { return (UInt64(bigEndian: words.0), UInt64(bigEndian: words.1)) }
        return withBytes { raw in
            var padded: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &padded) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw.prefix(16))) }
            return (UInt64(bigEndian: padded.0), UInt64(bigEndian: padded.1))
        }
    }

    /// The first 24 bytes as three big-endian integers (missing bytes as zeros): a sort of many
    /// keys sharing a 17-byte prefix (a season's or a project's) is settled by them.
    var leadingTriple: (UInt64, UInt64, UInt64) {
        if overflow == nil {
            return (UInt64(bigEndian: words.0), UInt64(bigEndian: words.1), UInt64(bigEndian: words.2))
        }
        return withBytes { raw in
            var padded: (UInt64, UInt64, UInt64) = (0, 0, 0)
            withUnsafeMutableBytes(of: &padded) {
                $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw.prefix(24)))
            }
            return (UInt64(bigEndian: padded.0), UInt64(bigEndian: padded.1), UInt64(bigEndian: padded.2))
        }
    }

    /// The UUID stored at byte `offset`, or `nil`.
    public func uuid(at offset: Int) -> UUID? {
        guard offset >= 0, count >= offset + 16 else { return nil }
        return withBytes { raw in
            var r = ByteReader(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 16)]))
            return try? r.readUUID()
        }
    }

    /// The UUID in the key's last 16 bytes, or `nil`.
    public var trailingUUID: UUID? { uuid(at: count - 16) }
}

/// A part of a ``Key``.
public enum KeyPart: Sendable {
    /// 16 bytes.
    case uuid(UUID)
    /// 8 bytes, big-endian.
    case uint64(UInt64)
    /// 4 bytes, big-endian.
    case uint32(UInt32)
    /// One byte.
    case byte(UInt8)
    /// UTF-8 bytes (only as a key's last part: it has no length).
    case text(String)

    var size: Int {
        switch self {
        case .uuid: return 16
        case .uint64: return 8
        case .uint32: return 4
        case .byte: return 1
        case .text(let s): return s.utf8.count
        }
    }

    /// Writes the part at `offset` into `raw`, which has room for it, and moves `offset` past it.
    func store(into raw: UnsafeMutableRawBufferPointer, at offset: inout Int) {
        switch self {
        case .uuid(let u):
            raw.storeBytes(of: u.uuid, toByteOffset: offset, as: uuid_t.self)
            offset += 16
        case .uint64(let v):
            raw.storeBytes(of: v.bigEndian, toByteOffset: offset, as: UInt64.self)
            offset += 8
        case .uint32(let v):
            raw.storeBytes(of: v.bigEndian, toByteOffset: offset, as: UInt32.self)
            offset += 4
        case .byte(let b):
            raw[offset] = b
            offset += 1
        case .text(let s):
            var text = s
            let count = text.withUTF8 { utf8 in
                UnsafeMutableRawBufferPointer(rebasing: raw[offset..<(offset + utf8.count)]).copyMemory(from: UnsafeRawBufferPointer(utf8))
                return utf8.count
            }
            offset += count
        }
    }
}

/// The one table a projector may touch: a projection of one tenant, in that tenant's own
/// environment (or in memory, for as-of views and checks).
///
/// A store is created by the projection engine and bound to its table for one transaction; it
/// offers no way to name another table, another projection or another tenant. Writes and decoded
/// records are cached and written out once, sorted, by ``flush()``; a rebuild's store has no
/// cache of its own: it reads and changes the fold's decoded state (``FoldState``) directly.
///
/// Records are read and written through their ``BinaryCodable`` conformances (generated by
/// `Tools/gen-binary-coding.py`; the bytes are those of the Codable ``BinaryEncoder``).
public final class ProjectionStore {
    enum Backend {
        case table(WriteTransaction, Table)
        case readOnly(ReadTransaction, Table)
        case memory(MemoryTable)
        /// A rebuild's new generation, folded in memory (see ``FoldState``).
        case fold(FoldState)
    }

    /// A change not yet written to the table: raw bytes (`nil` removes the key) or a record kept
    /// decoded until the flush, so that several events changing it decode and encode it once.
    private enum Entry {
        case bytes([UInt8]?)
        case record(CachedRecord)
    }

    let backend: Backend
    /// The fold of a rebuild's store, apart from ``backend`` so that each call finds it at once.
    private let fold: FoldState?
    private var entries: [Key: Entry] = [:]
    /// Reused for every record encoded by a flush.
    private var scratch = ByteWriter(capacity: 512)

    /// - Parameter capacity: How many keys the store expects to change before a flush (a rebuild
    ///   chunk's worth): reserving them saves growing the cache step by step.
    init(_ backend: Backend, capacity: Int = 0) {
        self.backend = backend
        if case .fold(let state) = backend { fold = state } else { fold = nil }
        entries.reserveCapacity(capacity)
    }

    /// The bytes under `key`, or `nil`.
    public func bytes(_ key: Key) throws -> [UInt8]? {
        if let fold { return try fold.get(key) }
        switch entries[key] {
        case .record(let cached)?:
            scratch.reset()
            return cached.write(into: &scratch) ? scratch.bytes : nil
        case .bytes(let write)?:
            return write
        case nil:
            switch backend {
            case .table(let tx, let table): return try tx.get(table, key: key)
            case .readOnly(let tx, let table): return try tx.get(table, key: key)
            case .memory(let memory): return memory.entries[key]
            case .fold(let state): return try state.get(key)
            }
        }
    }

    /// Stores `value` under `key`, or removes the key when `value` is `nil`.
    public func setBytes(_ key: Key, _ value: [UInt8]?) throws {
        if let fold { return fold.set(key, value) }
        try checkWritable()
        entries[key] = .bytes(value)
    }

    /// The record under `key` decoded as `T`, or `nil`. Decoded once per transaction and cached.
    public func record<T: BinaryCodable>(_ key: Key, as type: T.Type) throws -> T? {
        if let fold { return try fold.record(key, as: T.self)?.value }
        // A cached record wins even when it is absent: it may be a removal not yet flushed.
        if let cached = try cachedRecord(key, as: T.self) { return cached.value }
        return try uncachedRecord(key, as: T.self)
    }

    /// The cached record under `key`, or `nil` when the key has no cached record.
    private func cachedRecord<T: BinaryCodable>(_ key: Key, as type: T.Type) throws -> Cached<T>? {
        switch entries[key] {
        case .record(let cached)?:
            return try Self.typed(cached, T.self, key)
        case .bytes(let write?)?:
            // The pending write is not in the table yet: the record replacing it must be written.
            let value = try write.withUnsafeBytes { try Self.decode(T.self, from: $0, key: key) }
            return cache(key, value, changed: true)
        case .bytes(nil)?:
            return cache(key, nil, changed: true)
        case nil:
            return nil
        }
    }

    /// `cached` as the record of type `T` it must be. The type is compared by identity and the
    /// object then cast without a check: a checked cast to a generic class looks up its metadata
    /// each time, and records are looked up several times per event.
    @inline(__always)
    private static func typed<T: BinaryCodable>(_ cached: CachedRecord, _ type: T.Type, _ key: Key) throws -> Cached<T> {
        guard let typed = Cached<T>.of(cached) else {
            throw ProjectionError.corrupt(key: key, reason: "cached as \(cached.typeName), read as \(T.self)")
        }
        return typed
    }

    /// Reads and caches the record under `key` from the table (which no pending write shadows).
    private func uncachedRecord<T: BinaryCodable>(_ key: Key, as type: T.Type) throws -> T? {
        let value: T?
        switch backend {
        case .table(let tx, let table):
            value = try tx.withValue(table, key: key) { raw in try raw.map { try Self.decode(T.self, from: $0, key: key) } }
        case .readOnly(let tx, let table):
            // Read-only stores serve one query: nothing to cache for.
            return try tx.withValue(table, key: key) { raw in try raw.map { try Self.decode(T.self, from: $0, key: key) } }
        case .memory(let memory):
            value = try memory.entries[key].map { bytes in try bytes.withUnsafeBytes { try Self.decode(T.self, from: $0, key: key) } }
        case .fold(let state):
            // Not reached: a fold's store reads its state directly.
            return try state.record(key, as: T.self)?.value
        }
        // An absent record is cached too: the event that asked will probably create it.
        _ = cache(key, value, changed: false)
        return value
    }

    /// Caches `value` under `key`; a record that is not `changed` holds what the table holds and
    /// is not written back unless it changes.
    private func cache<T: BinaryCodable>(_ key: Key, _ value: T?, changed: Bool) -> Cached<T>? {
        if case .readOnly = backend { return nil }
        let cached = Cached<T>(value, changed: changed)
        entries[key] = .record(cached)
        return cached
    }

    /// Stores a record (or removes the key for `nil`); it is encoded when the store is flushed.
    public func setRecord<T: BinaryCodable>(_ key: Key, _ value: T?) throws {
        if let fold { return fold.setRecord(key, value) }
        try checkWritable()
        Self.assign(value, to: &entries[key])
    }

    /// Stores `value` in the entry of one key, found once.
    private static func assign<T: BinaryCodable>(_ value: T?, to entry: inout Entry?) {
        if case .record(let cached)? = entry, let typed = Cached<T>.of(cached) {
            typed.value = value
            typed.changed = true
        } else {
            entry = .record(Cached<T>(value, changed: true))
        }
    }

    /// Changes the record under `key` in place; `body` gets `nil` when there is none.
    public func update<T: BinaryCodable>(_ key: Key, as type: T.Type, _ body: (inout T?) throws -> Void) throws {
        if let fold { return try fold.update(key, as: T.self, body) }
        try checkWritable()
        var entry = try cachedRecord(key, as: T.self)
        if entry == nil {
            // Read into the cache (and the copy returned dropped at once), so that the record
            // changed below is the cache's only copy.
            _ = try uncachedRecord(key, as: T.self)
            entry = try cachedRecord(key, as: T.self)
        }
        // Only a read-only store does not cache, and it refused above.
        guard let cached = entry else { throw ProjectionError.readOnly }
        // Moved out of the cache while `body` runs, so that the value is uniquely referenced and
        // appending to its arrays does not copy them.
        var value = cached.value
        cached.value = nil
        defer {
            cached.value = value
            cached.changed = true
        }
        try body(&value)
    }

    /// Decodes a stored record.
    static func decode<T: BinaryCodable>(_ type: T.Type, from raw: UnsafeRawBufferPointer, key: Key) throws -> T {
        do {
            return try T.decode(from: raw)
        } catch {
            throw ProjectionError.corrupt(key: key, reason: "\(error)")
        }
    }

    /// Calls `body` with each key starting with `prefix` and its bytes, in key order, until it
    /// returns false. Pending writes are flushed first so the scan sees them.
    public func scan(prefix: Key, _ body: (Key, [UInt8]) throws -> Bool) throws {
        try scanInPlace(prefix: prefix) { key, value in try body(key, Array(value)) }
    }

    /// ``scan(prefix:_:)`` lending each value's bytes instead of copying them: valid only
    /// during the call.
    private func scanInPlace(prefix: Key, after: Key? = nil, _ body: (Key, UnsafeRawBufferPointer) throws -> Bool) throws {
        try flush()
        switch backend {
        case .table(let tx, let table): try Self.scan(tx, table, prefix, after, body)
        case .readOnly(let tx, let table): try Self.scan(tx, table, prefix, after, body)
        case .memory(let memory):
            for key in memory.entries.keys.filter({ key in key.hasPrefix(prefix) && after.map { $0 < key } ?? true }).sorted() {
                guard let value = memory.entries[key], try value.withUnsafeBytes({ try body(key, $0) }) else { return }
            }
        case .fold(let state): try state.scan(prefix: prefix, after: after, body)
        }
    }

    /// The records under keys starting with `prefix`, decoded as `T`, in key order.
    public func records<T: BinaryCodable>(prefix: Key, as type: T.Type) throws -> [T] {
        var result: [T] = []
        try scanInPlace(prefix: prefix) { key, raw in
            result.append(try Self.decode(T.self, from: raw, key: key))
            return true
        }
        return result
    }

    /// The keys starting with `prefix`, in order.
    public func keys(prefix: Key) throws -> [Key] {
        try keys(prefix: prefix, after: nil, limit: .max)
    }

    /// The first `limit` keys starting with `prefix` that sort after `after` (from the first key
    /// of the prefix when `nil`), in order.
    public func keys(prefix: Key, after: Key?, limit: Int) throws -> [Key] {
        var result: [Key] = []
        guard limit > 0 else { return result }
        try scanInPlace(prefix: prefix, after: after) { key, _ in
            result.append(key)
            return result.count < limit
        }
        return result
    }

    private static func scan(_ tx: some ReadableTransaction, _ table: Table, _ prefix: Key, _ after: Key?, _ body: (Key, UnsafeRawBufferPointer) throws -> Bool) throws {
        try tx.withCursor(table) { cursor in
            // LMDB refuses an empty key, and an empty prefix means every key.
            let start = prefix.bytes
            var found: Bool
            if let after, prefix < after {
                found = try cursor.seek(atOrAfter: after)
                if found, cursor.key.sameBytes(after) { found = try cursor.next() }
            } else {
                found = start.isEmpty ? try cursor.first() : try cursor.seek(atOrAfter: start)
            }
            while found, cursor.key.hasBytePrefix(start) {
                guard try body(Key(copying: cursor.key), cursor.value) else { return }
                found = try cursor.next()
            }
        }
    }

    /// Removes every key of this projection (the whole table it is bound to, and nothing else).
    public func removeAll() throws {
        try checkWritable()
        entries.removeAll()
        switch backend {
        case .table(let tx, let table): try tx.clear(table)
        case .memory(let memory): memory.entries.removeAll()
        case .fold(let state): state.removeAll()
        case .readOnly: break
        }
    }

    /// Writes pending writes and the cached records that were set or updated out to the table,
    /// in key order, and empties the cache.
    public func flush() throws {
        guard !entries.isEmpty else { return }
        // A fold's store holds nothing of its own: it works on the state.
        if case .fold = backend { return }
        var writes: [SortedWrite] = []
        writes.reserveCapacity(entries.count)
        for (key, entry) in entries {
            // Records only read hold what the table holds: writing them back would change nothing.
            if case .record(let cached) = entry, !cached.changed { continue }
            writes.append(SortedWrite(key: key, entry: entry))
        }
        entries.removeAll(keepingCapacity: true)
        writes.sort { a, b in
            if a.head != b.head { return a.head < b.head }
            if a.next != b.next { return a.next < b.next }
            return a.key < b.key
        }
        switch backend {
        case .table(let tx, let table):
            for write in writes {
                let key = write.key
                switch write.entry {
                case .bytes(let value?):
                    try tx.put(table, key: key, value: value)
                case .record(let cached):
                    scratch.reset()
                    if cached.write(into: &scratch) {
                        try tx.put(table, key: key, value: scratch.bytes)
                    } else {
                        try tx.delete(table, key: key)
                    }
                case .bytes(nil):
                    try tx.delete(table, key: key)
                }
            }
        case .memory(let memory):
            for write in writes {
                let key = write.key
                switch write.entry {
                case .bytes(let value): memory.entries[key] = value
                case .record(let cached):
                    scratch.reset()
                    memory.entries[key] = cached.write(into: &scratch) ? scratch.exactCopy() : nil
                }
            }
        case .readOnly:
            throw ProjectionError.readOnly
        case .fold:
            break
        }
    }

    private func checkWritable() throws {
        if case .readOnly = backend { throw ProjectionError.readOnly }
    }

    /// A write with the first 16 bytes of its key loaded as two big-endian integers: most
    /// comparisons of a flush's sort are settled by them without comparing the keys' bytes.
    private struct SortedWrite {
        let key: Key
        let entry: Entry
        let head: UInt64
        let next: UInt64

        init(key: Key, entry: Entry) {
            self.key = key
            self.entry = entry
            (head, next) = key.leadingWords
        }
    }
}

/// A projection table held in memory: as-of views, checks, tests.
public final class MemoryTable {
    /// The entries.
    public var entries: [Key: [UInt8]] = [:]
    /// Creates an empty table.
    public init() {}
}

/// What goes wrong with projections.
public enum ProjectionError: Error, ClassifiedError, Equatable, CustomStringConvertible, Sendable {
    /// A stored record could not be decoded.
    case corrupt(key: Key, reason: String)
    /// A write was attempted through a read-only store.
    case readOnly
    /// No projection has this name.
    case unknownProjection(String, known: [String])
    /// A projection was never built for this tenant.
    case notBuilt(String)
    /// Another rebuild of the projection started while this one ran: this one stopped.
    case rebuildSuperseded(String)

    /// One line a person can act on.
    public var description: String {
        switch self {
        case .corrupt(let key, let reason): return "projection record \(key.bytes.hexString) is corrupt: \(reason)"
        case .readOnly: return "this projection store is read-only"
        case .unknownProjection(let name, let known): return "unknown projection '\(name)'; known: \(known.joined(separator: ", "))"
        case .notBuilt(let name): return "projection '\(name)' has not been built for this tenant; run a rebuild"
        case .rebuildSuperseded(let name): return "another rebuild of projection '\(name)' started while this one ran: this one stopped and changed nothing live; the other goes on"
        }
    }

    /// A corrupt record is an `integrity` failure; an unknown projection name is `invalid` (the
    /// field `projections`); a superseded rebuild is a `conflict`; a write through a read-only
    /// store and a projection never built are `internal` (Bulkhead builds every projection).
    public var failure: Failure {
        switch self {
        case .corrupt: return Failure(.integrity, code: "integrity", message: description)
        case .unknownProjection: return Failure(.invalid, code: "invalid", message: description, field: "projections")
        case .rebuildSuperseded: return Failure(.conflict, code: "conflict", message: description)
        case .readOnly, .notBuilt: return Failure(.internal, code: "internal", message: description)
        }
    }
}

extension ByteWriter {
    /// The bytes written, in an array of their own: handing out `bytes` itself would share the
    /// writer's storage, of its whole capacity, with whatever keeps it, and the next `reset()`
    /// would then allocate the writer a new one.
    func exactCopy() -> [UInt8] { bytes.withUnsafeBufferPointer { Array($0) } }
}
