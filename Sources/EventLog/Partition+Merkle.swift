import BulkheadCore
import Foundation
import Storage

/// A proof that one event is in a tenant's log as a checkpoint signed it: the event's stored
/// record, and the hashes that lead from its leaf to the Merkle root the checkpoint signs
/// (RFC 9162, section 2.1.3). `bulkhead audit prove` and `GET /v1/audit/proof` give it;
/// `Tools/verify-audit.py --proof FILE` checks it offline.
public struct InclusionProof: Sendable, Equatable {
    /// The tenant.
    public let tenant: TenantID
    /// The event's position (its leaf is `position - 1`).
    public let position: UInt64
    /// The number of leaves of the tree: the checkpoint's position.
    public let treeSize: UInt64
    /// The event's stored record: the bytes its chain hash and its leaf hash cover.
    public let record: [UInt8]
    /// The hashes from the leaf's sibling up to the root's child.
    public let path: [[UInt8]]
    /// The checkpoint whose Merkle root the path leads to.
    public let checkpoint: Checkpoint
    /// The public key that signed the checkpoint.
    public let publicKey: AuditPublicKey

    /// The root the proof leads to (`nil` when the path cannot belong to a tree of ``treeSize``).
    public var root: [UInt8]? {
        Merkle.root(leafIndex: position - 1, treeSize: treeSize,
                    leafHash: record.withUnsafeBytes { Merkle.leafHash($0) }, path: path)
    }

    /// Whether the path leads to the checkpoint's root, and the checkpoint is signed by the key.
    public var isValid: Bool {
        guard let root, let signed = checkpoint.merkleRoot else { return false }
        return root == signed && checkpoint.position == treeSize && checkpoint.isSigned(by: publicKey.publicKey)
    }

    /// The JSON form.
    public var json: JSON {
        JSON(tenant: tenant.description, position: position, leafIndex: position - 1, treeSize: treeSize,
             record: record.base64, auditPath: path.map(\.hexString), checkpoint: checkpoint.json,
             publicKey: publicKey.json)
    }

    /// The JSON form of an inclusion proof.
    public struct JSON: Codable, Sendable, Equatable {
        /// The tenant's UUID.
        public let tenant: String
        /// The event's position.
        public let position: UInt64
        /// Its leaf's index: position − 1.
        public let leafIndex: UInt64
        /// The tree's number of leaves (the checkpoint's position).
        public let treeSize: UInt64
        /// The stored record, base64.
        public let record: String
        /// The hashes from the leaf's sibling upwards, hexadecimal.
        public let auditPath: [String]
        /// The checkpoint (format 2, with `merkleRoot`).
        public let checkpoint: Checkpoint.JSON
        /// The key that signed the checkpoint.
        public let publicKey: AuditPublicKey.JSON
    }
}

extension Array where Element == UInt8 {
    var base64: String { Data(self).base64EncodedString() }
}

extension Partition {
    /// The table of the Merkle tree's stored nodes: height (1 byte) | index `u64` → hash (32),
    /// for every complete subtree of height ``merkleStoredHeight`` or more; and the key `FF`
    /// → the number of leaves the stored nodes cover (`u64`). Derived from the log (it can be
    /// made again from it), grown when a checkpoint is made.
    static let merkleTable = "merkle"
    /// Subtrees lower than this (16 leaves) are not stored: a proof hashes their leaves again.
    static let merkleStoredHeight = 4
    static let merkleSizeKey: [UInt8] = [0xFF]

    static func merkleKey(height: Int, index: UInt64) -> [UInt8] {
        var w = ByteWriter(capacity: 9)
        w.write(UInt8(height))
        w.write(bigEndian: index)
        return w.bytes
    }

    /// Grows the stored tree to the first `size` events and returns their root (`nil` for 0).
    func growMerkle(to size: UInt64, in tx: WriteTransaction) throws -> [UInt8]? {
        guard let table = try tx.openTable(named: Self.merkleTable, create: true) else {
            throw EventLogError.invalidAppend("table \(Self.merkleTable) could not be created")
        }
        let stored = try tx.get(table, key: Self.merkleSizeKey).map { Checkpoint.bigEndian($0[...]) } ?? 0
        guard stored < size else { return try merkleRoot(size: size, in: tx) }
        var frontier = try merkleFrontier(size: stored, table: table, in: tx)
        try tx.withCursor(tables.log) { cursor in
            var found = try cursor.seek(atOrAfter: PartitionKeys.position(stored + 1))
            while found, frontier.count < size {
                guard PartitionKeys.readPosition(cursor.key) == frontier.count + 1 else {
                    throw EventLogError.corruptRecord(tenant: tenant, position: frontier.count + 1,
                                                  reason: "the log skips this position")
                }
                let record = try Self.record(cursor.value, tenant: tenant, position: frontier.count + 1)
                try frontier.append(leafHash: Merkle.leafHash(record)) { height, index, hash in
                    if height >= Self.merkleStoredHeight {
                        try tx.put(table, key: Self.merkleKey(height: height, index: index), value: hash)
                    }
                }
                found = try cursor.next()
            }
        }
        guard frontier.count == size else {
            throw EventLogError.positionOutOfRange(tenant: tenant, position: size, head: frontier.count)
        }
        var w = ByteWriter(capacity: 8)
        w.write(bigEndian: size)
        try tx.put(table, key: Self.merkleSizeKey, value: w.bytes)
        return frontier.root
    }

