import Foundation

/// Decodes what ``BinaryEncoder`` wrote. Truncated or trailing bytes, invalid UTF-8, an
/// out-of-range integer or an unknown enum case are errors naming the field: a missing field
/// is never a silent zero or empty value.
public enum BinaryDecoder {
    /// Decodes a `T` from all of `bytes`.
    /// - Throws: `DecodingError.dataCorrupted` naming the field and the reason.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer) throws -> T {
        let decoder = _BinaryDecoder(reader: ByteReader(bytes))
        let value = try decoder.decodeValue(T.self)
        guard decoder.reader.isAtEnd else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: [], debugDescription: "\(decoder.reader.remaining) unexpected bytes after \(T.self)"))
        }
        return value
    }

    /// Decodes a `T` from all of `bytes`.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try bytes.withUnsafeBytes { try decode(type, from: $0) }
    }
}

final class _BinaryDecoder: Decoder {
    var reader: ByteReader
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(reader: ByteReader) { self.reader = reader }

    func fail(_ error: ByteFormatError) -> DecodingError {
        DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: error.description))
    }

    func read<R>(_ body: (inout ByteReader) throws(ByteFormatError) -> R) throws -> R {
        do { return try body(&reader) } catch { throw fail(error) }
    }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == UUID.self { return try cast(read { r throws(ByteFormatError) in try r.readUUID() }) }
        if T.self == String.self { return try cast(read { r throws(ByteFormatError) in try r.readString() }) }
        if T.self == Int.self { return try cast(int(Int.self)) }
        if T.self == Date.self {
            let micros = try read { r throws(ByteFormatError) in try r.readSignedVarint("a date") }
            return try cast(Date(timeIntervalSince1970: Double(micros) / 1_000_000))
        }
        if T.self == Bool.self { return try cast(bool()) }
        return try T(from: self)
    }

    private func cast<T>(_ value: Any) throws -> T {
        guard let typed = value as? T else {
            throw DecodingError.typeMismatch(T.self, .init(codingPath: codingPath, debugDescription: "expected \(T.self)"))
        }
        return typed
    }

    func bool() throws -> Bool {
        let byte = try read { r throws(ByteFormatError) in try r.readByte("a bool") }
        switch byte {
        case 0: return false
        case 1: return true
        default: throw fail(ByteFormatError(reason: "a bool must be 0 or 1, found \(byte)", offset: reader.offset - 1))
        }
    }

    func int<I: FixedWidthInteger & SignedInteger>(_ type: I.Type) throws -> I {
        let raw = try read { r throws(ByteFormatError) in try r.readSignedVarint() }
        guard let value = I(exactly: raw) else {
            throw fail(ByteFormatError(reason: "\(raw) does not fit \(I.self)", offset: reader.offset))
        }
        return value
    }

    func uint<I: FixedWidthInteger & UnsignedInteger>(_ type: I.Type) throws -> I {
        let raw = try read { r throws(ByteFormatError) in try r.readVarint() }
        guard let value = I(exactly: raw) else {
            throw fail(ByteFormatError(reason: "\(raw) does not fit \(I.self)", offset: reader.offset))
        }
        return value
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(KeyedContainer<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try UnkeyedContainer(decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleContainer(decoder: self)
    }

    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoder: _BinaryDecoder
        var codingPath: [any CodingKey] { decoder.codingPath }

        /// Only enums with associated values ask this: the next string names their case.
        var allKeys: [Key] {
            var peek = decoder.reader
            guard let name = try? peek.readString(), let key = Key(stringValue: name) else { return [] }
            return [key]
        }

        func contains(_ key: Key) -> Bool { true }

        /// Reads an optional field's presence byte: the standard library's `decodeIfPresent`
        /// overloads call this before decoding the value.
        func decodeNil(forKey key: Key) throws -> Bool {
            decoder.codingPath.append(key)
            defer { decoder.codingPath.removeLast() }
            return try !decoder.bool()
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            decoder.codingPath.append(key)
            defer { decoder.codingPath.removeLast() }
            return try decoder.decodeValue(T.self)
        }

        func decode(_ type: String.Type, forKey key: Key) throws -> String {
            try decoder.read { r throws(ByteFormatError) in try r.readString(key.stringValue) }
        }

        func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
            decoder.codingPath.append(key)
            defer { decoder.codingPath.removeLast() }
            return try decoder.int(Int.self)
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            decoder.codingPath.append(key)
            defer { decoder.codingPath.removeLast() }
            let present = try decoder.bool()
            return present ? try decoder.decodeValue(T.self) : nil
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            let name = try decoder.read { r throws(ByteFormatError) in try r.readString("a case name") }
            guard name == key.stringValue else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [key], debugDescription: "expected case \(key.stringValue), found \(name)"))
            }
            return KeyedDecodingContainer(KeyedContainer<NestedKey>(decoder: decoder))
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try UnkeyedContainer(decoder: decoder)
        }

        func superDecoder() throws -> any Decoder { decoder }
        func superDecoder(forKey key: Key) throws -> any Decoder { decoder }
    }

    struct UnkeyedContainer: UnkeyedDecodingContainer {
        let decoder: _BinaryDecoder
        let count: Int?
        var currentIndex = 0
        var codingPath: [any CodingKey] { decoder.codingPath }
        var isAtEnd: Bool { currentIndex >= (count ?? 0) }

        init(decoder: _BinaryDecoder) throws {
            self.decoder = decoder
            let n = try decoder.read { r throws(ByteFormatError) in try r.readUInt32("an element count") }
            // Elements take at least one byte, except values without fields: a count far beyond the
            // remaining bytes is corrupt, and refusing it keeps a forged count from looping for long.
            guard Int(n) <= decoder.reader.remaining + 65_536 else {
                throw decoder.fail(ByteFormatError(reason: "element count \(n) exceeds the \(decoder.reader.remaining) bytes left", offset: decoder.reader.offset))
            }
            count = Int(n)
        }

        mutating func decodeNil() throws -> Bool { false }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(T.self, .init(codingPath: codingPath, debugDescription: "no element \(currentIndex) in an array of \(count ?? 0)"))
            }
            currentIndex += 1
            return try decoder.decodeValue(T.self)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            currentIndex += 1
            return KeyedDecodingContainer(KeyedContainer<NestedKey>(decoder: decoder))
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            currentIndex += 1
            return try UnkeyedContainer(decoder: decoder)
        }

        mutating func superDecoder() throws -> any Decoder { decoder }
    }

    struct SingleContainer: SingleValueDecodingContainer {
        let decoder: _BinaryDecoder
        var codingPath: [any CodingKey] { decoder.codingPath }
        func decodeNil() -> Bool { false }
        func decode(_ type: Bool.Type) throws -> Bool { try decoder.bool() }
        func decode(_ type: String.Type) throws -> String { try decoder.read { r throws(ByteFormatError) in try r.readString() } }
        func decode(_ type: Double.Type) throws -> Double { Double(bitPattern: try decoder.read { r throws(ByteFormatError) in try r.readUInt64("a double") }) }
        func decode(_ type: Float.Type) throws -> Float { Float(bitPattern: try decoder.read { r throws(ByteFormatError) in try r.readUInt32("a float") }) }
        func decode(_ type: Int.Type) throws -> Int { try decoder.int(Int.self) }
        func decode(_ type: Int8.Type) throws -> Int8 { try decoder.int(Int8.self) }
        func decode(_ type: Int16.Type) throws -> Int16 { try decoder.int(Int16.self) }
        func decode(_ type: Int32.Type) throws -> Int32 { try decoder.int(Int32.self) }
        func decode(_ type: Int64.Type) throws -> Int64 { try decoder.int(Int64.self) }
        func decode(_ type: UInt.Type) throws -> UInt { try decoder.uint(UInt.self) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.uint(UInt8.self) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.uint(UInt16.self) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.uint(UInt32.self) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.uint(UInt64.self) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(T.self) }
    }
}
