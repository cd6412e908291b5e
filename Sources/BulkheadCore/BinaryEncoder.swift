import Foundation

/// Encodes `Encodable` values into Bulkhead's compact stored form.
///
/// Fields are written in declaration order without names (the event type and its schema
/// version say which fields come); integers as varints, strings and arrays with a length
/// prefix, UUIDs as 16 bytes, dates as microseconds since 1970, optionals with a presence
/// byte, enums with associated values with their case name. `Schemas/storage-format.md`
/// describes the bytes. Dictionaries are refused: their order is not stable.
///
/// ```swift
/// let bytes = try BinaryEncoder.encode(ProjectCreated(...))
/// let event = try BinaryDecoder.decode(ProjectCreated.self, from: bytes)
/// ```
public enum BinaryEncoder {
    /// Encodes `value`.
    /// - Throws: `EncodingError` for a dictionary or a nil outside a struct field.
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = _BinaryEncoder()
        try encoder.encodeValue(value)
        return encoder.writer.bytes
    }

    /// Appends the encoding of `value` to `writer`.
    public static func encode<T: Encodable>(_ value: T, into writer: inout ByteWriter) throws {
        let encoder = _BinaryEncoder()
        swap(&encoder.writer, &writer)
        defer { swap(&encoder.writer, &writer) }
        try encoder.encodeValue(value)
    }
}

