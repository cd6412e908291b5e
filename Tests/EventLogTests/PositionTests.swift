import BulkheadCore
import EventLog
import Foundation
import Storage
import Testing

/// Each tenant's positions run 1, 2, 3... with no gap, however appends to tenants interleave,
/// and survive closing and reopening.
@Suite struct PositionTests {
    /// Checks that `partition` holds exactly `ids`, at positions 1...n in that order, and verifies.
    private func expectGapFree(_ partition: Partition, holding ids: [UUID], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let events = try allEvents(partition)
        #expect(events.map(\.position) == Array(0..<UInt64(ids.count)).map { $0 + 1 }, sourceLocation: sourceLocation)
        #expect(events.map(\.eventID) == ids, sourceLocation: sourceLocation)
        let report = try partition.verify()
        #expect(report == .ok(tenant: partition.tenant, events: UInt64(ids.count), headHash: events.last?.hash ?? partition.genesisHash), sourceLocation: sourceLocation)
        #expect(try partition.head().position == UInt64(ids.count), sourceLocation: sourceLocation)
    }

    @Test(arguments: [UInt64(7), 2024])
    func positionsAreGapFreePerTenantUnderRandomlyInterleavedAppends(seed: UInt64) throws {
        try withTemporaryDirectory { dir in
            var random = SeededGenerator(seed: seed)
            let data = try DataDirectory(path: dir)
            let tenants = try (0..<5).map { try registerTenant(data, "club-\($0)") }
            var expected: [TenantID: [UUID]] = [:]
            for _ in 0..<250 {
                let tenant = tenants[Int.random(in: 0..<tenants.count, using: &random)]
                let events = (0..<Int.random(in: 1...3, using: &random)).map { _ in newEvent() }
                let stream = "stream-\(Int.random(in: 0..<4, using: &random))"
                let result = try data.partition(for: tenant).append(stream: stream, expected: .any, events: events, recordedAt: recordedAt)
                let before = UInt64(expected[tenant, default: []].count)
                #expect(result.positions == (before + 1)...(before + UInt64(events.count)))
                expected[tenant, default: []] += events.map(\.eventID)
            }
            for tenant in tenants {
                try expectGapFree(try data.partition(for: tenant), holding: expected[tenant, default: []])
            }
        }
    }

    @Test func positionsAreGapFreeUnderConcurrentAppendsFromSeveralThreads() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            let tenants = try (0..<5).map { try registerTenant(data, "club-\($0)") }
            // tenant → position → event id, as the appends acknowledged them.
            let acknowledged = Locked<[TenantID: [UInt64: UUID]]>([:])
            let threads = 4
            try runOnThreads(threads) { thread in
                var random = SeededGenerator(seed: UInt64(thread) + 100)
                for _ in 0..<40 {
                    let tenant = tenants[Int.random(in: 0..<tenants.count, using: &random)]
                    let events = (0..<Int.random(in: 1...2, using: &random)).map { _ in newEvent() }
                    // Each thread has its own stream, so its stream versions must be gap-free too.
                    let result = try data.partition(for: tenant).append(
                        stream: "thread-\(thread)", expected: .any, events: events, recordedAt: recordedAt)
                    acknowledged.update { table in
                        for (position, event) in zip(result.positions, events) {
                            if let clash = table[tenant, default: [:]][position] {
                                Issue.record("position \(position) of \(tenant) handed out twice (\(clash), \(event.eventID))")
                            }
                            table[tenant, default: [:]][position] = event.eventID
                        }
                    }
                }
            }
            let table = acknowledged.value
            #expect(table.values.reduce(0) { $0 + $1.count } >= threads * 40)
            for tenant in tenants {
                let byPosition = table[tenant, default: [:]]
                let ids = byPosition.keys.sorted().compactMap { byPosition[$0] }
                try expectGapFree(try data.partition(for: tenant), holding: ids)
                try data.partition(for: tenant).read { log throws in
                    for thread in 0..<threads {
                        let versions = try log.stream("thread-\(thread)").map(\.streamVersion)
                        #expect(versions == Array(0..<UInt64(versions.count)).map { $0 + 1 })
                    }
                }
            }
        }
    }

    @Test func reopeningKeepsEventsStreamsTenantsAndTheHeadHash() throws {
        try withTemporaryDirectory { dir in
            struct Seen: Equatable { let events: [RecordedEvent]; let head: LogHead; let report: VerifyReport }
            let (tenants, seen): ([TenantID], [Seen]) = try {
                let data = try DataDirectory(path: dir)
                let tenants = [try registerTenant(data, "berko-tnf"), try registerTenant(data, "capo-fc")]
                for (index, tenant) in tenants.enumerated() {
                    let partition = try data.partition(for: tenant)
                    for n in 0..<(3 + index) {
                        _ = try partition.append(stream: "s-\(n % 2)", expected: .any, events: [newEvent(), newEvent()], recordedAt: recordedAt)
                    }
                }
                let seen = try tenants.map { tenant in
                    let partition = try data.partition(for: tenant)
                    return Seen(events: try allEvents(partition), head: try partition.head(), report: try partition.verify())
                }
                return (tenants, seen)
            }()

            let data = try DataDirectory(path: dir)
            #expect(try data.catalog.allTenants().map(\.id) == tenants)
            #expect(try data.catalog.allTenants().map(\.slug) == ["berko-tnf", "capo-fc"])
            for (tenant, before) in zip(tenants, seen) {
                let partition = try data.partition(for: tenant)
                let now = Seen(events: try allEvents(partition), head: try partition.head(), report: try partition.verify())
                #expect(now == before)
                #expect(before.report.isOK)
                #expect(try partition.read { try $0.streamVersion("s-0") } == UInt64(before.events.filter { $0.streamID == "s-0" }.count))
                // Appending continues the chain from the head that was there before.
                let next = try partition.append(stream: "s-0", expected: .any, events: [newEvent()], recordedAt: recordedAt)
                #expect(next.positions.lowerBound == before.head.position + 1)
                #expect(try partition.read { try $0.event(at: next.positions.lowerBound) }?.previousHash == before.head.hash)
                #expect(try partition.verify().isOK)
            }
        }
    }
}
