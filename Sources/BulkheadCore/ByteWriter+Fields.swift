import Foundation

/// Fields as ``BinaryEncoder`` stores them, written without Codable.
extension ByteWriter {
    /// Appends an `Int` as a zigzag varint.
    @inlinable public mutating func writeInt(_ value: Int) { writeSignedVarint(Int64(value)) }

    /// Appends a bool as one byte, 0 or 1.
    @inlinable public mutating func writeBool(_ value: Bool) { write(value ? 1 : 0) }

    /// Appends a date as a zigzag varint of microseconds since 1970, rounded.
    @inlinable public mutating func writeDate(_ date: Date) {
        writeSignedVarint(Int64((date.timeIntervalSince1970 * 1_000_000).rounded()))
    }

    /// Appends an array's element count: 4 bytes, big-endian.
    @inlinable public mutating func writeCount(_ count: Int) {
        precondition(count <= Int(UInt32.max), "an array of \(count) elements does not fit the binary form")
        write(bigEndian: UInt32(truncatingIfNeeded: count))
    }
}
