import BulkheadCore
import Foundation
import Storage

/// A key of a projection's table: a one-byte kind followed by fixed-width parts, so byte order is
/// logical order (UUIDs as 16 bytes, numbers big-endian).
public struct Key: Hashable, Comparable, Sendable {
    /// The key's bytes.
    public var bytes: [UInt8]

    /// A key of kind `kind` (an ASCII letter) followed by `parts`.
    public init(_ kind: Character, _ parts: KeyPart...) {
        var w = ByteWriter(capacity: 1 + parts.count * 16)
        w.write(kind.asciiValue ?? 0)
        for part in parts { part.write(into: &w) }
        bytes = w.bytes
    }

    /// Wraps raw bytes.
    public init(raw: [UInt8]) { bytes = raw }

    /// Whether the key starts with `prefix`.
    public func hasPrefix(_ prefix: Key) -> Bool { bytes.starts(with: prefix.bytes) }

    /// Orders by bytes, as LMDB does.
    public static func < (a: Key, b: Key) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    /// The UUID stored at byte `offset`, or `nil`.
    public func uuid(at offset: Int) -> UUID? {
        guard bytes.count >= offset + 16 else { return nil }
        return bytes.withUnsafeBytes { raw in
            var r = ByteReader(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 16)]))
            return try? r.readUUID()
        }
    }
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

    func write(into w: inout ByteWriter) {
        switch self {
        case .uuid(let u): w.write(uuid: u)
        case .uint64(let v): w.write(bigEndian: v)
        case .uint32(let v): w.write(bigEndian: v)
        case .byte(let b): w.write(b)
        case .text(let s): w.write(contentsOf: Array(s.utf8))
        }
    }
}

/// The one table a projector may touch: a projection of one tenant, in that tenant's own
/// environment (or in memory, for as-of views and checks).
///
/// A store is created by the projection engine and bound to its table for one transaction; it
/// offers no way to name another table, another projection or another tenant. Writes and decoded
/// records are cached and written out once, sorted, by ``flush()``.
public final class ProjectionStore {
    enum Backend {
        case table(WriteTransaction, Table)
        case readOnly(ReadTransaction, Table)
        case memory(MemoryTable)
    }

    let backend: Backend
    private var pending: [Key: [UInt8]?] = [:]
    private var records: [Key: CachedRecord] = [:]

    private struct CachedRecord {
        var value: Any
        let encode: (Any) throws -> [UInt8]?
    }

    init(_ backend: Backend) { self.backend = backend }

    /// The bytes under `key`, or `nil`.
    public func bytes(_ key: Key) throws -> [UInt8]? {
        if let cached = records[key] { return try cached.encode(cached.value) }
        if let write = pending[key] { return write }
        switch backend {
        case .table(let tx, let table): return try tx.get(table, key: key.bytes)
        case .readOnly(let tx, let table): return try tx.get(table, key: key.bytes)
        case .memory(let memory): return memory.entries[key]
        }
    }

    /// Stores `value` under `key`, or removes the key when `value` is `nil`.
    public func setBytes(_ key: Key, _ value: [UInt8]?) throws {
        try checkWritable()
        records[key] = nil
        pending[key] = .some(value)
    }

    /// The record under `key` decoded as `T`, or `nil`. Decoded once per transaction and cached.
    public func record<T: Codable>(_ key: Key, as type: T.Type) throws -> T? {
        if let cached = records[key] {
            guard let value = cached.value as? T? else {
                throw ProjectionError.corrupt(key: key, reason: "cached as \(Swift.type(of: cached.value)), read as \(T.self)")
            }
            return value
        }
        guard let raw = try bytes(key) else { return nil }
        do {
            let value = try BinaryDecoder.decode(T.self, from: raw)
            if case .readOnly = backend {} else {
                records[key] = CachedRecord(value: Optional(value) as Any, encode: Self.encoder(T.self))
            }
            return value
        } catch {
            throw ProjectionError.corrupt(key: key, reason: "\(error)")
        }
    }

    /// Stores a record (or removes the key for `nil`); it is encoded when the store is flushed.
    public func setRecord<T: Codable>(_ key: Key, _ value: T?) throws {
        try checkWritable()
        pending[key] = nil
        records[key] = CachedRecord(value: value as Any, encode: Self.encoder(T.self))
    }

