import BulkheadCore
import Foundation

/// A signed answer to an applied command: "tenant T's log holds this command's events at positions
/// F to L, and the hash at L is H", signed with the key whose id it names. A client keeps it; later
/// it proves what the log held, even against someone who rewrote the log and recomputed every hash.
///
/// The signed bytes (``signedBytes``) are, in order (`Schemas/storage-format.md`, Receipts): the
/// 19 ASCII bytes `bulkhead.receipt.v1`, the tenant `uuid` (16), the first and the last position
/// (`u64` each), the hash at the last position (32), the time recorded on the events (`i64`,
/// microseconds since 1970), the key id (32).
public struct Receipt: Sendable, Equatable {
    /// The domain-separation prefix of the signed bytes.
    public static let prefix = Array("bulkhead.receipt.v1".utf8)

    /// The tenant.
    public let tenant: TenantID
    /// The command's first position.
    public let firstPosition: UInt64
    /// Its last position.
    public let lastPosition: UInt64
    /// The hash at `lastPosition`: the head right after the command.
    public let headHash: [UInt8]
    /// The time recorded on the events, in microseconds since 1970.
    public let recordedAtMicros: Int64
    /// The id of the key that signed it.
    public let keyID: [UInt8]
    /// The Ed25519 signature of ``signedBytes``.
    public let signature: [UInt8]

    /// Signs a receipt with `key`.
    public init(tenant: TenantID, positions: ClosedRange<UInt64>, headHash: [UInt8], recordedAtMicros: Int64,
                key: SigningKey) throws {
        self.tenant = tenant
        self.firstPosition = positions.lowerBound
        self.lastPosition = positions.upperBound
        self.headHash = headHash
        self.recordedAtMicros = recordedAtMicros
        self.keyID = key.keyID
        self.signature = try key.sign(Self.signedBytes(
            tenant, firstPosition, lastPosition, headHash, recordedAtMicros, key.keyID))
    }

    /// The bytes the signature covers.
    public var signedBytes: [UInt8] {
        Self.signedBytes(tenant, firstPosition, lastPosition, headHash, recordedAtMicros, keyID)
    }

    static func signedBytes(_ tenant: TenantID, _ first: UInt64, _ last: UInt64, _ hash: [UInt8], _ time: Int64,
                            _ keyID: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: 131)
        w.write(contentsOf: prefix)
        w.write(uuid: tenant.uuid)
        w.write(bigEndian: first)
        w.write(bigEndian: last)
        w.write(contentsOf: hash)
        w.write(bigEndian: UInt64(bitPattern: time))
        w.write(contentsOf: keyID)
        return w.bytes
    }

    /// The JSON form, as command answers carry it (`receipt`): bytes as lowercase hexadecimal.
    public var json: JSON {
        JSON(tenant: tenant.description, firstPosition: firstPosition, lastPosition: lastPosition,
             headHash: headHash.hexString, recordedAtMicros: recordedAtMicros, keyId: keyID.hexString,
             signature: signature.hexString)
    }

    /// The JSON form of a receipt.
    public struct JSON: Codable, Sendable, Equatable {
        /// The tenant's UUID.
        public let tenant: String
        /// The first position.
        public let firstPosition: UInt64
        /// The last position.
        public let lastPosition: UInt64
        /// The hash at the last position.
        public let headHash: String
        /// Microseconds since 1970.
        public let recordedAtMicros: Int64
        /// The signing key's id.
        public let keyId: String
        /// The signature, 64 bytes.
        public let signature: String
    }
}
