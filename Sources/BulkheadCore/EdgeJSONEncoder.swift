import Foundation

/// The JSON encoder of every edge (CLI output, HTTP answers, replayed envelopes): a `JSONEncoder`
/// whose output has one canonical form of UUID, lower case, wherever the UUID sits (a `UUID`
/// field, a ``TenantID``, an optional, an array or a dictionary value).
///
/// `JSONEncoder` has no UUID strategy and writes `uuidString` (upper case); this encoder hands it
/// every value through a proxy `Encoder` that writes each `UUID` as its lowercase text and passes
/// everything else on unchanged, so dates, data and numbers keep the wrapped encoder's strategies.
///
/// ```swift
/// let json = try EdgeJSONEncoder(JSONEncoder()).encode(["id": UUID()])  // {"id":"0f1e…"}
/// ```
public struct EdgeJSONEncoder: Sendable {
    private let encoder: JSONEncoder

    /// Wraps `encoder`; its options (formatting, date strategy, ...) apply unchanged.
    public init(_ encoder: JSONEncoder) { self.encoder = encoder }

    /// Encodes `value` as JSON, UUIDs in lower case.
    ///
    /// - Throws: `EncodingError` as `JSONEncoder.encode` does.
    public func encode<T: Encodable>(_ value: T) throws -> Data {
        try encoder.encode(LowercaseUUIDs(value))
    }
}

/// A value whose UUIDs are encoded in lower case.
struct LowercaseUUIDs<Value: Encodable>: Encodable {
    let value: Value

    init(_ value: Value) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        if Value.self == UUID.self, let uuid = value as? UUID {
            var container = encoder.singleValueContainer()
            try container.encode(uuid.uuidString.lowercased())
        } else {
            try value.encode(to: LowercaseUUIDEncoder(base: encoder))
        }
    }

    /// Whether the base encoder should get a value of type `T` itself: a type it treats specially
    /// (dates, data, URLs, decimals), none of which holds a UUID.
    @inline(__always)
    static func passesThrough<T>(_ type: T.Type) -> Bool {
        T.self == Date.self || T.self == Data.self || T.self == URL.self || T.self == Decimal.self
    }
}

/// Forwards to a base encoder, wrapping every nested value in ``LowercaseUUIDs``.
struct LowercaseUUIDEncoder: Encoder {
    let base: any Encoder

    var codingPath: [any CodingKey] { base.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedProxy(base: base.container(keyedBy: type)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedProxy(base: base.unkeyedContainer())
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueProxy(base: base.singleValueContainer())
    }
}

/// A keyed container that lowers the case of UUIDs encoded in it.
struct KeyedProxy<Key: CodingKey>: KeyedEncodingContainerProtocol {
    var base: KeyedEncodingContainer<Key>

    var codingPath: [any CodingKey] { base.codingPath }

    mutating func encodeNil(forKey key: Key) throws { try base.encodeNil(forKey: key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: String, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try base.encode(value, forKey: key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        // Comparing metatypes first keeps the dynamic cast off every non-UUID value.
        if T.self == UUID.self, let uuid = value as? UUID {
            try base.encode(uuid.uuidString.lowercased(), forKey: key)
        } else if LowercaseUUIDs<T>.passesThrough(T.self) {
            try base.encode(value, forKey: key)
        } else {
            try base.encode(LowercaseUUIDs(value), forKey: key)
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(KeyedProxy<NestedKey>(base: base.nestedContainer(keyedBy: keyType, forKey: key)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        UnkeyedProxy(base: base.nestedUnkeyedContainer(forKey: key))
    }

    mutating func superEncoder() -> any Encoder { LowercaseUUIDEncoder(base: base.superEncoder()) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        LowercaseUUIDEncoder(base: base.superEncoder(forKey: key))
    }
}

/// An unkeyed container that lowers the case of UUIDs encoded in it.
struct UnkeyedProxy: UnkeyedEncodingContainer {
    var base: any UnkeyedEncodingContainer

    var codingPath: [any CodingKey] { base.codingPath }
    var count: Int { base.count }

    mutating func encodeNil() throws { try base.encodeNil() }
    mutating func encode(_ value: Bool) throws { try base.encode(value) }
    mutating func encode(_ value: String) throws { try base.encode(value) }
    mutating func encode(_ value: Double) throws { try base.encode(value) }
    mutating func encode(_ value: Float) throws { try base.encode(value) }
    mutating func encode(_ value: Int) throws { try base.encode(value) }
    mutating func encode(_ value: Int8) throws { try base.encode(value) }
    mutating func encode(_ value: Int16) throws { try base.encode(value) }
    mutating func encode(_ value: Int32) throws { try base.encode(value) }
    mutating func encode(_ value: Int64) throws { try base.encode(value) }
    mutating func encode(_ value: UInt) throws { try base.encode(value) }
    mutating func encode(_ value: UInt8) throws { try base.encode(value) }
    mutating func encode(_ value: UInt16) throws { try base.encode(value) }
    mutating func encode(_ value: UInt32) throws { try base.encode(value) }
    mutating func encode(_ value: UInt64) throws { try base.encode(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        if T.self == UUID.self, let uuid = value as? UUID {
            try base.encode(uuid.uuidString.lowercased())
        } else if LowercaseUUIDs<T>.passesThrough(T.self) {
            try base.encode(value)
        } else {
            try base.encode(LowercaseUUIDs(value))
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(KeyedProxy<NestedKey>(base: base.nestedContainer(keyedBy: keyType)))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedProxy(base: base.nestedUnkeyedContainer())
    }

    mutating func superEncoder() -> any Encoder { LowercaseUUIDEncoder(base: base.superEncoder()) }
}

/// A single-value container that lowers the case of a UUID encoded in it.
struct SingleValueProxy: SingleValueEncodingContainer {
    var base: any SingleValueEncodingContainer

    var codingPath: [any CodingKey] { base.codingPath }

    mutating func encodeNil() throws { try base.encodeNil() }
    mutating func encode(_ value: Bool) throws { try base.encode(value) }
    mutating func encode(_ value: String) throws { try base.encode(value) }
    mutating func encode(_ value: Double) throws { try base.encode(value) }
    mutating func encode(_ value: Float) throws { try base.encode(value) }
    mutating func encode(_ value: Int) throws { try base.encode(value) }
    mutating func encode(_ value: Int8) throws { try base.encode(value) }
    mutating func encode(_ value: Int16) throws { try base.encode(value) }
    mutating func encode(_ value: Int32) throws { try base.encode(value) }
    mutating func encode(_ value: Int64) throws { try base.encode(value) }
    mutating func encode(_ value: UInt) throws { try base.encode(value) }
    mutating func encode(_ value: UInt8) throws { try base.encode(value) }
    mutating func encode(_ value: UInt16) throws { try base.encode(value) }
    mutating func encode(_ value: UInt32) throws { try base.encode(value) }
    mutating func encode(_ value: UInt64) throws { try base.encode(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        if T.self == UUID.self, let uuid = value as? UUID {
            try base.encode(uuid.uuidString.lowercased())
        } else if LowercaseUUIDs<T>.passesThrough(T.self) {
            try base.encode(value)
        } else {
            try base.encode(LowercaseUUIDs(value))
        }
    }
}