    /// The stored record of a log value (the value without its trailing chain hash).
    static func record(_ value: UnsafeRawBufferPointer, tenant: TenantID, position: UInt64) throws
        -> UnsafeRawBufferPointer {
        do {
            return try EventRecord.view(value).record
        } catch {
            throw EventLogError.corruptRecord(tenant: tenant, position: position, reason: "\(error)")
        }
    }

    /// The root of the first `size` events, from the stored nodes (which must cover them).
    func merkleRoot(size: UInt64, in tx: some ReadableTransaction) throws -> [UInt8]? {
        guard size > 0 else { return nil }
        return try subtreeHash(start: 0, count: size, in: tx)
    }

    /// The frontier of the first `size` events: one complete subtree per bit of `size`.
    private func merkleFrontier(size: UInt64, table: Table, in tx: some ReadableTransaction) throws
        -> MerkleFrontier {
        var subtrees: [(height: Int, hash: [UInt8])] = []
        var start: UInt64 = 0
        for height in (0..<64).reversed() where size & (1 << UInt64(height)) != 0 {
            let count = UInt64(1) << UInt64(height)
            subtrees.append((height, try subtreeHash(start: start, count: count, in: tx)))
            start += count
        }
        return MerkleFrontier(count: size, subtrees: subtrees)
    }

    /// The Merkle tree hash (RFC 6962's MTH) of the `count` leaves from `start`: from the stored
    /// node when the range is a stored complete subtree, from the log's records below that height.
    func subtreeHash(start: UInt64, count: UInt64, in tx: some ReadableTransaction) throws -> [UInt8] {
        if count == 1 {
            let position = start + 1
            let hash = try tx.withValue(tables.log, key: PartitionKeys.position(position)) { raw -> [UInt8]? in
                guard let raw else { return nil }
                return Merkle.leafHash(try Self.record(raw, tenant: tenant, position: position))
            }
            guard let hash else { throw EventLogError.positionOutOfRange(tenant: tenant, position: position, head: start) }
            return hash
        }
        if count.nonzeroBitCount == 1, start % count == 0 {
            let height = count.trailingZeroBitCount
            if height >= Self.merkleStoredHeight, let table = try tx.openTable(named: Self.merkleTable),
               let stored = try tx.get(table, key: Self.merkleKey(height: height, index: start / count)) {
                return stored
            }
        }
        let k = Merkle.split(count)
        return Merkle.nodeHash(try subtreeHash(start: start, count: k, in: tx),
                               try subtreeHash(start: start + k, count: count - k, in: tx))
    }

    /// RFC 6962's PATH(m, D[start ..< start + count]).
    private func auditPath(leaf m: UInt64, start: UInt64, count: UInt64, in tx: some ReadableTransaction) throws
        -> [[UInt8]] {
        guard count > 1 else { return [] }
        let k = Merkle.split(count)
        if m < k {
            return try auditPath(leaf: m, start: start, count: k, in: tx)
                + [subtreeHash(start: start + k, count: count - k, in: tx)]
        }
        return try auditPath(leaf: m - k, start: start + k, count: count - k, in: tx)
            + [subtreeHash(start: start, count: k, in: tx)]
    }

    /// A proof that the event at `position` is in the tree a checkpoint signed: by default the
    /// oldest format-2 checkpoint at or after `position`, or the one at `treeSize`.
    ///
    /// - Throws: ``EventLogError/positionOutOfRange(tenant:position:head:)`` for a position the
    ///   log does not hold; ``EventLogError/noCheckpoint(tenant:position:)`` when no checkpoint
    ///   with a Merkle root covers it (or none is at `treeSize`).
    public func inclusionProof(position: UInt64, treeSize: UInt64? = nil) throws -> InclusionProof {
        try environment.read { tx in try inclusionProof(position: position, treeSize: treeSize, in: tx) }
    }

    func inclusionProof(position: UInt64, treeSize: UInt64?, in tx: some ReadableTransaction) throws
        -> InclusionProof {
        let head = try tx.withCursor(tables.log) { cursor in
            try cursor.last() ? PartitionKeys.readPosition(cursor.key) ?? 0 : 0
        }
        guard position >= 1, position <= head else {
            throw EventLogError.positionOutOfRange(tenant: tenant, position: position, head: head)
        }
        if let treeSize, treeSize < position {
            // A tree of `treeSize` events has no leaf for `position`.
            throw EventLogError.positionOutOfRange(tenant: tenant, position: position, head: treeSize)
        }
        let candidates = try storedCheckpoints(in: tx, from: treeSize ?? position).compactMap { $0.1 }
            .filter { $0.merkleRoot != nil && (treeSize == nil || $0.position == treeSize) }
        let keys = try publicKeys(in: tx)
        guard let checkpoint = candidates.first,
              let key = keys.first(where: { $0.keyID == checkpoint.keyID }) else {
            throw EventLogError.noCheckpoint(tenant: tenant, position: treeSize ?? position)
        }
        let record = try tx.withValue(tables.log, key: PartitionKeys.position(position)) { raw in
            try Array(Self.record(raw ?? UnsafeRawBufferPointer(start: nil, count: 0), tenant: tenant,
                                  position: position))
        }
        let path = try auditPath(leaf: position - 1, start: 0, count: checkpoint.position, in: tx)
        return InclusionProof(tenant: tenant, position: position, treeSize: checkpoint.position, record: record,
                              path: path, checkpoint: checkpoint, publicKey: key)
    }
}

extension LogReader {
    /// An inclusion proof on this reader's snapshot (see ``Partition/inclusionProof(position:treeSize:)``).
    public func inclusionProof(position: UInt64, treeSize: UInt64? = nil) throws -> InclusionProof {
        try partition.inclusionProof(position: position, treeSize: treeSize, in: transaction)
    }
}
