import CLMDB
import Foundation

/// How an ``Environment`` is opened and how far its map may grow.
public struct EnvironmentOptions: Sendable {
    /// The map size the environment starts with, in bytes. It grows on demand.
    public var initialMapSize: Int
    /// The largest map size growth may reach. A write that needs more fails with
    /// ``StorageError/Code/mapLimitReached`` instead of growing further.
    public var maxMapSize: Int
    /// How many named tables the environment may hold.
    public var maxTables: Int
    /// How many concurrent read transactions (across processes) the environment allows.
    public var maxReaders: Int

    /// Options suited to a tenant partition: 8 MiB to start, growth up to 1 TiB, 64 tables.
    public init(
        initialMapSize: Int = 8 << 20,
        maxMapSize: Int = 1 << 40,
        maxTables: Int = 64,
        maxReaders: Int = 254
    ) {
        self.initialMapSize = initialMapSize
        self.maxMapSize = maxMapSize
        self.maxTables = maxTables
        self.maxReaders = maxReaders
    }
}

/// An LMDB environment: one directory holding `data.mdb` and `lock.mdb`.
///
/// The C handle lives here. A process opens a path once: a second `Environment` on a directory
/// this process already has open is refused (``StorageError/Code/alreadyOpen``), because LMDB's
/// locks belong to the process and closing either handle would release the other's. ``close()``
/// closes it explicitly (waiting for transactions in progress); `deinit` closes it otherwise.
/// Transactions are closures: returning
/// commits, throwing aborts. A transaction is valid only inside its closure, on the calling
/// thread, and must not start another transaction (LMDB's rules; nesting would also block the
/// map growth below).
///
/// ```swift
/// let env = try Environment(path: dir, options: .init())
/// let log = try env.openTable(named: "log")
/// try env.write { tx in try tx.put(log, key: key, value: bytes) }
/// let value = try env.read { tx in try tx.get(log, key: key) }
/// ```
///
/// A full map never reaches callers: ``write(_:)`` aborts, grows the map and runs the closure
/// again, so a write closure must have no effects outside its transaction.
public final class Environment: @unchecked Sendable {
    @usableFromInline let handle: OpaquePointer
    /// The directory of the environment.
    public let path: String
    /// The options it was opened with.
    public let options: EnvironmentOptions

    private let canonicalPath: String
    private let gate = NSCondition()
    private var closed = false
    private var activeTransactions = 0
    private var resizing = false
    private var tables: [String: MDB_dbi] = [:]
    /// LMDB lets one transaction of a process at a time open (or close) table handles, until it
    /// ends: a transaction takes this lock before its first `mdb_dbi_open` or `mdb_drop` and keeps
    /// it until it commits or aborts. It is taken inside a transaction, never while waiting for one.
    /// Recursive: a read nested in another read of the same thread must not wait for itself.
    let handleLock = NSRecursiveLock()

