import Foundation

/// Fields as ``BinaryEncoder`` stores them, read without Codable: what ``BinaryCodable``
/// conformances are made of. `what` names the field in errors and is only evaluated on failure.
extension ByteReader {
    /// Reads an `Int`: a zigzag varint.
    @inlinable public mutating func readInt(_ what: @autoclosure () -> String = "an integer") throws(ByteFormatError) -> Int {
        let start = offset
        let raw = try readSignedVarint(what())
        guard let value = Int(exactly: raw) else {
            throw ByteFormatError(reason: "\(what()): \(raw) does not fit Int", offset: start)
        }
        return value
    }

    /// Reads an unsigned integer stored as a plain varint (`UInt64`, `UInt32`, ...), refusing a
    /// value that does not fit `type`.
    @inlinable public mutating func readUnsigned<I: FixedWidthInteger & UnsignedInteger>(
        _ type: I.Type, _ what: @autoclosure () -> String = "an unsigned integer"
    ) throws(ByteFormatError) -> I {
        let start = offset
        let raw = try readVarint(what())
        guard let value = I(exactly: raw) else {
            throw ByteFormatError(reason: "\(what()): \(raw) does not fit \(I.self)", offset: start)
        }
        return value
    }

    /// Reads a bool: one byte, 0 or 1.
    @inlinable public mutating func readBool(_ what: @autoclosure () -> String = "a bool") throws(ByteFormatError) -> Bool {
        let byte = try readByte(what())
        guard byte <= 1 else {
            throw ByteFormatError(reason: "\(what()): a bool must be 0 or 1, found \(byte)", offset: offset - 1)
        }
        return byte == 1
    }

    /// Reads an optional's presence byte (0 absent, 1 present; anything else is an error).
    @inlinable public mutating func readPresence(_ what: @autoclosure () -> String = "an optional") throws(ByteFormatError) -> Bool {
        let byte = try readByte(what())
        guard byte <= 1 else {
            throw ByteFormatError(reason: "\(what()): a presence byte must be 0 or 1, found \(byte)", offset: offset - 1)
        }
        return byte == 1
    }

    /// Reads a date: a zigzag varint of microseconds since 1970.
    @inlinable public mutating func readDate(_ what: @autoclosure () -> String = "a date") throws(ByteFormatError) -> Date {
        Date(timeIntervalSince1970: Double(try readSignedVarint(what())) / 1_000_000)
    }

    /// Reads an array's element count: 4 bytes, big-endian. A count beyond the bytes left is
    /// refused before anything is reserved for it: the conformances that call this have elements
    /// of at least one byte (the generator refuses types without stored properties), so such a
    /// count could only end in a truncation error anyway.
    @inlinable public mutating func readCount(_ what: @autoclosure () -> String = "an element count") throws(ByteFormatError) -> Int {
        let count = Int(try readUInt32(what()))
        guard count <= remaining else {
            throw ByteFormatError(reason: "\(what()): element count \(count) exceeds the \(remaining) bytes left", offset: offset)
        }
        return count
    }

    /// Reads a nested value, naming `what` in its errors.
    @inlinable public mutating func read<T: BinaryCodable>(_ type: T.Type, _ what: @autoclosure () -> String) throws(ByteFormatError) -> T {
        do {
            return try T(reading: &self)
        } catch {
            throw error.within(what())
        }
    }

    /// Whether `bytes` spell `text` exactly: how enum raw values are matched without making a
    /// `String`.
    @inlinable public static func equal(_ bytes: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard bytes.count == count else { return false }
        guard count > 0, let base = bytes.baseAddress else { return true }
        return memcmp(base, text.utf8Start, count) == 0
    }
}
