import BulkheadCore
import Crypto
@testable import EventLog
import Foundation
import Storage
import Testing

/// The Merkle tree over a tenant's events is RFC 6962's, its roots are what format-2 checkpoints
/// sign, and an inclusion proof leads from one event's record to a signed root; `verify` checks
/// every root against the log and finds a log cut short before a checkpoint.
@Suite struct MerkleProofTests {
    static let key = { () -> SigningKey in
        (try? SigningKey(rawPrivateKey: Array(repeating: 9, count: 32))) ?? SigningKey(.init())
    }()

    /// RFC 6962's MTH, straight from its definition, over the leaves' entries.
    static func referenceRoot(_ entries: ArraySlice<[UInt8]>) -> [UInt8] {
        if entries.count == 1 { return Array(SHA256.hash(data: [0] + entries[entries.startIndex])) }
        var k = 1
        while k * 2 < entries.count { k *= 2 }
        let split = entries.startIndex + k
        return Array(SHA256.hash(data: [1] + referenceRoot(entries[..<split]) + referenceRoot(entries[split...])))
    }

    @Test func theTreeIsRFC6962sOnItsTestVectors() {
        // The leaves of the certificate-transparency reference tests, and the roots of their
        // first 1 to 8 leaves (RFC 6962 trees as published with its reference implementation).
        let leaves: [[UInt8]] = [[], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
                                 Array(0x50...0x57), Array(0x60...0x6f)]
        let roots = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ]
        var frontier = MerkleFrontier()
        for (index, leaf) in leaves.enumerated() {
            frontier.append(leafHash: leaf.withUnsafeBytes { Merkle.leafHash($0) })
            #expect(frontier.root?.hexString == roots[index], "size \(index + 1)")
            #expect(Self.referenceRoot(leaves[...index]).hexString == roots[index])
        }
    }

    /// A tenant with `count` events (payloads of several lengths), checkpointed when its head
    /// reaches each of `checkpointAt`.
    private func seeded(_ data: DataDirectory, count: Int, checkpointAt: Set<Int>) throws -> (TenantID, Partition) {
        let tenant = try registerTenant(data, "merkle-club")
        let partition = try data.partition(for: tenant)
        for n in 1...count {
            let payload = Array("event \(n) ".utf8) + Array(repeating: UInt8(n % 251), count: n % 7)
            _ = try partition.append(stream: "stream-\(n % 4)", expected: .any, events: [newEvent(payload: payload)],
                                     recordedAt: recordedAt)
            if checkpointAt.contains(n) {
                let made = try #require(try partition.checkpoint(with: Self.key, at: recordedAt))
                #expect(made.position == UInt64(n) && made.merkleRoot != nil)
            }
        }
        return (tenant, partition)
    }

    private func records(_ partition: Partition) throws -> [[UInt8]] {
        try partition.environment.read { tx in
            try tx.withCursor(partition.tables.log) { cursor in
                var all: [[UInt8]] = []
                var found = try cursor.first()
                while found {
                    all.append(Array(cursor.value.dropLast(32)))
                    found = try cursor.next()
                }
                return all
            }
        }
    }

    @Test func checkpointsSignTheRootOfTheLogsRecordsAndEveryEventHasAProof() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            // Sizes on both sides of the stored subtrees (16 and 64 leaves).
            let sizes = [1, 5, 16, 17, 33, 64, 70]
            let (tenant, partition) = try seeded(data, count: 72, checkpointAt: Set(sizes))
            let records = try records(partition)
            #expect(try partition.verify().isOK)
            let checkpoints = try partition.checkpoints()
            #expect(checkpoints.map(\.position) == sizes.map(UInt64.init))
            for checkpoint in checkpoints {
                let size = Int(checkpoint.position)
                #expect(checkpoint.merkleRoot == Self.referenceRoot(records[..<size]), "size \(size)")
                for position in 1...UInt64(size) {
                    let proof = try partition.inclusionProof(position: position, treeSize: UInt64(size))
                    #expect(proof.isValid, "position \(position) in \(size)")
                    #expect(proof.record == records[Int(position) - 1])
                    #expect(proof.tenant == tenant && proof.checkpoint == checkpoint)
                    #expect(proof.path.count <= 7)
                }
            }
            // By default, the oldest checkpoint that covers the position.
            #expect(try partition.inclusionProof(position: 17).treeSize == 17)
            #expect(try partition.inclusionProof(position: 18).treeSize == 33)
        }
    }

    @Test func aProofOfOtherBytesOrAnotherPathOrSizeDoesNotLeadToTheSignedRoot() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            let (_, partition) = try seeded(data, count: 40, checkpointAt: [40])
            let proof = try partition.inclusionProof(position: 21)
            #expect(proof.isValid)
            var record = proof.record
            record[record.count - 1] ^= 0x01
            let otherBytes = InclusionProof(tenant: proof.tenant, position: 21, treeSize: 40, record: record,
                                            path: proof.path, checkpoint: proof.checkpoint, publicKey: proof.publicKey)
            #expect(!otherBytes.isValid)
            var path = proof.path
            path[2][0] ^= 0x80
            let otherPath = InclusionProof(tenant: proof.tenant, position: 21, treeSize: 40, record: proof.record,
                                           path: path, checkpoint: proof.checkpoint, publicKey: proof.publicKey)
            #expect(!otherPath.isValid)
            let otherPosition = InclusionProof(tenant: proof.tenant, position: 22, treeSize: 40, record: proof.record,
                                               path: proof.path, checkpoint: proof.checkpoint,
                                               publicKey: proof.publicKey)
            #expect(!otherPosition.isValid)
            let otherSize = InclusionProof(tenant: proof.tenant, position: 21, treeSize: 41, record: proof.record,
                                           path: proof.path, checkpoint: proof.checkpoint, publicKey: proof.publicKey)
            #expect(!otherSize.isValid)
        }
    }

    @Test func aProofNeedsACheckpointWithARootAndAPositionTheLogHolds() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            let (tenant, partition) = try seeded(data, count: 20, checkpointAt: [10])
            #expect(throws: EventLogError.noCheckpoint(tenant: tenant, position: 11)) {
                try partition.inclusionProof(position: 11)
            }
            #expect(throws: EventLogError.noCheckpoint(tenant: tenant, position: 12)) {
                try partition.inclusionProof(position: 3, treeSize: 12)
            }
            #expect(throws: EventLogError.positionOutOfRange(tenant: tenant, position: 21, head: 20)) {
                try partition.inclusionProof(position: 21)
            }
            #expect(throws: EventLogError.positionOutOfRange(tenant: tenant, position: 0, head: 20)) {
                try partition.inclusionProof(position: 0)
            }
        }
    }

    /// Signs `checkpoint`'s fields again with `merkleRoot` (nil: format 1) and stores it in place.
    private func storeResigned(_ dir: String, _ tenant: TenantID, _ checkpoint: Checkpoint, merkleRoot: [UInt8]?) throws {
        let signed = Checkpoint.signedBytes(tenant, checkpoint.position, checkpoint.headHash, checkpoint.timeMicros,
                                            Self.key.keyID, merkleRoot)
        let env = try Environment(path: partitionDirectory(dir, tenant))
        defer { env.close() }
        let table = try #require(try env.openTable(named: "checkpoints", create: false))
        try env.write { tx in
            try tx.put(table, key: positionKey(checkpoint.position) + Self.key.keyID,
                       value: signed + (try Self.key.sign(signed)))
        }
    }

    @Test func verifyFindsACheckpointWhoseSignedRootTheLogDoesNotGive() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            let (tenant, partition) = try seeded(data, count: 20, checkpointAt: [12, 20])
            let checkpoint = try #require(try partition.checkpoints().first)
            data.close()
            var root = try #require(checkpoint.merkleRoot)
            root[0] ^= 0x01
            try storeResigned(dir, tenant, checkpoint, merkleRoot: root)
            let report = try DataDirectory(path: dir).partition(for: tenant).verify()
            guard case .broken(tenant, 12, let reason) = report else {
                Issue.record("expected a failure at position 12, got \(report)")
                return
            }
            #expect(reason.contains("Merkle root"), "\(reason)")
        }
    }

    @Test func formatOneCheckpointsStillVerifyButProveNothing() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            let (tenant, partition) = try seeded(data, count: 8, checkpointAt: [8])
            let checkpoint = try #require(try partition.checkpoints().first)
            data.close()
            try storeResigned(dir, tenant, checkpoint, merkleRoot: nil)
            let reopened = try DataDirectory(path: dir).partition(for: tenant)
            let stored = try #require(try reopened.checkpoints().first)
            #expect(stored.merkleRoot == nil && stored.signedBytes.count == 118 && stored.isSigned(by: Self.key.publicKey))
            #expect(try reopened.verify().isOK)
            #expect(throws: EventLogError.noCheckpoint(tenant: tenant, position: 3)) {
                try reopened.inclusionProof(position: 3)
            }
        }
    }

    @Test func aLogCutShortBeforeACheckpointFailsThere() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            let (tenant, _) = try seeded(data, count: 9, checkpointAt: [4, 9])
            data.close()
            // Events 7 to 9 removed, with their entries in the event id index (ids rise with
            // positions, so theirs are the last three): what is left is a valid chain whose index
            // agrees, shorter than the checkpoint at 9.
            try withRawLog(dir, tenant) { env, log in
                defer { env.close() }
                let ids = try #require(try env.openTable(named: "eventIDs", create: false))
                try env.write { tx in
                    for position in UInt64(7)...9 { _ = try tx.delete(log, key: positionKey(position)) }
                    let last = try tx.withCursor(ids) { cursor in
                        var keys: [[UInt8]] = []
                        var found = try cursor.last()
                        while found, keys.count < 3 {
                            keys.append(Array(cursor.key))
                            found = try cursor.previous()
                        }
                        return keys
                    }
                    for key in last { _ = try tx.delete(ids, key: key) }
                }
            }
            let report = try DataDirectory(path: dir).partition(for: tenant).verify()
            guard case .broken(tenant, 9, let reason) = report else {
                Issue.record("expected a failure at position 9, got \(report)")
                return
            }
            #expect(reason.contains("the log ends at position 6"), "\(reason)")
        }
    }
}
