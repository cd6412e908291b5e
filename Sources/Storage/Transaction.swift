import CLMDB

/// The C transaction behind a ``ReadTransaction`` or ``WriteTransaction``; opaque to callers.
///
/// Every use checks that the transaction is still open and on the thread that began it: a
/// transaction kept past its closure (`env.read { $0 }` compiles) traps with a message instead of
/// handing LMDB a freed handle, which would be undefined behaviour in C.
public struct TransactionHandle {
    @usableFromInline let raw: OpaquePointer
    @usableFromInline let env: Environment
    @usableFromInline let state: TransactionState

    @usableFromInline init(txn: OpaquePointer, env: Environment, state: TransactionState) {
        self.raw = txn
        self.env = env
        self.state = state
    }

    /// The C transaction, after checking that it may still be used.
    @inlinable var txn: OpaquePointer {
        state.checkUsable(env.path)
        return raw
    }
}

/// Reads shared by read and write transactions.
///
/// Byte buffers handed to closures point into the memory map and are valid only inside the
/// closure: decode or copy them before it returns.
public protocol ReadableTransaction {
    /// The transaction's C handle.
    var handle: TransactionHandle { get }
}

// The small per-entry operations are `@inlinable`: callers then specialise them for their key
// and value types instead of paying a generic dispatch per entry on bulk appends and scans.
extension ReadableTransaction {
    /// The value stored under `key`, copied out of the map, or `nil`.
    @inlinable
    public func get(_ table: Table, key: some ContiguousBytesView) throws -> [UInt8]? {
        try withValue(table, key: key) { $0.map { Array($0) } }
    }

    /// Calls `body` with the bytes stored under `key` (or `nil`) without copying them.
    ///
    /// - Parameter body: Reads the bytes; they are valid only during the call.
    @inlinable
    public func withValue<R>(
        _ table: Table, key: some ContiguousBytesView,
        _ body: (UnsafeRawBufferPointer?) throws -> R
    ) throws -> R {
        let found: UnsafeRawBufferPointer? = try key.withBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var v = MDB_val()
            let rc = mdb_get(handle.txn, table.dbi, &k, &v)
            if rc == MDB_NOTFOUND { return nil }
            try check(rc, "read \(table.name) in \(handle.env.path)")
            return UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
        }
        return try body(found)
    }

    /// Opens a cursor over `table` for the duration of `body`.
    @inlinable
    public func withCursor<R>(_ table: Table, _ body: (inout Cursor) throws -> R) throws -> R {
        var raw: OpaquePointer?
        try check(mdb_cursor_open(handle.txn, table.dbi, &raw), "open cursor on \(table.name) in \(handle.env.path)")
        guard let raw else {
            throw StorageError(code: .invalid, message: "mdb_cursor_open returned no handle", context: table.name)
        }
        defer { mdb_cursor_close(raw) }
        var cursor = Cursor(raw: raw, table: table, path: handle.env.path)
        return try body(&cursor)
    }

    /// Entry count and page use of `table`.
    public func statistics(_ table: Table) throws -> TableStatistics {
        var stat = MDB_stat()
        try check(mdb_stat(handle.txn, table.dbi, &stat), "stat \(table.name) in \(handle.env.path)")
        return TableStatistics(
            entries: stat.ms_entries,
            pages: stat.ms_branch_pages + stat.ms_leaf_pages + stat.ms_overflow_pages,
            pageSize: Int(stat.ms_psize))
    }

    /// The handle of an existing table opened earlier by this process, or `nil`.
    public func existingTable(named name: String) -> Table? {
        handle.env.cachedTable(named: name)
    }

    /// Opens the existing table `name` inside this transaction, as its snapshot has it.
    ///
    /// The handle stays open for the process once the transaction ends (a read transaction that
    /// opened one commits instead of aborting). Tables are never dropped while the process may
    /// hold their handles (rebuilds clear and reuse theirs), so a handle, once open, stays valid.
    /// - Returns: The table, or `nil` when this snapshot has no table of that name.
    public func openTable(named name: String) throws -> Table? {
        try openTable(named: name, flags: 0)
    }

    func openTable(named name: String, flags: UInt32) throws -> Table? {
        let state = handle.state
        // A table dropped earlier in this transaction has a closed handle: open it afresh.
        if !state.droppedTables.contains(name), let cached = handle.env.cachedTable(named: name) { return cached }
        if let opened = state.openedTables.last(where: { $0.0 == name }) { return Table(dbi: opened.1, name: name) }
        state.takeHandleLock(handle.env)
        // Another transaction may have opened it while this one waited for the lock.
        if !state.droppedTables.contains(name), let cached = handle.env.cachedTable(named: name) { return cached }
        var dbi: MDB_dbi = 0
        let rc = mdb_dbi_open(handle.txn, name, flags, &dbi)
        if rc == MDB_NOTFOUND { return nil }
        if rc == MDB_MAP_FULL { state.mapFull = true }
        try check(rc, "open table \(name) in \(handle.env.path)")
        state.openedTables.append((name, dbi))
        return Table(dbi: dbi, name: name)
    }
}

