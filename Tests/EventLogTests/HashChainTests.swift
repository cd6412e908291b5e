import BulkheadCore
import EventLog
import Foundation
import Storage
import Testing

/// `verify` finds an altered, removed or reordered event at its position.
@Suite struct HashChainTests {
    static let eventCount: UInt64 = 6

    /// A closed data directory whose tenant holds six verified events in three streams.
    private func seeded(_ dir: String) throws -> TenantID {
        let data = try DataDirectory(path: dir)
        let tenant = try registerTenant(data, "chain-club")
        let partition = try data.partition(for: tenant)
        for n in 0..<Int(Self.eventCount) {
            let payload = Array("payload of event \(n + 1), long enough to have a middle".utf8)
            _ = try partition.append(stream: "stream-\(n % 3)", expected: .any, events: [newEvent(payload: payload)], recordedAt: recordedAt)
        }
        let report = try partition.verify()
        guard case .ok(tenant, Self.eventCount, _) = report else { throw TestFailure("seeded log does not verify: \(report)") }
        return tenant
    }

    /// Reopens the data directory and verifies the tenant's chain.
    private func verify(_ dir: String, _ tenant: TenantID) throws -> VerifyReport {
        try DataDirectory(path: dir).partition(for: tenant).verify()
    }

    private func expectBroken(_ report: VerifyReport, at position: UInt64, _ tenant: TenantID, sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .broken(let reportedTenant, let reported, let reason) = report else {
            Issue.record("expected a broken chain at \(position), got \(report)", sourceLocation: sourceLocation)
            return
        }
        #expect(reportedTenant == tenant, sourceLocation: sourceLocation)
        #expect(reported == position, "reason: \(reason)", sourceLocation: sourceLocation)
        #expect(!reason.isEmpty, sourceLocation: sourceLocation)
        #expect(!report.isOK, sourceLocation: sourceLocation)
    }

    enum Tamper: String, CaseIterable, CustomTestStringConvertible {
        case formatByte, positionField, payloadByte, storedHash
        var testDescription: String { rawValue }

        /// Which byte of a stored value to flip: the record, then its 32-byte hash, last.
        func offset(in value: [UInt8]) -> Int {
            switch self {
            case .formatByte: return 0
            case .positionField: return 8
            case .payloadByte: return value.count - 32 - 5
            case .storedHash: return value.count - 1
            }
        }
    }

    @Test(arguments: Tamper.allCases, [UInt64(1), 3, 6])
    func oneAlteredByteIsFoundAtItsPosition(tamper: Tamper, position: UInt64) throws {
        try withTemporaryDirectory { dir in
            let tenant = try seeded(dir)
            try withRawLog(dir, tenant) { env, log in
                try env.write { tx in
                    guard var value = try tx.get(log, key: positionKey(position)) else { throw TestFailure("no event at \(position)") }
                    value[tamper.offset(in: value)] ^= 0x01
                    try tx.put(log, key: positionKey(position), value: value)
                }
            }
            expectBroken(try verify(dir, tenant), at: position, tenant)
        }
    }

    @Test(arguments: [UInt64(1), 3, 5])
    func aDeletedEventIsReportedMissingAtItsPosition(position: UInt64) throws {
        try withTemporaryDirectory { dir in
            let tenant = try seeded(dir)
            try withRawLog(dir, tenant) { env, log throws in
                #expect(try env.write { tx in try tx.delete(log, key: positionKey(position)) })
            }
            let report = try verify(dir, tenant)
            expectBroken(report, at: position, tenant)
            if case .broken(_, _, let reason) = report { #expect(reason.contains("missing"), "reason: \(reason)") }
        }
    }

    @Test func twoSwappedEventsAreFoundAtTheFirstOfThem() throws {
        try withTemporaryDirectory { dir in
            let tenant = try seeded(dir)
            try withRawLog(dir, tenant) { env, log in
                try env.write { tx in
                    guard let third = try tx.get(log, key: positionKey(3)), let fourth = try tx.get(log, key: positionKey(4)) else {
                        throw TestFailure("missing events")
                    }
                    try tx.put(log, key: positionKey(3), value: fourth)
                    try tx.put(log, key: positionKey(4), value: third)
                }
            }
            expectBroken(try verify(dir, tenant), at: 3, tenant)
        }
    }

    @Test func anotherTenantsLogCopiedInFailsAtItsFirstEvent() throws {
        try withTemporaryDirectory { dir in
            let tenant = try seeded(dir)
            // A second tenant, whose events get replaced by the first tenant's (keeping its own tenant record).
            let other: TenantID = try {
                let data = try DataDirectory(path: dir)
                let other = try registerTenant(data, "copy-target")
                _ = try data.partition(for: other).append(stream: "s", expected: .any, events: [newEvent()], recordedAt: recordedAt)
                return other
            }()
            let stolen: [([UInt8], [UInt8])] = try withRawLog(dir, tenant) { env, log in
                try env.read { tx in
                    try tx.withCursor(log) { cursor in
                        var entries: [([UInt8], [UInt8])] = []
                        var found = try cursor.first()
                        while found {
                            entries.append((Array(cursor.key), Array(cursor.value)))
                            found = try cursor.next()
                        }
                        return entries
                    }
                }
            }
            try withRawLog(dir, other) { env, log in
                try env.write { tx in
                    try tx.clear(log)
                    for (key, value) in stolen { try tx.put(log, key: key, value: value) }
                }
            }
            expectBroken(try verify(dir, other), at: 1, other)
        }
    }

    @Test
    func removingTheNewestEventIsDetected() throws {
        try withTemporaryDirectory { dir in
            let tenant = try seeded(dir)
            try withRawLog(dir, tenant) { env, log throws in
                #expect(try env.write { tx in try tx.delete(log, key: positionKey(Self.eventCount)) })
            }
            #expect(try verify(dir, tenant).isOK == false)
        }
    }
}
