import BulkheadCore
@testable import EventLog
import Foundation
import Storage
import Testing

/// Signed checkpoints catch what the chain alone cannot: a log rewritten from some position on
/// with every later hash recomputed. `verify` names the tenant and the checkpoint's position.
@Suite struct SignedCheckpointTests {
    static let key = { () -> SigningKey in
        (try? SigningKey(rawPrivateKey: Array(repeating: 7, count: 32))) ?? SigningKey(.init())
    }()

    /// A closed data directory whose tenant holds six events, with checkpoints at 4 and 6 when `signed`.
    private func seeded(_ dir: String, signed: Bool) throws -> TenantID {
        let data = try DataDirectory(path: dir)
        let tenant = try registerTenant(data, "signed-club")
        let partition = try data.partition(for: tenant)
        for n in 1...6 {
            let payload = Array("payload of event \(n), long enough to have a middle".utf8)
            _ = try partition.append(stream: "stream-\(n % 3)", expected: .any, events: [newEvent(payload: payload)],
                                     recordedAt: recordedAt)
            if signed && (n == 4 || n == 6) {
                let made = try #require(try partition.checkpoint(with: Self.key, at: recordedAt))
                #expect(made.position == UInt64(n))
            }
        }
        #expect(try partition.verify().isOK)
        return tenant
    }

    private func verify(_ dir: String, _ tenant: TenantID) throws -> VerifyReport {
        try DataDirectory(path: dir).partition(for: tenant).verify()
    }

    /// Changes one payload byte of `position`'s event and recomputes every hash from there on, as
    /// someone with write access to the file (and Bulkhead's source) could.
    private func rewriteSuffix(_ dir: String, _ tenant: TenantID, from position: UInt64) throws {
        try withRawLog(dir, tenant) { env, log in
            try env.write { tx in
                var previous = Array(try #require(try tx.get(log, key: positionKey(position - 1))).suffix(32))
                var p = position
                while let value = try tx.get(log, key: positionKey(p)) {
                    var record = Array(value.dropLast(32))
                    if p == position { record[record.count - 5] ^= 0x01 }  // format 1 ends with the payload
                    let hash = previous.withUnsafeBytes { prev in
                        record.withUnsafeBytes { EventRecord.chainHash(previous: prev, record: $0) }
                    }.bytes
                    try tx.put(log, key: positionKey(p), value: record + hash)
                    previous = hash
                    p += 1
                }
            }
        }
    }

    @Test func aRewrittenSuffixWithRecomputedHashesPassesTheChainButNotTheCheckpoints() throws {
        try withTemporaryDirectory { dir in
            // Unsigned: the rewrite is invisible to the chain (which is why checkpoints exist).
            let unsigned = try seeded(dir + "/unsigned", signed: false)
            try rewriteSuffix(dir + "/unsigned", unsigned, from: 3)
            #expect(try verify(dir + "/unsigned", unsigned).isOK)

            let tenant = try seeded(dir + "/signed", signed: true)
            try rewriteSuffix(dir + "/signed", tenant, from: 3)
            let report = try verify(dir + "/signed", tenant)
            guard case .broken(let reported, let position, let reason) = report else {
                Issue.record("expected a failure at the checkpoint of position 4, got \(report)")
                return
            }
            #expect(reported == tenant)
            #expect(position == 4, "\(reason)")
            #expect(reason.contains("rewritten"), "\(reason)")
            #expect(report.description.contains("tenant \(tenant)") && report.description.contains("position 4"))
        }
    }

    @Test func anAlteredCheckpointSignatureIsFoundAtItsPosition() throws {
        try withTemporaryDirectory { dir in
            let tenant = try seeded(dir, signed: true)
            let env = try Environment(path: partitionDirectory(dir, tenant))
            defer { env.close() }
            let table = try #require(try env.openTable(named: "checkpoints", create: false))
            try env.write { tx in
                let key = positionKey(6) + Self.key.keyID
                var value = try #require(try tx.get(table, key: key))
                value[value.count - 1] ^= 0x01
                try tx.put(table, key: key, value: value)
            }
            env.close()
            let report = try verify(dir, tenant)
            guard case .broken(tenant, 6, let reason) = report else {
                Issue.record("expected a failure at position 6, got \(report)")
                return
            }
            #expect(reason.contains("signature"), "\(reason)")
        }
    }

    @Test func aCheckpointWhoseKeyTheTenantDoesNotRecordIsFound() throws {
        try withTemporaryDirectory { dir in
            let tenant = try seeded(dir, signed: true)
            let env = try Environment(path: partitionDirectory(dir, tenant))
            defer { env.close() }
            let table = try #require(try env.openTable(named: "auditKeys", create: false))
            #expect(try env.write { tx in try tx.delete(table, key: Self.key.keyID) })
            env.close()
            let report = try verify(dir, tenant)
            guard case .broken(tenant, 4, let reason) = report else {
                Issue.record("expected a failure at position 4, got \(report)")
                return
            }
            #expect(reason.contains("does not record"), "\(reason)")
        }
    }

    @Test func checkpointsMoveNoPositionAndAreNotSignedTwice() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            let tenant = try registerTenant(data, "quiet-club")
            let partition = try data.partition(for: tenant)
            #expect(try partition.checkpoint(with: Self.key, at: recordedAt) == nil)  // an empty log
            _ = try partition.append(stream: "s", expected: .any, events: [newEvent(payload: [1])],
                                     recordedAt: recordedAt)
            let first = try #require(try partition.checkpoint(with: Self.key, at: recordedAt))
            let again = try #require(try partition.checkpoint(with: Self.key, at: recordedAt.addingTimeInterval(60)))
            #expect(first == again)
            #expect(try partition.head().position == 1)
            #expect(try partition.checkpoints().count == 1)
            #expect(try partition.publicKeys().map(\.keyID) == [Self.key.keyID])
            #expect(first.isSigned(by: Self.key.publicKey))
            let next = try partition.append(stream: "s", expected: .any, events: [newEvent(payload: [2])],
                                            recordedAt: recordedAt)
            #expect(next.positions == 2...2)
        }
    }
}
