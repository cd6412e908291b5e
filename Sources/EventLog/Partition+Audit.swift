import BulkheadCore
import Foundation
import Storage

/// A public key a tenant's checkpoints or receipts were signed with, kept in the tenant's
/// `auditKeys` table. Keys are only ever added: after a rotation the old key still checks the
/// proofs it signed.
public struct AuditPublicKey: Sendable, Equatable {
    /// SHA-256 of ``publicKey``.
    public let keyID: [UInt8]
    /// The 32 bytes of the Ed25519 public key.
    public let publicKey: [UInt8]
    /// When the tenant first recorded it, in microseconds since 1970.
    public let addedAtMicros: Int64

    /// The JSON form (`GET /v1/audit/keys`, the manifest's `publicKeys`).
    public var json: JSON {
        JSON(keyId: keyID.hexString, algorithm: "Ed25519", publicKey: publicKey.hexString, addedAtMicros: addedAtMicros)
    }

    /// The JSON form of a public key.
    public struct JSON: Codable, Sendable, Equatable {
        /// The key id: SHA-256 of the public key's 32 bytes, hexadecimal.
        public let keyId: String
        /// Always `Ed25519`.
        public let algorithm: String
        /// The public key's 32 bytes, hexadecimal.
        public let publicKey: String
        /// When the tenant first recorded it, in microseconds since 1970.
        public let addedAtMicros: Int64
    }
}

extension Partition {
    /// The table of the tenant's public keys: key id (32) → public key (32) | added at `i64`.
    static let auditKeysTable = "auditKeys"
    /// The table of checkpoints: position `u64` | key id (32) → signed bytes | signature (64).
    static let checkpointsTable = "checkpoints"

    /// Records `key`'s public half with the tenant unless it is there already.
    public func register(_ key: SigningKey, at date: Date) throws {
        if try publicKeys().contains(where: { $0.keyID == key.keyID }) { return }
        try environment.write { tx in try register(key, in: tx, at: date) }
    }

    func register(_ key: SigningKey, in tx: WriteTransaction, at date: Date) throws {
        guard let table = try tx.openTable(named: Self.auditKeysTable, create: true) else {
            throw EventLogError.invalidAppend("table \(Self.auditKeysTable) could not be created")
        }
        if try tx.get(table, key: key.keyID) != nil { return }
        var w = ByteWriter(capacity: 40)
        w.write(contentsOf: key.publicKey)
        w.write(bigEndian: UInt64(bitPattern: date.microsecondsSince1970))
        try tx.put(table, key: key.keyID, value: w.bytes)
    }

    /// Signs a checkpoint of the tenant's head with `key` and keeps it (with the key's public half).
    ///
    /// - Returns: The checkpoint, or `nil` for an empty log. When one of `key` already states the
    ///   head, that one is returned and nothing is written.
    public func checkpoint(with key: SigningKey, at date: Date) throws -> Checkpoint? {
        try environment.write { tx -> Checkpoint? in
            let found = try tx.withCursor(tables.log) { cursor -> (UInt64, [UInt8])? in
                guard try cursor.last(), let position = PartitionKeys.readPosition(cursor.key),
                      cursor.value.count >= 32 else { return nil }
                return (position, Array(cursor.value[(cursor.value.count - 32)...]))
            }
            guard let found else { return nil }
            let head = LogHead(position: found.0, hash: found.1)
            try register(key, in: tx, at: date)
            guard let table = try tx.openTable(named: Self.checkpointsTable, create: true) else {
                throw EventLogError.invalidAppend("table \(Self.checkpointsTable) could not be created")
            }
            var storeKey = ByteWriter(capacity: 40)
            storeKey.write(bigEndian: head.position)
            storeKey.write(contentsOf: key.keyID)
            if let stored = try tx.get(table, key: storeKey.bytes), let existing = Checkpoint.decode(stored) {
                return existing
            }
            // The Merkle tree grows to the head here, in the checkpoint's transaction: appends
            // never pay for it, and a proof of any checkpointed position finds its nodes stored.
            guard let root = try growMerkle(to: head.position, in: tx) else {
                throw EventLogError.positionOutOfRange(tenant: tenant, position: head.position, head: 0)
            }
            let checkpoint = try Checkpoint(tenant: tenant, position: head.position, headHash: head.hash,
                                            timeMicros: date.microsecondsSince1970, merkleRoot: root, key: key)
            try tx.put(table, key: storeKey.bytes, value: checkpoint.encoded())
            return checkpoint
        }
    }

    /// The tenant's public keys, in key id order.
    public func publicKeys() throws -> [AuditPublicKey] {
        try environment.read { tx in try publicKeys(in: tx) }
    }

    func publicKeys(in tx: some ReadableTransaction) throws -> [AuditPublicKey] {
        guard let table = try tx.openTable(named: Self.auditKeysTable) else { return [] }
        return try tx.withCursor(table) { cursor in
            var keys: [AuditPublicKey] = []
            var found = try cursor.first()
            while found {
                let id = Array(cursor.key), value = Array(cursor.value)
                if id.count == 32, value.count == 40 {
                    let time = Checkpoint.bigEndian(value[32..<40])
                    keys.append(AuditPublicKey(keyID: id, publicKey: Array(value[0..<32]),
                                               addedAtMicros: Int64(bitPattern: time)))
                }
                found = try cursor.next()
            }
            return keys
        }
    }

    /// The tenant's checkpoints from `position` on, in position order; `nil` entries stand for
    /// stored values that do not decode (their positions), so `verify` can name them.
    public func checkpoints(from position: UInt64 = 0) throws -> [Checkpoint] {
        try environment.read { tx in try storedCheckpoints(in: tx, from: position).compactMap { $0.1 } }
    }