final class _BinaryEncoder: Encoder {
    var writer = ByteWriter()
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func encodeValue<T: Encodable>(_ value: T) throws {
        // Dictionaries and sets have no stable order: a positional form cannot store them so that
        // equal values give equal bytes. Refuse them loudly rather than store them unstably.
        if value is any UnorderedCollection {
            throw EncodingError.invalidValue(
                value, .init(codingPath: codingPath, debugDescription: "\(T.self) has no stable order; the binary form takes arrays (of pairs) instead"))
        }
        switch value {
        case let uuid as UUID: writer.write(uuid: uuid)
        case let date as Date: writer.writeDate(date)
        case let string as String: writer.writeString(string)
        case let int as Int: writer.writeSignedVarint(Int64(int))
        case let bool as Bool: writer.write(bool ? 1 : 0)
        default: try value.encode(to: self)
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedContainer<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedContainer(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleContainer(encoder: self)
    }

    struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: _BinaryEncoder
        var codingPath: [any CodingKey] { encoder.codingPath }

        mutating func encodeNil(forKey key: Key) throws {
            throw EncodingError.invalidValue(
                Optional<Int>.none as Any, .init(codingPath: codingPath + [key], debugDescription: "nil is only stored for optional fields"))
        }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            encoder.codingPath.append(key)
            defer { encoder.codingPath.removeLast() }
            try encoder.encodeValue(value)
        }
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            try writeOptional(value, forKey: key)
        }
        private mutating func writeOptional<T: Encodable>(_ value: T?, forKey key: Key) throws {
            guard let value else {
                encoder.writer.write(0)
                return
            }
            encoder.writer.write(1)
            try encode(value, forKey: key)
        }
        // Every optional carries a presence byte; the standard library's defaults for these
        // overloads would write nothing for nil, so each is routed through the generic one.
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try writeOptional(value, forKey: key) }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try writeOptional(value, forKey: key) }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try writeOptional(value, forKey: key) }
        mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try writeOptional(value, forKey: key) }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try writeOptional(value, forKey: key) }
        mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try writeOptional(value, forKey: key) }
        mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try writeOptional(value, forKey: key) }
        mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try writeOptional(value, forKey: key) }
        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try writeOptional(value, forKey: key) }
        mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try writeOptional(value, forKey: key) }
        mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try writeOptional(value, forKey: key) }
        mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try writeOptional(value, forKey: key) }
        mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try writeOptional(value, forKey: key) }
        mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try writeOptional(value, forKey: key) }
        mutating func encode(_ value: String, forKey key: Key) throws { encoder.writer.writeString(value) }
        mutating func encode(_ value: Int, forKey key: Key) throws { encoder.writer.writeSignedVarint(Int64(value)) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { encoder.writer.write(value ? 1 : 0) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            // Enums with associated values open one nested container named after their case:
            // the name is what tells the decoder which case follows.
            encoder.writer.writeString(key.stringValue)
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(encoder: encoder))
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            UnkeyedContainer(encoder: encoder)
        }
        mutating func superEncoder() -> any Encoder { encoder }
        mutating func superEncoder(forKey key: Key) -> any Encoder { encoder }
    }

    struct UnkeyedContainer: UnkeyedEncodingContainer {
        let encoder: _BinaryEncoder
        let countOffset: Int
        private(set) var count = 0
        var codingPath: [any CodingKey] { encoder.codingPath }

        init(encoder: _BinaryEncoder) {
            self.encoder = encoder
            // The element count is not known up front: reserve 4 bytes and patch them per element.
            countOffset = encoder.writer.bytes.count
            encoder.writer.write(bigEndian: UInt32(0))
        }
        mutating func bump() {
            count += 1
            encoder.writer.patch(bigEndian: UInt32(count), at: countOffset)
        }
        mutating func encodeNil() throws {
            throw EncodingError.invalidValue(
                Optional<Int>.none as Any, .init(codingPath: codingPath, debugDescription: "nil elements are not supported by the binary form"))
        }
        mutating func encode<T: Encodable>(_ value: T) throws {
            try encoder.encodeValue(value)
            bump()
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            bump()
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(encoder: encoder))
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            bump()
            return UnkeyedContainer(encoder: encoder)
        }
        mutating func superEncoder() -> any Encoder { encoder }
    }

    struct SingleContainer: SingleValueEncodingContainer {
        let encoder: _BinaryEncoder
        var codingPath: [any CodingKey] { encoder.codingPath }
        mutating func encodeNil() throws {
            throw EncodingError.invalidValue(
                Optional<Int>.none as Any, .init(codingPath: codingPath, debugDescription: "nil is only stored for optional fields"))
        }
        mutating func encode(_ value: Bool) throws { encoder.writer.write(value ? 1 : 0) }
        mutating func encode(_ value: String) throws { encoder.writer.writeString(value) }
        mutating func encode(_ value: Double) throws { encoder.writer.write(bigEndian: value.bitPattern) }
        mutating func encode(_ value: Float) throws { encoder.writer.write(bigEndian: value.bitPattern) }
        mutating func encode(_ value: Int) throws { encoder.writer.writeSignedVarint(Int64(value)) }
        mutating func encode(_ value: Int8) throws { encoder.writer.writeSignedVarint(Int64(value)) }
        mutating func encode(_ value: Int16) throws { encoder.writer.writeSignedVarint(Int64(value)) }
        mutating func encode(_ value: Int32) throws { encoder.writer.writeSignedVarint(Int64(value)) }
        mutating func encode(_ value: Int64) throws { encoder.writer.writeSignedVarint(value) }
        mutating func encode(_ value: UInt) throws { encoder.writer.writeVarint(UInt64(value)) }
        mutating func encode(_ value: UInt8) throws { encoder.writer.writeVarint(UInt64(value)) }
        mutating func encode(_ value: UInt16) throws { encoder.writer.writeVarint(UInt64(value)) }
        mutating func encode(_ value: UInt32) throws { encoder.writer.writeVarint(UInt64(value)) }
        mutating func encode(_ value: UInt64) throws { encoder.writer.writeVarint(value) }
        mutating func encode<T: Encodable>(_ value: T) throws { try encoder.encodeValue(value) }
    }
}

/// Collections without a stable element order, which the binary form refuses.
protocol UnorderedCollection {}
extension Dictionary: UnorderedCollection {}
extension Set: UnorderedCollection {}