    /// Opens (creating if needed) the environment in directory `path`.
    ///
    /// - Parameters:
    ///   - path: The directory; created when missing.
    ///   - options: Map size, growth limit, table and reader counts.
    /// - Throws: ``StorageError`` when the directory cannot be created or the files are not a
    ///   valid LMDB environment (``StorageError/Code/invalid``, ``StorageError/Code/corrupted``).
    public init(path: String, options: EnvironmentOptions = .init()) throws {
        self.path = path
        self.options = options
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw StorageError(code: .permissionDenied, message: "cannot create directory: \(error.localizedDescription)", context: "open environment \(path)")
        }
        let canonical = try Self.register(path)
        var env: OpaquePointer?
        do {
            try check(mdb_env_create(&env), "create environment \(path)")
        } catch {
            Self.unregister(canonical)
            throw error
        }
        guard let env else {
            Self.unregister(canonical)
            throw StorageError(code: .invalid, message: "mdb_env_create returned no handle", context: "open environment \(path)")
        }
        do {
            try check(mdb_env_set_maxdbs(env, MDB_dbi(options.maxTables)), "set max tables of \(path)")
            try check(mdb_env_set_maxreaders(env, UInt32(options.maxReaders)), "set max readers of \(path)")
            try check(mdb_env_set_mapsize(env, options.initialMapSize), "set map size of \(path)")
            // MDB_NOTLS: a read transaction belongs to its object, not to the thread, so Swift
            // tasks that hop threads between transactions never collide on a reader slot.
            try check(mdb_env_open(env, path, UInt32(MDB_NOTLS), 0o644), "open environment \(path)")
            try Self.checkFileLength(env, path: path)
        } catch {
            mdb_env_close(env)
            Self.unregister(canonical)
            throw error
        }
        self.handle = env
        self.canonicalPath = canonical
    }

    /// LMDB maps the file and trusts its meta page: a file shorter than the pages in use would
    /// crash the process (SIGBUS) on the first read of a missing page, so such a file is refused.
    ///
    /// A sound file may still end before the last page number its meta page records: LMDB does
    /// not write a page that the transaction which allocated it freed again ("loose" pages), and
    /// such pages are on the free list. So a short file is accepted when every page past its end
    /// is free; to read the free list without touching a missing page, the file is first
    /// lengthened with zeros to the recorded length (kept when the file is sound: those pages are
    /// free), and cut back to its length before it is refused.
    private static func checkFileLength(_ env: OpaquePointer, path: String) throws {
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        var envStat = MDB_stat()
        mdb_env_stat(env, &envStat)
        let pageSize = Int(envStat.ms_psize)
        let needed = (info.me_last_pgno + 1) * pageSize
        let file = path + "/data.mdb"
        guard let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? nil, size < needed else { return }
        func truncated(_ detail: String) -> StorageError {
            StorageError(
                code: .corrupted,
                message: "data.mdb is \(size) bytes but its meta page says \(needed) bytes are in use: the file was truncated\(detail)",
                context: "open environment \(path)")
        }
        guard size % pageSize == 0, size >= 2 * pageSize else { throw truncated("") }
        let fd = open(file, O_RDWR)
        guard fd >= 0 else {
            throw truncated(" (or it ends in free pages, which could not be checked: \(String(cString: strerror(errno))))")
        }
        defer { closeFileDescriptor(fd) }
        // posix_fallocate only ever lengthens the file: another process writing the environment
        // meanwhile can have lengthened it already, and must not be cut short.
        let rc = posix_fallocate(fd, off_t(size), off_t(needed - size))
        guard rc == 0 else {
            throw truncated(" (or it ends in free pages, which could not be checked: \(String(cString: strerror(rc))))")
        }
        let missing = UInt64(size / pageSize)...UInt64(info.me_last_pgno)
        let free: Int
        do {
            free = try freePages(env, within: missing)
        } catch {
            cutBack(fd, from: needed, to: size)
            throw truncated(" (or it ends in free pages, which could not be checked: \(error))")
        }
        if free != missing.count {
            cutBack(fd, from: needed, to: size)
            throw truncated("")
        }
    }

    /// Cuts a file lengthened for the check back to its length: left as found, unless something
    /// else has lengthened it since. Best effort: the refusal that follows is what the caller sees.
    private static func cutBack(_ fd: Int32, from lengthened: Int, to size: Int) {
        if lseek(fd, 0, SEEK_END) == off_t(lengthened) { _ = ftruncate(fd, off_t(size)) }
    }

    /// How many pages of `range` the environment's free list holds (read with a cursor on LMDB's
    /// free-page table, dbi 0: keys are transaction ids, values lists of page numbers).
    private static func freePages(_ env: OpaquePointer, within range: ClosedRange<UInt64>) throws -> Int {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "read the free list")
        defer { mdb_txn_abort(txn) }
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn, 0, &cursor), "read the free list")
        defer { mdb_cursor_close(cursor) }
        var found = Set<UInt64>()
        var key = MDB_val(), value = MDB_val()
        var rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
        while rc == 0 {
            // An IDL: a count, then that many page numbers, each a size_t.
            let words = value.mv_size / MemoryLayout<Int>.size
            if words > 0, let base = value.mv_data {
                let raw = UnsafeRawBufferPointer(start: base, count: value.mv_size)
                let count = min(Int(raw.loadUnaligned(as: UInt.self)), words - 1)
                for i in 0..<count {
                    let page = UInt64(raw.loadUnaligned(fromByteOffset: (i + 1) * MemoryLayout<UInt>.size, as: UInt.self))
                    if range.contains(page) { found.insert(page) }
                }
            }
            rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
        }
        guard rc == MDB_NOTFOUND else { try check(rc, "read the free list"); return found.count }
        return found.count
    }

    deinit {
        if !closed {
            mdb_env_close(handle)
            Self.unregister(canonicalPath)
        }
    }

    // MARK: - The process's open environments

    /// The canonical paths of the environments this process has open.
    private static let registry = NSLock()
    nonisolated(unsafe) private static var openPaths: Set<String> = []

    /// Records `path` as open, or refuses it when this process already has it open.
    private static func register(_ path: String) throws -> String {
        let canonical = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
        registry.lock()
        defer { registry.unlock() }
        guard openPaths.insert(canonical).inserted else {
            throw StorageError(
                code: .alreadyOpen,
                message: "this process already has the environment in \(canonical) open; "
                    + "LMDB allows one open per process",
                context: "open environment \(path)")
        }
        return canonical
    }

    private static func unregister(_ canonical: String) {
        registry.lock()
        openPaths.remove(canonical)
        registry.unlock()
    }

    /// Closes the environment: waits for the transactions in progress to end, then releases the
    /// C handle and the path (this process may open it again). A transaction begun after `close()`
    /// throws ``StorageError/Code/closed``. Calling it again does nothing.
    public func close() {
        exclusively {
            guard !closed else { return }
            closed = true
            mdb_env_close(handle)
            Self.unregister(canonicalPath)
        }
    }

    /// Whether ``close()`` has run.
    public var isClosed: Bool {
        gate.lock()
        defer { gate.unlock() }
        return closed
    }

    // MARK: - Transactions

    /// Runs `body` in a read transaction, which sees one consistent snapshot.
    ///
    /// - Throws: Whatever `body` throws, or ``StorageError``.
    public func read<R>(_ body: (ReadTransaction) throws -> R) throws -> R {
        try enter()
        defer { leave() }
        let txn = try begin(flags: UInt32(MDB_RDONLY))
        let state = TransactionState()
        let tx = ReadTransaction(handle: TransactionHandle(txn: txn, env: self, state: state))
        let result: R
        do {
            result = try body(tx)
        } catch {
            state.open = false
            mdb_txn_abort(txn)
            state.releaseHandleLock(self)
            throw error
        }
        guard !state.openedTables.isEmpty else {
            state.open = false
            mdb_txn_abort(txn)
            state.releaseHandleLock(self)
            return result
        }
        // A read transaction that opened tables commits: that keeps their handles for the process
        // (an abort would close them).
        state.open = false
        let rc = mdb_txn_commit(txn)
        if rc == 0 { remember(state) }
        state.releaseHandleLock(self)
        try check(rc, "end read transaction on \(path)")
        return result
    }

    /// Runs `body` in the environment's single write transaction: returning commits (durably, in
    /// LMDB's default sync mode), throwing aborts.
    ///
    /// When the map is full the transaction is aborted, the map grown, and `body` run again.
    ///
    /// - Throws: Whatever `body` throws, or ``StorageError`` (for example
    ///   ``StorageError/Code/noSpace`` when the disk is full, or
    ///   ``StorageError/Code/mapLimitReached`` past ``EnvironmentOptions/maxMapSize``).
    public func write<R>(_ body: (WriteTransaction) throws -> R) throws -> R {
        while true {
            let state = TransactionState()
            do {
                return try attemptWrite(state: state, body)
            } catch {
                if state.mapFull || (error as? StorageError)?.code == .mapFull {
                    try grow()
                    continue
                }
                throw error
            }
        }
    }

    private func attemptWrite<R>(state: TransactionState, _ body: (WriteTransaction) throws -> R) throws -> R {
        try enter()
        defer { leave() }
        let txn = try begin(flags: 0)
        let tx = WriteTransaction(handle: TransactionHandle(txn: txn, env: self, state: state))
        let result: R
        do {
            result = try body(tx)
        } catch {
            state.open = false
            mdb_txn_abort(txn)
            forgetDroppedTables(state)
            state.releaseHandleLock(self)
            throw error
        }
        state.open = false
        let rc = mdb_txn_commit(txn)
        if rc == MDB_MAP_FULL { state.mapFull = true }
        if rc != 0 { forgetDroppedTables(state) } else { remember(state) }
        state.releaseHandleLock(self)
        if rc == ENOSPC || rc == EIO, let free = freeBytes(), free < 1 << 20 {
            // A full filesystem surfaces as ENOSPC or, from the page flush, as EIO: say what it is.
            throw StorageError(
                code: .noSpace,
                message: "no space left on the device holding \(path) (\(free) bytes free); the write was not committed",
                context: "commit to \(path)")
        }
        try check(rc, "commit to \(path)")
        return result
    }

    /// Records the handles a committed transaction opened, and forgets those it dropped.
    private func remember(_ state: TransactionState) {
        guard !state.openedTables.isEmpty || !state.droppedTables.isEmpty else { return }
        gate.lock()
        for name in state.droppedTables { tables[name] = nil }
        for (name, dbi) in state.openedTables { tables[name] = dbi }
        gate.unlock()
    }

    /// Bytes available to this process on the filesystem holding the environment, or `nil`.
    func freeBytes() -> Int? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }

    /// `mdb_drop` closes a table's handle even when its transaction then aborts: forget the
    /// handles, so the next use opens the table afresh (it still exists after an abort).
    private func forgetDroppedTables(_ state: TransactionState) {
        guard !state.droppedTables.isEmpty else { return }
        gate.lock()
        for name in state.droppedTables { tables[name] = nil }
        gate.unlock()
    }

    private func begin(flags: UInt32) throws -> OpaquePointer {
        var txn: OpaquePointer?
        var rc = mdb_txn_begin(handle, nil, flags, &txn)
        // Another process grew the map: adopt its size. mdb_env_set_mapsize(0) must run with no
        // transaction of this process active, so step out of the gate and back in. Other processes
        // may grow it again meanwhile, so keep adopting (a bounded number of times).
        var attempts = 0
        while rc == MDB_MAP_RESIZED && attempts < 100 {
            attempts += 1
            leave()
            try adoptResizedMap()
            try enter()
            rc = mdb_txn_begin(handle, nil, flags, &txn)
        }
        try check(rc, "begin \(flags & UInt32(MDB_RDONLY) != 0 ? "read" : "write") transaction on \(path)")
        guard let txn else {
            throw StorageError(code: .invalid, message: "mdb_txn_begin returned no handle", context: path)
        }
        return txn
    }

    private func enter() throws {
        gate.lock()
        defer { gate.unlock() }
        while resizing { gate.wait() }
        guard !closed else {
            throw StorageError(
                code: .closed, message: "the environment was closed", context: "begin a transaction on \(path)")
        }
        activeTransactions += 1
    }

    private func leave() {
        gate.lock()
        activeTransactions -= 1
        if activeTransactions == 0 { gate.broadcast() }
        gate.unlock()
    }

    /// Runs `change` when no transaction of this process is active, as `mdb_env_set_mapsize` requires.
    private func exclusively<R>(_ change: () throws -> R) rethrows -> R {
        gate.lock()
        while resizing { gate.wait() }
        resizing = true
        while activeTransactions > 0 { gate.wait() }
        defer {
            resizing = false
            gate.broadcast()
            gate.unlock()
        }
        return try change()
    }

    private func grow() throws {
        try exclusively {
            let current = currentMapSize()
            guard current < options.maxMapSize else {
                throw StorageError(
                    code: .mapLimitReached,
                    message: "the environment reached its size limit of \(options.maxMapSize) bytes",
                    context: "grow map of \(path)")
            }
            // Double small maps, then grow by 1 GiB steps: address space is cheap, but a huge
            // jump on a small disk only postpones the real error.
            let step = min(current, 1 << 30)
            let target = min(current + step, options.maxMapSize)
            try check(mdb_env_set_mapsize(handle, target), "grow map of \(path) to \(target) bytes")
        }
    }

    private func adoptResizedMap() throws {
        try exclusively {
            try check(mdb_env_set_mapsize(handle, 0), "adopt the map size another process set on \(path)")
        }
    }

    // MARK: - Tables

    /// Opens the named table, creating it when `create` is true, and returns its handle.
    ///
    /// An existing table is opened in a read transaction, so opening it never waits for a writer;
    /// only creating one takes the write transaction.
    /// - Returns: The table, or `nil` when it does not exist and `create` is false.
    /// - Throws: ``StorageError``, e.g. ``StorageError/Code/dbsFull`` past ``EnvironmentOptions/maxTables``.
    public func openTable(named name: String, create: Bool = true) throws -> Table? {
        if let cached = cachedTable(named: name) { return cached }
        if let existing = try read({ tx in try tx.openTable(named: name) }) { return existing }
        guard create else { return nil }
        return try write { tx in try tx.openTable(named: name, create: true) }
    }

    func lockedTables<R>(_ body: ([String: MDB_dbi]) -> R) -> R {
        gate.lock()
        defer { gate.unlock() }
        return body(tables)
    }

    // MARK: - Facts and maintenance

    /// The current map size in bytes.
    public var mapSize: Int {
        precondition(!isClosed, "the environment in \(path) was used after close()")
        return currentMapSize()
    }

    private func currentMapSize() -> Int {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        return info.me_mapsize
    }

    /// Bytes in use: pages used times the page size.
    public var usedBytes: Int {
        precondition(!isClosed, "the environment in \(path) was used after close()")
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        var stat = MDB_stat()
        mdb_env_stat(handle, &stat)
        return (info.me_last_pgno + 1) * Int(stat.ms_psize)
    }

    /// Writes a copy of the environment into the existing, empty directory `destination`.
    ///
    /// - Parameter compact: Omit free pages and renumber (`MDB_CP_COMPACT`).
    /// - Throws: ``StorageError`` when the copy cannot be written.
    public func copy(to destination: String, compact: Bool) throws {
        try enter()
        defer { leave() }
        try check(
            mdb_env_copy2(handle, destination, compact ? UInt32(MDB_CP_COMPACT) : 0),
            "copy \(path) to \(destination)")
    }

    /// Flushes buffers to disk (commits already do so in the default sync mode).
    public func sync() throws {
        try enter()
        defer { leave() }
        try check(mdb_env_sync(handle, 1), "sync \(path)")
    }
}

