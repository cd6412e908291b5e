import Foundation

/// The identity of a tenant: a UUID, never a slug or a display name.
///
/// There is no default tenant: no API takes an optional `TenantID` where a tenant is needed,
/// and no parameter of this type has a default value.
public struct TenantID: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    /// The tenant's UUID.
    public let uuid: UUID

    /// Wraps a UUID.
    public init(_ uuid: UUID) { self.uuid = uuid }

    /// Parses the canonical UUID text, or returns `nil`.
    public init?(_ text: String) {
        guard let uuid = UUID(uuidString: text) else { return nil }
        self.uuid = uuid
    }

    /// A fresh random tenant id.
    public static func random() -> TenantID { TenantID(UUID()) }

    /// The lowercase UUID text, which is also the tenant's directory name.
    public var description: String { uuid.uuidString.lowercased() }

    /// Orders by the UUID's text.
    public static func < (a: TenantID, b: TenantID) -> Bool { a.description < b.description }

    /// Decodes from the UUID text.
    public init(from decoder: any Decoder) throws {
        self.uuid = try decoder.singleValueContainer().decode(UUID.self)
    }

    /// Encodes the UUID: 16 bytes in the binary format; at the JSON edges (``EdgeJSONEncoder``)
    /// the same lowercase text as ``description``, so every output shows one form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(uuid)
    }
}
