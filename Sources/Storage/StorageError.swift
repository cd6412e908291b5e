import BulkheadCore
import CLMDB

/// An error raised by the storage layer: an LMDB result code with its text, and what was being done.
///
/// Raw LMDB result codes never reach callers; they are wrapped here with `mdb_strerror`'s text so
/// that a caller can `catch` a specific ``Code`` and a person reading a log sees what happened.
///
/// ```swift
/// do { try env.write { tx in try tx.put(table, key: k, value: v, flags: .noOverwrite) } }
/// catch let error as StorageError where error.code == .keyExists { ... }
/// ```
public struct StorageError: Error, ClassifiedError, CustomStringConvertible, Sendable {
    /// An LMDB (or errno) result code.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The raw code as LMDB returned it.
        public let rawValue: Int32
        /// Wraps a raw LMDB or errno code.
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// A put with `noOverwrite` found the key already present.
        public static let keyExists = Code(rawValue: MDB_KEYEXIST)
        /// The key was not found (reported as `nil` by lookups; seen here only from cursors' misuse).
        public static let notFound = Code(rawValue: MDB_NOTFOUND)
        /// The environment's map is full. Handled inside ``Environment/write(_:)`` by growing the map.
        public static let mapFull = Code(rawValue: MDB_MAP_FULL)
        /// Another process grew the map. Handled inside the environment by adopting the new size.
        public static let mapResized = Code(rawValue: MDB_MAP_RESIZED)
        /// The file is not an LMDB file.
        public static let invalid = Code(rawValue: MDB_INVALID)
        /// The file's contents are corrupted.
        public static let corrupted = Code(rawValue: MDB_CORRUPTED)
        /// Too many named databases are open.
        public static let dbsFull = Code(rawValue: MDB_DBS_FULL)
        /// The environment version does not match the library.
        public static let versionMismatch = Code(rawValue: MDB_VERSION_MISMATCH)
        /// The transaction has too many dirty pages.
        public static let txnFull = Code(rawValue: MDB_TXN_FULL)
        /// No space left on the device (errno ENOSPC).
        public static let noSpace = Code(rawValue: 28)
        /// Permission denied (errno EACCES).
        public static let permissionDenied = Code(rawValue: 13)
        /// The maximum size the environment may grow to has been reached.
        public static let mapLimitReached = Code(rawValue: -1_000_001)
        /// This process already has the environment open (LMDB allows one open per path per process).
        public static let alreadyOpen = Code(rawValue: -1_000_002)
        /// The environment was closed with ``Environment/close()``.
        public static let closed = Code(rawValue: -1_000_003)
        /// A value or key exceeds what LMDB can store.
        public static let badValueSize = Code(rawValue: MDB_BAD_VALSIZE)

        /// The code's name and number, e.g. `MDB_MAP_FULL(-30792)`.
        public var description: String {
            let names: [Int32: String] = [
                MDB_KEYEXIST: "MDB_KEYEXIST", MDB_NOTFOUND: "MDB_NOTFOUND", MDB_MAP_FULL: "MDB_MAP_FULL",
                MDB_MAP_RESIZED: "MDB_MAP_RESIZED", MDB_INVALID: "MDB_INVALID", MDB_CORRUPTED: "MDB_CORRUPTED",
                MDB_DBS_FULL: "MDB_DBS_FULL", MDB_VERSION_MISMATCH: "MDB_VERSION_MISMATCH", MDB_TXN_FULL: "MDB_TXN_FULL",
                MDB_BAD_VALSIZE: "MDB_BAD_VALSIZE", 28: "ENOSPC", 13: "EACCES", -1_000_001: "MAP_LIMIT_REACHED",
                -1_000_002: "ALREADY_OPEN", -1_000_003: "CLOSED",
            ]
            return "\(names[rawValue] ?? "code")(\(rawValue))"
        }
    }

    /// The result code.
    public let code: Code
    /// `mdb_strerror`'s text for the code (or ours for codes of this layer).
    public let message: String
    /// What the storage layer was doing, with the path or table involved.
    public let context: String

    /// Creates an error from a code, reading its text from `mdb_strerror`.
    public init(code: Int32, context: String) {
        self.code = Code(rawValue: code)
        if let text = mdb_strerror(code) {
            self.message = String(cString: text)
        } else {
            self.message = "unknown error \(code)"
        }
        self.context = context
    }

    /// Creates an error of this layer's own with an explicit message.
    public init(code: Code, message: String, context: String) {
        self.code = code
        self.message = message
        self.context = context
    }

    /// One line: what was being done, the text, and the code.
    public var description: String { "\(context): \(message) (code \(code.rawValue))" }

    /// A file that is not LMDB's, is corrupted or of another LMDB version is an `integrity`
    /// failure; every other code (a full disk, a map at its limit, I/O) is a `storage` failure.
    public var failure: Failure {
        let integrity = code == .corrupted || code == .invalid || code == .versionMismatch
        return integrity
            ? Failure(.integrity, code: "integrity", message: description)
            : Failure(.storage, code: "storage", message: description)
    }
}

@inlinable @inline(__always)
func check(_ rc: Int32, _ context: @autoclosure () -> String) throws(StorageError) {
    if rc != 0 { throw StorageError(code: rc, context: context()) }
}