/// What a transaction learned, kept outside it so that a body which wraps LMDB's errors in its
/// own still lets ``Environment/write(_:)`` grow the map and retry, and so that the handles it
/// opened or dropped reach the environment when it ends.
@usableFromInline
final class TransactionState {
    @usableFromInline var mapFull = false
    /// False once the transaction committed or aborted.
    @usableFromInline var open = true
    /// The thread that began the transaction: LMDB transactions must not move between threads.
    @usableFromInline let thread = pthread_self()

    /// Traps when the transaction has ended or is used from another thread: misuse is a
    /// programmer error, and LMDB would otherwise be handed a freed or foreign handle.
    @inlinable func checkUsable(_ path: @autoclosure () -> String) {
        precondition(open, "a transaction on \(path()) was used after its closure returned")
        precondition(pthread_equal(thread, pthread_self()) != 0,
                     "a transaction on \(path()) was used from a thread other than the one that began it")
    }
    var openedTables: [(String, MDB_dbi)] = []
    var droppedTables: [String] = []
    private var holdsHandleLock = false

    /// Takes the environment's handle lock for the rest of the transaction (once).
    func takeHandleLock(_ env: Environment) {
        guard !holdsHandleLock else { return }
        env.handleLock.lock()
        holdsHandleLock = true
    }

    func releaseHandleLock(_ env: Environment) {
        guard holdsHandleLock else { return }
        holdsHandleLock = false
        env.handleLock.unlock()
    }
}

/// `close(2)`, out of reach of ``Environment/close()``'s name.
private func closeFileDescriptor(_ fd: Int32) {
    _ = close(fd)
}
