import BulkheadCore
import Foundation

/// A signed statement of a tenant's head: "tenant T's log held hash H at position P at time t",
/// signed with the key whose id it names. Kept in the tenant's `checkpoints` table (outside the
/// log, so positions do not move), checked by `verify`, exported in the manifest.
///
/// The signed bytes (``signedBytes``) are, in order (`Schemas/storage-format.md`, Checkpoints):
/// the 22 ASCII bytes `bulkhead.checkpoint.v2`, the tenant `uuid` (16), the position `u64`, the
/// hash at that position (32), the time `i64` (microseconds since 1970), the key id (32), and the
/// root of the Merkle tree of the first `position` events (32, ``Merkle``). Format 1 (prefix
/// `bulkhead.checkpoint.v1`, no root) is what checkpoints made before the tree existed hold; they
/// still verify.
public struct Checkpoint: Sendable, Equatable {
    /// The domain-separation prefix of the signed bytes (format 2).
    public static let prefix = Array("bulkhead.checkpoint.v2".utf8)
    /// The prefix of format 1, without a Merkle root.
    public static let prefixV1 = Array("bulkhead.checkpoint.v1".utf8)

    /// The tenant.
    public let tenant: TenantID
    /// The position stated (the head when the checkpoint was made).
    public let position: UInt64
    /// The hash at `position`.
    public let headHash: [UInt8]
    /// When it was made, in microseconds since 1970.
    public let timeMicros: Int64
    /// The id of the key that signed it (``SigningKey/keyID(of:)``).
    public let keyID: [UInt8]
    /// The root of the Merkle tree of the first `position` events; `nil` in a format-1 checkpoint.
    public let merkleRoot: [UInt8]?
    /// The Ed25519 signature of ``signedBytes``.
    public let signature: [UInt8]

    /// Signs a checkpoint with `key` (format 2).
    public init(tenant: TenantID, position: UInt64, headHash: [UInt8], timeMicros: Int64, merkleRoot: [UInt8],
                key: SigningKey) throws {
        self.tenant = tenant
        self.position = position
        self.headHash = headHash
        self.timeMicros = timeMicros
        self.keyID = key.keyID
        self.merkleRoot = merkleRoot
        self.signature = try key.sign(Self.signedBytes(tenant, position, headHash, timeMicros, key.keyID, merkleRoot))
    }

    /// A checkpoint as stored or exported (its signature not checked).
    public init(tenant: TenantID, position: UInt64, headHash: [UInt8], timeMicros: Int64, keyID: [UInt8],
                merkleRoot: [UInt8]?, signature: [UInt8]) {
        self.tenant = tenant
        self.position = position
        self.headHash = headHash
        self.timeMicros = timeMicros
        self.keyID = keyID
        self.merkleRoot = merkleRoot
        self.signature = signature
    }

    /// The bytes the signature covers.
    public var signedBytes: [UInt8] { Self.signedBytes(tenant, position, headHash, timeMicros, keyID, merkleRoot) }

    static func signedBytes(_ tenant: TenantID, _ position: UInt64, _ hash: [UInt8], _ time: Int64,
                            _ keyID: [UInt8], _ merkleRoot: [UInt8]?) -> [UInt8] {
        var w = ByteWriter(capacity: 150)
        w.write(contentsOf: merkleRoot == nil ? prefixV1 : prefix)
        w.write(uuid: tenant.uuid)
        w.write(bigEndian: position)
        w.write(contentsOf: hash)
        w.write(bigEndian: UInt64(bitPattern: time))
        w.write(contentsOf: keyID)
        if let merkleRoot { w.write(contentsOf: merkleRoot) }
        return w.bytes
    }

    /// Whether the signature is `publicKey`'s and `publicKey` is the one the key id names.
    public func isSigned(by publicKey: [UInt8]) -> Bool {
        SigningKey.keyID(of: publicKey) == keyID
            && SigningKey.isValid(signature: signature, of: signedBytes, publicKey: publicKey)
    }

    /// The stored value: the signed bytes, then the 64-byte signature.
    func encoded() -> [UInt8] { signedBytes + signature }

    /// Decodes a stored value (format 1 or 2).
    static func decode(_ raw: [UInt8]) -> Checkpoint? {
        let formatTwo = raw.count == 150 + 64 && Array(raw[0..<22]) == prefix
        guard formatTwo || (raw.count == 118 + 64 && Array(raw[0..<22]) == prefixV1) else { return nil }
        let uuid = UUID(uuid: (raw[22], raw[23], raw[24], raw[25], raw[26], raw[27], raw[28], raw[29],
                               raw[30], raw[31], raw[32], raw[33], raw[34], raw[35], raw[36], raw[37]))
        let position = bigEndian(raw[38..<46])
        let hash = Array(raw[46..<78])
        let time = bigEndian(raw[78..<86])
        return Checkpoint(tenant: TenantID(uuid), position: position, headHash: hash,
                          timeMicros: Int64(bitPattern: time), keyID: Array(raw[86..<118]),
                          merkleRoot: formatTwo ? Array(raw[118..<150]) : nil,
                          signature: Array(raw[(formatTwo ? 150 : 118)...]))
    }

    static func bigEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// The JSON form (manifest, `GET /v1/audit/checkpoints`): bytes as lowercase hexadecimal.
    public var json: JSON {
        JSON(tenant: tenant.description, position: position, headHash: headHash.hexString, timeMicros: timeMicros,
             keyId: keyID.hexString, merkleRoot: merkleRoot?.hexString, signature: signature.hexString)
    }

    /// The JSON form of a checkpoint.
    public struct JSON: Codable, Sendable, Equatable {
        /// The tenant's UUID.
        public let tenant: String
        /// The position.
        public let position: UInt64
        /// The hash at the position.
        public let headHash: String
        /// Microseconds since 1970.
        public let timeMicros: Int64
        /// The signing key's id.
        public let keyId: String
        /// The Merkle root of the first `position` events (format 2; absent in format 1).
        public let merkleRoot: String?
        /// The signature, 64 bytes.
        public let signature: String
    }
}
