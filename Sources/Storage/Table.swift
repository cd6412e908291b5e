import CLMDB

/// A named table (an LMDB named database) of an ``Environment``.
///
/// Keys sort as raw bytes, so fixed-width big-endian integers sort in numeric order.
/// A table handle is valid for the environment that opened it.
public struct Table: Hashable, Sendable, CustomStringConvertible {
    @usableFromInline let dbi: MDB_dbi
    /// The table's name within its environment.
    public let name: String

    @usableFromInline init(dbi: MDB_dbi, name: String) {
        self.dbi = dbi
        self.name = name
    }

    /// The table's name.
    public var description: String { name }
}

/// Flags of a put.
public struct PutFlags: OptionSet, Sendable {
    /// The raw LMDB flags.
    public let rawValue: UInt32
    /// Creates flags from raw LMDB flags.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Refuse to overwrite an existing key (``StorageError/Code/keyExists``).
    public static let noOverwrite = PutFlags(rawValue: UInt32(MDB_NOOVERWRITE))
    /// The key sorts after every key in the table: LMDB appends without a search
    /// (``StorageError/Code/keyExists`` when it does not).
    public static let append = PutFlags(rawValue: UInt32(MDB_APPEND))
}

/// Counts of a table.
public struct TableStatistics: Sendable {
    /// Number of entries.
    public let entries: Int
    /// Pages in use (branch, leaf and overflow).
    public let pages: Int
    /// Page size in bytes.
    public let pageSize: Int
    /// Bytes in use by the table's pages.
    public var bytes: Int { pages * pageSize }
}