/// A read-only snapshot of an environment, valid only inside ``Environment/read(_:)``'s closure.
public struct ReadTransaction: ReadableTransaction {
    /// The transaction's C handle.
    public let handle: TransactionHandle

    /// The environment the transaction reads.
    public var environment: Environment { handle.env }
}

/// The environment's write transaction, valid only inside ``Environment/write(_:)``'s closure.
public struct WriteTransaction: ReadableTransaction {
    /// The transaction's C handle.
    public let handle: TransactionHandle
    @usableFromInline var state: TransactionState { handle.state }

    init(handle: TransactionHandle) {
        self.handle = handle
    }

    /// Stores `value` under `key`.
    ///
    /// - Throws: ``StorageError``: ``StorageError/Code/keyExists`` with `.noOverwrite` or an
    ///   out-of-order `.append`; ``StorageError/Code/badValueSize`` for an empty or oversized key.
    @inlinable
    public func put(_ table: Table, key: some ContiguousBytesView, value: some ContiguousBytesView, flags: PutFlags = []) throws {
        try key.withBytes { keyBytes in
            try value.withBytes { valueBytes in
                var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                var v = MDB_val(mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                let rc = mdb_put(handle.txn, table.dbi, &k, &v, flags.rawValue)
                if rc == MDB_MAP_FULL { state.mapFull = true }
                try check(rc, "write \(table.name) in \(handle.env.path)")
            }
        }
    }

    /// Stores `value` under `key` unless the key is present; when it is, leaves it untouched and
    /// returns what `existing` makes of the present value.
    ///
    /// One search does both the lookup and the insert, which is what an idempotency index needs:
    ///
    /// ```swift
    /// if let position = try tx.putIfAbsent(ids, key: id, value: key, existing: { Array($0) }) {
    ///     // `id` was stored before, at `position`; nothing was written.
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - appending: A hint that `key` probably sorts after every key of the table (time-ordered
    ///     ids): LMDB then appends without a search. A key that does not sort last costs a second
    ///     attempt, never a wrong answer.
    ///   - existing: Reads the present value; the bytes are valid only during the call.
    /// - Returns: `nil` when the value was stored, else `existing`'s result.
    /// - Throws: ``StorageError`` (for example ``StorageError/Code/badValueSize``).
    @inlinable
    public func putIfAbsent<R>(
        _ table: Table, key: some ContiguousBytesView, value: some ContiguousBytesView, appending: Bool = false,
        existing: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R? {
        let found: UnsafeRawBufferPointer? = try key.withBytes { keyBytes in
            try value.withBytes { valueBytes in
                var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                var v = MDB_val(mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                var rc: Int32 = MDB_KEYEXIST
                if appending {
                    rc = mdb_put(handle.txn, table.dbi, &k, &v, UInt32(MDB_APPEND | MDB_NOOVERWRITE))
                    // With MDB_APPEND, MDB_KEYEXIST only says the key does not sort last: ask again.
                    if rc == MDB_KEYEXIST {
                        v = MDB_val(mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                    }
                }
                if rc == MDB_KEYEXIST {
                    rc = mdb_put(handle.txn, table.dbi, &k, &v, UInt32(MDB_NOOVERWRITE))
                    // MDB_NOOVERWRITE hands back the present value in `v`.
                    if rc == MDB_KEYEXIST { return UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size) }
                }
                if rc == MDB_MAP_FULL { state.mapFull = true }
                try check(rc, "write \(table.name) in \(handle.env.path)")
                return nil
            }
        }
        return try found.map(existing)
    }

    /// Stores under `key` a value of `count` bytes that `fill` writes in place, in the map's own
    /// page: the value is never built in a separate buffer and copied (LMDB's `MDB_RESERVE`).
    ///
    /// `fill` cannot throw: a half-written value must never be left in the transaction.
    ///
    /// - Throws: ``StorageError`` as ``put(_:key:value:flags:)``.
    @inlinable
    public func put(
        _ table: Table, key: some ContiguousBytesView, reservingCount count: Int, flags: PutFlags = [],
        fill: (UnsafeMutableRawBufferPointer) -> Void
    ) throws {
        try key.withBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var v = MDB_val(mv_size: count, mv_data: nil)
            let rc = mdb_put(handle.txn, table.dbi, &k, &v, flags.rawValue | UInt32(MDB_RESERVE))
            if rc == MDB_MAP_FULL { state.mapFull = true }
            try check(rc, "write \(table.name) in \(handle.env.path)")
            fill(UnsafeMutableRawBufferPointer(start: v.mv_data, count: count))
        }
    }

    /// Removes `key`.
    ///
    /// - Returns: Whether the key was present.
    @inlinable
    @discardableResult
    public func delete(_ table: Table, key: some ContiguousBytesView) throws -> Bool {
        try key.withBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            let rc = mdb_del(handle.txn, table.dbi, &k, nil)
            if rc == MDB_NOTFOUND { return false }
            if rc == MDB_MAP_FULL { state.mapFull = true }
            try check(rc, "delete from \(table.name) in \(handle.env.path)")
            return true
        }
    }

    /// Opens the named table inside this transaction, creating it when `create` is true.
    ///
    /// The handle becomes usable by other transactions once this one commits.
    /// - Returns: The table, or `nil` when it does not exist and `create` is false.
    public func openTable(named name: String, create: Bool) throws -> Table? {
        try openTable(named: name, flags: create ? UInt32(MDB_CREATE) : 0)
    }

    /// Removes every entry of `table`, keeping the table.
    public func clear(_ table: Table) throws {
        try check(mdb_drop(handle.txn, table.dbi, 0), "clear \(table.name) in \(handle.env.path)")
    }

    /// Deletes `table` itself. Its handle is invalid from then on, even if this transaction aborts
    /// (LMDB closes it at once): open the table again by name to use it after an aborted drop.
    /// Closing a handle another thread of this process may be using fails that thread's reads, so
    /// drop only tables no other transaction can be using (a projection's generations are cleared
    /// and reused, never dropped).
    public func dropTable(_ table: Table) throws {
        state.takeHandleLock(handle.env)
        try check(mdb_drop(handle.txn, table.dbi, 1), "drop \(table.name) in \(handle.env.path)")
        state.droppedTables.append(table.name)
        state.openedTables.removeAll { $0.0 == table.name }
    }
}

extension Environment {
    func cachedTable(named name: String) -> Table? {
        lockedTables { $0[name].map { Table(dbi: $0, name: name) } }
    }
}
