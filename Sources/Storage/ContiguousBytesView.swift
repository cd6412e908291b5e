import Foundation

/// Something whose bytes can be lent as a contiguous buffer: keys and values handed to
/// ``WriteTransaction/put(_:key:value:flags:)`` and lookups.
///
/// The conformances are `@inlinable` so that a caller's `put` or `withValue`, specialised for
/// its key type, lends the bytes without a dynamic call per key.
public protocol ContiguousBytesView {
    /// Calls `body` with the bytes.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: ContiguousBytesView where Element == UInt8 {
    /// Calls `body` with the array's bytes.
    @inlinable
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(body)
    }
}

extension ArraySlice: ContiguousBytesView where Element == UInt8 {
    /// Calls `body` with the slice's bytes.
    @inlinable
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(body)
    }
}

extension UnsafeRawBufferPointer: ContiguousBytesView {
    /// Calls `body` with these bytes.
    @inlinable
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(self)
    }
}

extension String: ContiguousBytesView {
    /// Calls `body` with the string's UTF-8 bytes.
    @inlinable
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var copy = self
        return try copy.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
}

/// A key of up to 32 bytes held inline (no heap allocation), for fixed-width keys built per
/// entry on hot paths: a position, a UUID, a stream hash and a version.
///
/// ```swift
/// var key = InlineKey()
/// key.append(bigEndian: position)
/// try tx.put(log, key: key, value: record)
/// ```
public struct InlineKey: ContiguousBytesView, Sendable {
    @usableFromInline var storage: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    @usableFromInline var used: Int = 0

    /// How many bytes have been appended.
    @inlinable public var count: Int { used }

    /// The largest key it holds.
    public static let capacity = 32

    /// An empty key.
    @inlinable public init() {}

    /// A key of `value` as 8 big-endian bytes.
    @inlinable public init(bigEndian value: UInt64) {
        append(bigEndian: value)
    }

    /// Appends `value` as 8 big-endian bytes.
    @inlinable public mutating func append(bigEndian value: UInt64) {
        append(bytesOf: value.bigEndian)
    }

    /// Appends `value` as 4 big-endian bytes.
    @inlinable public mutating func append(bigEndian value: UInt32) {
        append(bytesOf: value.bigEndian)
    }

    /// Appends raw bytes.
    ///
    /// Appending past ``capacity`` is a programmer error (keys here are fixed-width).
    @inlinable public mutating func append(contentsOf bytes: UnsafeRawBufferPointer) {
        precondition(count + bytes.count <= Self.capacity, "an InlineKey holds at most \(Self.capacity) bytes")
        let at = used
        Swift.withUnsafeMutableBytes(of: &storage) { out in
            UnsafeMutableRawBufferPointer(rebasing: out[at..<(at + bytes.count)]).copyMemory(from: bytes)
        }
        used += bytes.count
    }

    /// Appends the bytes of a trivial value as they lie in memory.
    @inlinable public mutating func append<T: BitwiseCopyable>(bytesOf value: T) {
        Swift.withUnsafeBytes(of: value) { append(contentsOf: $0) }
    }

    /// Calls `body` with the key's bytes.
    @inlinable
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: storage) { try body(UnsafeRawBufferPointer(rebasing: $0[..<used])) }
    }

    /// The key's bytes, copied into an array.
    public var bytes: [UInt8] { withBytes { Array($0) } }
}

extension UnsafeRawBufferPointer {
    /// Orders two byte strings as LMDB's default comparison does (`memcmp`, then the shorter
    /// first): negative, zero or positive. Used where cursors of two tables are walked side by
    /// side, where a generic element-by-element comparison costs a call per byte.
    @inlinable
    public func compareBytes(_ other: UnsafeRawBufferPointer) -> Int {
        let common = Swift.min(count, other.count)
        if common > 0, let a = baseAddress, let b = other.baseAddress {
            let order = memcmp(a, b, common)
            if order != 0 { return Int(order) }
        }
        return count - other.count
    }

    /// Whether both hold the same bytes.
    @inlinable
    public func sameBytes(_ other: some ContiguousBytesView) -> Bool {
        other.withBytes { count == $0.count && compareBytes($0) == 0 }
    }

    /// Whether these bytes start with `prefix`'s.
    @inlinable
    public func hasBytePrefix(_ prefix: some ContiguousBytesView) -> Bool {
        prefix.withBytes { p in
            p.count <= count && UnsafeRawBufferPointer(rebasing: self[..<p.count]).compareBytes(p) == 0
        }
    }
}