    /// Changes the record under `key` in place; `body` gets `nil` when there is none.
    public func update<T: Codable>(_ key: Key, as type: T.Type, _ body: (inout T?) throws -> Void) throws {
        var value = try record(key, as: T.self)
        try body(&value)
        try setRecord(key, value)
    }

    private static func encoder<T: Codable>(_ type: T.Type) -> (Any) throws -> [UInt8]? {
        { any in
            guard let optional = any as? T? else { return nil }
            return try optional.map { try BinaryEncoder.encode($0) }
        }
    }

    /// Calls `body` with each key starting with `prefix` and its bytes, in key order, until it
    /// returns false. Pending writes are flushed first so the scan sees them.
    public func scan(prefix: Key, _ body: (Key, [UInt8]) throws -> Bool) throws {
        try flush()
        switch backend {
        case .table(let tx, let table): try Self.scan(tx, table, prefix, body)
        case .readOnly(let tx, let table): try Self.scan(tx, table, prefix, body)
        case .memory(let memory):
            for key in memory.entries.keys.filter({ $0.hasPrefix(prefix) }).sorted() {
                guard let value = memory.entries[key], try body(key, value) else { return }
            }
        }
    }

    /// The records under keys starting with `prefix`, decoded as `T`, in key order.
    public func records<T: Codable>(prefix: Key, as type: T.Type) throws -> [T] {
        var result: [T] = []
        try scan(prefix: prefix) { key, raw in
            do {
                result.append(try BinaryDecoder.decode(T.self, from: raw))
            } catch {
                throw ProjectionError.corrupt(key: key, reason: "\(error)")
            }
            return true
        }
        return result
    }

    /// The keys starting with `prefix`, in order.
    public func keys(prefix: Key) throws -> [Key] {
        var result: [Key] = []
        try scan(prefix: prefix) { key, _ in
            result.append(key)
            return true
        }
        return result
    }

    private static func scan(_ tx: some ReadableTransaction, _ table: Table, _ prefix: Key, _ body: (Key, [UInt8]) throws -> Bool) throws {
        try tx.withCursor(table) { cursor in
            // LMDB refuses an empty key, and an empty prefix means every key.
            var found = prefix.bytes.isEmpty ? try cursor.first() : try cursor.seek(atOrAfter: prefix.bytes)
            while found, cursor.key.starts(with: prefix.bytes) {
                guard try body(Key(raw: Array(cursor.key)), Array(cursor.value)) else { return }
                found = try cursor.next()
            }
        }
    }

    /// Removes every key of this projection (the whole table it is bound to, and nothing else).
    public func removeAll() throws {
        try checkWritable()
        pending.removeAll()
        records.removeAll()
        switch backend {
        case .table(let tx, let table): try tx.clear(table)
        case .memory(let memory): memory.entries.removeAll()
        case .readOnly: break
        }
    }

    /// Writes cached records and pending writes out to the table, in key order.
    public func flush() throws {
        guard !pending.isEmpty || !records.isEmpty else { return }
        var writes = pending
        for (key, cached) in records { writes[key] = .some(try cached.encode(cached.value)) }
        pending.removeAll(keepingCapacity: true)
        records.removeAll(keepingCapacity: true)
        switch backend {
        case .table(let tx, let table):
            for key in writes.keys.sorted() {
                if let value = writes[key] ?? nil {
                    try tx.put(table, key: key.bytes, value: value)
                } else {
                    try tx.delete(table, key: key.bytes)
                }
            }
        case .memory(let memory):
            for (key, value) in writes { memory.entries[key] = value ?? nil }
        case .readOnly:
            throw ProjectionError.readOnly
        }
    }

    private func checkWritable() throws {
        if case .readOnly = backend { throw ProjectionError.readOnly }
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
public enum ProjectionError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A stored record could not be decoded.
    case corrupt(key: Key, reason: String)
    /// A write was attempted through a read-only store.
    case readOnly
    /// No projection has this name.
    case unknownProjection(String, known: [String])
    /// A projection was never built for this tenant.
    case notBuilt(String)

    /// One line a person can act on.
    public var description: String {
        switch self {
        case .corrupt(let key, let reason): return "projection record \(key.bytes.hexString) is corrupt: \(reason)"
        case .readOnly: return "this projection store is read-only"
        case .unknownProjection(let name, let known): return "unknown projection '\(name)'; known: \(known.joined(separator: ", "))"
        case .notBuilt(let name): return "projection '\(name)' has not been built for this tenant; run a rebuild"
        }
    }
}
