import Foundation

/// Fields as ``BinaryEncoder`` stores them, written without Codable.
extension ByteWriter {
    /// Appends an `Int` as a zigzag varint.
    @inlinable public mutating func writeInt(_ value: Int) { writeSignedVarint(Int64(value)) }

    /// Appends a bool as one byte, 0 or 1.
    @inlinable public mutating func writeBool(_ value: Bool) { write(value ? 1 : 0) }

    /// Appends a date as a zigzag varint of microseconds since 1970, rounded (clamped to `Int64`,
    /// see ``Foundation/Date/microsecondsSince1970``).
    @inlinable public mutating func writeDate(_ date: Date) {
        writeSignedVarint(date.microsecondsSince1970)
    }

    /// Appends an array's element count: 4 bytes, big-endian.
    @inlinable public mutating func writeCount(_ count: Int) {
        precondition(count <= Int(UInt32.max), "an array of \(count) elements does not fit the binary form")
        write(bigEndian: UInt32(truncatingIfNeeded: count))
    }
}

extension Date {
    /// Microseconds since 1970, rounded: what the binary form stores. A date beyond `Int64`'s
    /// microseconds (about 292,000 years either way; only one read from corrupt bytes can get
    /// there) is clamped to that range instead of trapping, and NaN is 0.
    @inlinable public var microsecondsSince1970: Int64 {
        let micros = (timeIntervalSince1970 * 1_000_000).rounded()
        if micros.isNaN { return 0 }
        if micros >= 9_223_372_036_854_775_808.0 { return .max }  // 2^63: the first Double past Int64.max
        if micros <= -9_223_372_036_854_775_808.0 { return .min }
        return Int64(micros)
    }
}
