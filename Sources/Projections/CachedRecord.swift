import BulkheadCore

/// A record kept decoded, in a store's cache or in a rebuild's fold; ``Cached`` knows its type
/// and how to encode it.
class CachedRecord {
    /// The record's type, compared before the object is cast to ``Cached`` of it.
    let type: ObjectIdentifier
    /// Whether the record was set or updated since it was read from the table.
    var changed: Bool
    /// In a fold: the bytes this record was last counted at in the state's estimate, or -1 when
    /// it is not counted (it left the state).
    var counted = 0
    /// In a fold: whether the record changed since it was last counted.
    var uncounted = false

    init(type: ObjectIdentifier, changed: Bool) {
        self.type = type
        self.changed = changed
    }

    var typeName: String { "" }
    /// Whether the record is absent (a removal).
    var isAbsent: Bool { true }
    /// The memory the decoded value takes besides its encoded bytes: the object and the value's
    /// inline layout.
    var inlineBytes: Int { 32 }
    /// Appends the record's bytes; false when the record is absent (its key is removed).
    func write(into writer: inout ByteWriter) -> Bool { false }
}

/// A record of type `T` (``CachedRecord``).
final class Cached<T: BinaryCodable>: CachedRecord {
    var value: T?

    init(_ value: T?, changed: Bool) {
        self.value = value
        super.init(type: ObjectIdentifier(T.self), changed: changed)
    }

    override var typeName: String { "\(T.self)" }

    override var isAbsent: Bool { value == nil }

    override var inlineBytes: Int { 48 + MemoryLayout<T?>.stride }

    override func write(into writer: inout ByteWriter) -> Bool {
        guard let value else { return false }
        value.write(to: &writer)
        return true
    }

    /// `record` as the record of type `T` it must be, or `nil`. The type is compared by identity
    /// and the object then cast without a check: a checked cast to a generic class looks up its
    /// metadata each time, and records are looked up several times per event.
    @inline(__always)
    static func of(_ record: CachedRecord) -> Cached<T>? {
        guard record.type == ObjectIdentifier(T.self) else { return nil }
        return unsafeDowncast(record, to: Cached<T>.self)
    }
}