    func storedCheckpoints(in tx: some ReadableTransaction, from position: UInt64) throws
        -> [(UInt64, Checkpoint?)] {
        guard let table = try tx.openTable(named: Self.checkpointsTable) else { return [] }
        return try tx.withCursor(table) { cursor in
            var all: [(UInt64, Checkpoint?)] = []
            var found = try cursor.seek(atOrAfter: PartitionKeys.position(position))
            while found {
                let at = PartitionKeys.readPosition(cursor.key) ?? 0
                all.append((at, Checkpoint.decode(Array(cursor.value))))
                found = try cursor.next()
            }
            return all
        }
    }

    /// The position of the newest checkpoint (0 when there is none).
    public func lastCheckpointPosition() throws -> UInt64 {
        try environment.read { tx in
            guard let table = try tx.openTable(named: Self.checkpointsTable) else { return 0 }
            return try tx.withCursor(table) { cursor in
                try cursor.last() ? PartitionKeys.readPosition(cursor.key) ?? 0 : 0
            }
        }
    }

    /// Signs a receipt of the events at `positions` (an applied command's), with the hash at the
    /// last position and the time recorded on it. The key must be recorded with the tenant
    /// (``register(_:at:)``) for the receipt to be checkable against an export.
    ///
    /// - Throws: ``EventLogError/positionOutOfRange(tenant:position:head:)`` when the log does not
    ///   hold the last position.
    public func receipt(for positions: ClosedRange<UInt64>, with key: SigningKey) throws -> Receipt {
        let (hash, micros) = try environment.read { tx -> ([UInt8], Int64)? in
            try tx.withValue(tables.log, key: PartitionKeys.position(positions.upperBound)) { raw in
                guard let raw, let parsed = try? EventRecord.view(raw) else { return nil }
                return (Array(parsed.hash), parsed.0.recordedAtMicros)
            }
        } ?? { throw EventLogError.positionOutOfRange(tenant: tenant, position: positions.upperBound, head: 0) }()
        return try Receipt(tenant: tenant, positions: positions, headHash: hash, recordedAtMicros: micros, key: key)
    }

    /// Checks every checkpoint against the verified chain (`count` events): it must decode, name
    /// this tenant and a key recorded with it, carry that key's valid signature, and state the hash
    /// the chain has at its position. The first failure, or `nil`.
    func verifyCheckpoints(in tx: ReadTransaction, count: UInt64) throws -> VerifyReport? {
        let keys = Dictionary(try publicKeys(in: tx).map { ($0.keyID, $0.publicKey) }, uniquingKeysWith: { a, _ in a })
        let stored = try storedCheckpoints(in: tx, from: 0)
        // The roots the log's records give at each format-2 checkpoint's position, computed from
        // the log itself (not from the stored tree, which is derived data).
        let roots = try merkleRoots(at: Set(stored.compactMap { $1?.merkleRoot == nil ? nil : $0 }), count: count,
                                    in: tx)
        for (position, checkpoint) in stored {
            func broken(_ reason: String) -> VerifyReport {
                .broken(tenant: tenant, position: position, reason: "checkpoint at position \(position): \(reason)")
            }
            guard let checkpoint, checkpoint.position == position else { return broken("does not decode") }
            guard checkpoint.tenant == tenant else { return broken("names tenant \(checkpoint.tenant)") }
            guard let publicKey = keys[checkpoint.keyID] else {
                return broken("signed with key \(checkpoint.keyID.hexString), which the tenant does not record")
            }
            guard checkpoint.isSigned(by: publicKey) else { return broken("the signature does not verify") }
            guard position <= count else {
                return broken("the log ends at position \(count): events after it were removed")
            }
            let hash = try tx.withValue(tables.log, key: PartitionKeys.position(position)) { raw -> [UInt8]? in
                guard let raw, let parsed = try? EventRecord.view(raw) else { return nil }
                return Array(parsed.hash)
            }
            guard let hash, hash == checkpoint.headHash else {
                return broken("it signed hash \(checkpoint.headHash.hexString) but the chain has "
                    + "\((hash ?? []).hexString): the log was rewritten from this position or before")
            }
            if let signedRoot = checkpoint.merkleRoot, roots[position] != signedRoot {
                return broken("it signed Merkle root \(signedRoot.hexString) but the log's events give "
                    + "\((roots[position] ?? []).hexString)")
            }
        }
        return nil
    }

    /// The Merkle roots of the log's first `n` events for each `n` in `sizes` (all at most `count`),
    /// in one pass over the log's records.
    func merkleRoots(at sizes: Set<UInt64>, count: UInt64, in tx: some ReadableTransaction) throws
        -> [UInt64: [UInt8]] {
        guard let last = sizes.filter({ $0 <= count }).max() else { return [:] }
        var frontier = MerkleFrontier()
        var roots: [UInt64: [UInt8]] = [:]
        try tx.withCursor(tables.log) { cursor in
            var found = try cursor.first()
            while found, frontier.count < last {
                let position = frontier.count + 1
                let record = try Self.record(cursor.value, tenant: tenant, position: position)
                frontier.append(leafHash: Merkle.leafHash(record))
                if sizes.contains(position) { roots[position] = frontier.root }
                found = try cursor.next()
            }
        }
        return roots
    }
}

extension LogReader {
    /// The checkpoints stating positions in `range`, and every public key of the tenant, on this
    /// reader's snapshot (an export's).
    public func auditProofs(in range: ClosedRange<UInt64>) throws
        -> (checkpoints: [Checkpoint], publicKeys: [AuditPublicKey]) {
        let checkpoints = try partition.storedCheckpoints(in: transaction, from: range.lowerBound)
            .compactMap { $0.1 }.filter { range.contains($0.position) }
        return (checkpoints, try partition.publicKeys(in: transaction))
    }
}
