import Foundation

/// Why bytes could not be decoded: what was expected, and at which offset.
public struct ByteFormatError: Error, ClassifiedError, CustomStringConvertible, Sendable, Equatable {
    /// What the reader expected or found.
    public let reason: String
    /// The offset in the buffer where decoding failed.
    public let offset: Int
    /// Creates the error.
    public init(reason: String, offset: Int) {
        self.reason = reason
        self.offset = offset
    }
    /// One line naming the reason and offset.
    public var description: String { "\(reason) at byte \(offset)" }
    /// Stored bytes that cannot be read are an integrity failure.
    public var failure: Failure { Failure(.integrity, code: "integrity", message: description) }
}

/// Reads what ``ByteWriter`` wrote from a borrowed buffer, checking every length.
///
/// Truncated input is an error, never a silent zero: a missing field fails decoding.
public struct ByteReader {
    /// The buffer being read; valid only as long as its owner keeps it.
    public let buffer: UnsafeRawBufferPointer
    /// The offset of the next byte to read.
    public var offset: Int

    /// Starts reading `buffer` at its first byte.
    @inlinable public init(_ buffer: UnsafeRawBufferPointer) {
        self.buffer = buffer
        self.offset = 0
    }

    /// Whether every byte has been read.
    @inlinable public var isAtEnd: Bool { offset == buffer.count }
    /// How many bytes remain.
    @inlinable public var remaining: Int { buffer.count - offset }

    @inlinable @inline(__always)
    mutating func need(_ count: Int, _ what: @autoclosure () -> String) throws(ByteFormatError) {
        if count < 0 || remaining < count {
            throw ByteFormatError(reason: "truncated: \(what()) needs \(count) bytes, \(remaining) left", offset: offset)
        }
    }

    /// Reads one byte.
    @inlinable public mutating func readByte(_ what: @autoclosure () -> String = "a byte") throws(ByteFormatError) -> UInt8 {
        try need(1, what())
        defer { offset += 1 }
        return buffer[offset]
    }

    /// Reads 8 big-endian bytes.
    @inlinable public mutating func readUInt64(_ what: @autoclosure () -> String = "a 64-bit integer") throws(ByteFormatError) -> UInt64 {
        try need(8, what())
        defer { offset += 8 }
        return UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Reads 4 big-endian bytes.
    @inlinable public mutating func readUInt32(_ what: @autoclosure () -> String = "a 32-bit integer") throws(ByteFormatError) -> UInt32 {
        try need(4, what())
        defer { offset += 4 }
        return UInt32(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// Reads 2 big-endian bytes.
    @inlinable public mutating func readUInt16(_ what: @autoclosure () -> String = "a 16-bit integer") throws(ByteFormatError) -> UInt16 {
        try need(2, what())
        defer { offset += 2 }
        return UInt16(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// Reads a LEB128 varint of at most 10 bytes.
    @inlinable public mutating func readVarint(_ what: @autoclosure () -> String = "a varint") throws(ByteFormatError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            try need(1, what())
            let byte = buffer[offset]
            offset += 1
            if shift == 63 && byte > 1 {
                throw ByteFormatError(reason: "\(what()) overflows 64 bits", offset: offset - 1)
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw ByteFormatError(reason: "\(what()) is longer than 10 bytes", offset: offset) }
        }
    }

    /// Reads a zigzag varint.
    @inlinable public mutating func readSignedVarint(_ what: @autoclosure () -> String = "a signed varint") throws(ByteFormatError) -> Int64 {
        let raw = try readVarint(what())
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// Reads `count` bytes without copying; the slice is valid as long as the buffer is.
    @inlinable public mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String = "bytes") throws(ByteFormatError) -> UnsafeRawBufferPointer {
        try need(count, what())
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + count)])
    }

    /// Reads a varint length and that many bytes.
    @inlinable public mutating func readLengthPrefixed(_ what: @autoclosure () -> String = "bytes") throws(ByteFormatError) -> UnsafeRawBufferPointer {
        let count = try readVarint(what())
        guard count <= UInt64(remaining) else {
            throw ByteFormatError(reason: "truncated: \(what()) claims \(count) bytes, \(remaining) left", offset: offset)
        }
        return try readBytes(Int(count), what())
    }

    /// Reads a length-prefixed string, refusing bytes that are not valid UTF-8.
    @inlinable public mutating func readString(_ what: @autoclosure () -> String = "a string") throws(ByteFormatError) -> String {
        let start = offset
        let raw = try readLengthPrefixed(what())
        // ASCII is checked eight bytes at a time and then copied without a second check;
        // `String(validating:as:)` costs a generic metadata lookup per call, more than the copy.
        guard ByteReader.isASCII(raw) else {
            guard let string = ByteReader.decodeStrictly(raw) else {
                throw ByteFormatError(reason: "\(what()) is not valid UTF-8", offset: start)
            }
            return string
        }
        return String(decoding: raw, as: UTF8.self)
    }

    /// Reads a length-prefixed string's UTF-8 bytes without making a `String`, refusing bytes
    /// that are not valid UTF-8; the slice is valid as long as the buffer is.
    @inlinable public mutating func readUTF8(_ what: @autoclosure () -> String = "a string") throws(ByteFormatError) -> UnsafeRawBufferPointer {
        let start = offset
        let raw = try readLengthPrefixed(what())
        guard ByteReader.isValidUTF8(raw) else {
            throw ByteFormatError(reason: "\(what()) is not valid UTF-8", offset: start)
        }
        return raw
    }

    /// Whether `bytes` are valid UTF-8. ASCII, what identifiers and types almost always are, is
    /// checked eight bytes at a time without building a string.
    @inlinable public static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        isASCII(bytes) || decodeStrictly(bytes) != nil
    }

    /// Whether every byte is below 0x80, checked eight bytes at a time.
    @inlinable public static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        var bits: UInt64 = 0
        guard n >= 8 else {
            for i in 0..<n { bits |= UInt64(bytes[i]) }
            return bits & 0x80 == 0
        }
        var i = 0
        while i + 8 <= n {
            bits |= bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        // The last eight bytes, overlapping what was read: no byte-by-byte tail.
        bits |= bytes.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        return bits & 0x8080_8080_8080_8080 == 0
    }

    /// The string `bytes` spell, or `nil` when they are not valid UTF-8.
    ///
    /// Decoding repairs invalid sequences with U+FFFD, which changes the bytes: a string whose
    /// UTF-8 equals the input was valid. (Non-generic, unlike `String(validating:as:)`.)
    @usableFromInline static func decodeStrictly(_ bytes: UnsafeRawBufferPointer) -> String? {
        let string = String(decoding: bytes, as: UTF8.self)
        return string.utf8.elementsEqual(bytes) ? string : nil
    }

    /// Reads 16 bytes as a UUID.
    @inlinable public mutating func readUUID(_ what: @autoclosure () -> String = "a UUID") throws(ByteFormatError) -> UUID {
        let raw = try readBytes(16, what())
        var tuple: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &tuple) { $0.copyMemory(from: raw) }
        return UUID(uuid: tuple)
    }
}
