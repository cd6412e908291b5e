import CLMDB

/// A position in a table, moved by the methods below, valid only inside the closure of
/// ``ReadableTransaction/withCursor(_:_:)``.
///
/// Each move returns whether it found an entry; the entry's bytes are then read with
/// ``key`` and ``value``, which point into the map and are valid until the next move.
///
/// The moves are `@inlinable`: a scan makes one per entry, and inlined they cost a C call and
/// nothing more.
public struct Cursor: ~Copyable {
    @usableFromInline let raw: OpaquePointer
    @usableFromInline let table: Table
    @usableFromInline let path: String
    @usableFromInline var k = MDB_val()
    @usableFromInline var v = MDB_val()

    @usableFromInline init(raw: OpaquePointer, table: Table, path: String) {
        self.raw = raw
        self.table = table
        self.path = path
    }

    /// The key at the cursor (after a successful move).
    @inlinable public var key: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size) }
    /// The value at the cursor (after a successful move).
    @inlinable public var value: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size) }

    @inlinable
    mutating func move(_ op: MDB_cursor_op) throws -> Bool {
        let rc = mdb_cursor_get(raw, &k, &v, op)
        if rc == MDB_NOTFOUND { return false }
        try check(rc, "move cursor on \(table.name) in \(path)")
        return true
    }

    /// Moves to the first entry.
    @inlinable public mutating func first() throws -> Bool { try move(MDB_FIRST) }
    /// Moves to the last entry.
    @inlinable public mutating func last() throws -> Bool { try move(MDB_LAST) }
    /// Moves to the next entry.
    @inlinable public mutating func next() throws -> Bool { try move(MDB_NEXT) }
    /// Moves to the previous entry.
    @inlinable public mutating func previous() throws -> Bool { try move(MDB_PREV) }

    /// Moves to the first entry whose key is at or after `key`.
    @inlinable
    public mutating func seek(atOrAfter key: some ContiguousBytesView) throws -> Bool {
        try key.withBytes { bytes in
            // LMDB refuses an empty key; every key is at or after the empty one.
            if bytes.isEmpty { return try move(MDB_FIRST) }
            k = MDB_val(mv_size: bytes.count, mv_data: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
            return try move(MDB_SET_RANGE)
        }
    }
}
