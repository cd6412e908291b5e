import Foundation

/// Appends big-endian integers, varints and length-prefixed bytes to a growing buffer.
///
/// The stored formats (`Schemas/storage-format.md`) are built with it: fixed-width integers are
/// big-endian so that keys sort in numeric order.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public var bytes: [UInt8]

    /// Creates an empty writer with room for `capacity` bytes.
    @inlinable public init(capacity: Int = 128) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Empties the writer, keeping its storage for reuse.
    @inlinable public mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    /// Appends one byte.
    @inlinable public mutating func write(_ byte: UInt8) { bytes.append(byte) }

    /// Appends raw bytes.
    @inlinable public mutating func write<C: Collection>(contentsOf data: C) where C.Element == UInt8 { bytes.append(contentsOf: data) }

    /// Appends `value` as 8 big-endian bytes.
    @inlinable public mutating func write(bigEndian value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends `value` as 4 big-endian bytes.
    @inlinable public mutating func write(bigEndian value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends `value` as 2 big-endian bytes.
    @inlinable public mutating func write(bigEndian value: UInt16) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends `value` as a LEB128 varint (7 bits a byte, low first).
    @inlinable public mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Appends `value` zigzag-encoded as a varint, so small negative numbers stay small.
    @inlinable public mutating func writeSignedVarint(_ value: Int64) {
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// Appends a varint length followed by the bytes.
    @inlinable public mutating func writeLengthPrefixed<C: Collection>(_ data: C) where C.Element == UInt8 {
        writeVarint(UInt64(data.count))
        bytes.append(contentsOf: data)
    }

    /// Appends a string as a varint length followed by its UTF-8 bytes.
    @inlinable public mutating func writeString(_ string: String) {
        var s = string
        s.withUTF8 { writeLengthPrefixed($0) }
    }

    /// Appends the 16 bytes of a UUID.
    @inlinable public mutating func write(uuid: UUID) {
        withUnsafeBytes(of: uuid.uuid) { bytes.append(contentsOf: $0) }
    }

    /// Overwrites 4 bytes at `offset` with `value`, big-endian.
    @usableFromInline mutating func patch(bigEndian value: UInt32, at offset: Int) {
        withUnsafeBytes(of: value.bigEndian) { raw in
            for i in 0..<4 { bytes[offset + i] = raw[i] }
        }
    }
}
