import BulkheadCore
import Foundation

/// A signed answer to an applied command: "tenant T's log holds the events of the commit that
/// applied this command at positions F to L, and the hash at L is H", signed with the key whose id
/// it names, and the command's own positions inside F to L (``command``, not signed: the hash at L
/// covers every event up to L). With group commit one signature serves every command of a commit.
/// A client keeps it; later it proves what the log held, even against someone who rewrote the log
/// and recomputed every hash.
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
    /// The command's own positions, within `firstPosition...lastPosition` (not signed).
    public let command: ClosedRange<UInt64>

    /// Signs a receipt with `key` of the commit at `positions`, for the command at `command`
    /// (all of `positions` when omitted).
    public init(tenant: TenantID, positions: ClosedRange<UInt64>, headHash: [UInt8], recordedAtMicros: Int64,
                key: SigningKey, command: ClosedRange<UInt64>? = nil) throws {
        self.tenant = tenant
        self.firstPosition = positions.lowerBound
        self.lastPosition = positions.upperBound
        self.headHash = headHash
        self.recordedAtMicros = recordedAtMicros
        self.keyID = key.keyID
        self.command = command ?? positions
        self.signature = try key.sign(Self.signedBytes(
            tenant, firstPosition, lastPosition, headHash, recordedAtMicros, key.keyID))
    }

    private init(_ signed: Receipt, command: ClosedRange<UInt64>) {
        tenant = signed.tenant
        firstPosition = signed.firstPosition
        lastPosition = signed.lastPosition
        headHash = signed.headHash
        recordedAtMicros = signed.recordedAtMicros
        keyID = signed.keyID
        signature = signed.signature
        self.command = command
    }

    /// The same signed statement, for the command at `positions` (which must lie within it).
    public func forCommand(at positions: ClosedRange<UInt64>) -> Receipt? {
        guard firstPosition <= positions.lowerBound, positions.upperBound <= lastPosition else { return nil }
        return Receipt(self, command: positions)
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
             signature: signature.hexString, commandFirstPosition: command.lowerBound,
             commandLastPosition: command.upperBound)
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
        /// The command's own first position (not signed; within the signed range).
        public let commandFirstPosition: UInt64
        /// The command's own last position.
        public let commandLastPosition: UInt64
    }
}
