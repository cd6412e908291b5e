import BulkheadCore
import EventLog
import Foundation
import Storage
import Testing

/// Every field of the envelope comes back as appended, through every way of reading the log.
@Suite struct EnvelopeRoundTripTests {
    /// Checks the fields the caller chose and the ones the log assigned.
    private func expectEnvelope(
        _ recorded: RecordedEvent?, is event: NewEvent, at position: UInt64, stream: String, version: UInt64,
        recordedAt: Date, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let recorded else {
            Issue.record("no event at position \(position)", sourceLocation: sourceLocation)
            return
        }
        #expect(recorded.position == position, sourceLocation: sourceLocation)
        #expect(recorded.streamID == stream, sourceLocation: sourceLocation)
        #expect(recorded.streamVersion == version, sourceLocation: sourceLocation)
        #expect(recorded.eventID == event.eventID, sourceLocation: sourceLocation)
        #expect(recorded.type == event.type, sourceLocation: sourceLocation)
        #expect(recorded.schemaVersion == event.schemaVersion, sourceLocation: sourceLocation)
        #expect(recorded.recordedAt == recordedAt, sourceLocation: sourceLocation)
        #expect(recorded.actor == event.actor, sourceLocation: sourceLocation)
        #expect(recorded.correlationID == event.correlationID, sourceLocation: sourceLocation)
        #expect(recorded.causationID == event.causationID, sourceLocation: sourceLocation)
        #expect(recorded.payload == event.payload, sourceLocation: sourceLocation)
        #expect(recorded.hash.count == 32, sourceLocation: sourceLocation)
    }

    @Test func everyFieldRoundTripsThroughEveryReadPath() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            let tenant = try registerTenant(data, "berko-tnf")
            let partition = try data.partition(for: tenant)
            let correlation = UUID()
            let created = NewEvent(
                eventID: IDGenerator.shared.next(), type: "project.created", schemaVersion: 3,
                payload: [0, 1, 2, 0x7F, 0x80, 0xFE, 0xFF], actor: "ada@berko.example",
                correlationID: correlation, causationID: nil)
            let noted = NewEvent(
                eventID: IDGenerator.shared.next(), type: "note.created", schemaVersion: UInt16.max,
                payload: [], actor: "Bjørn 🚀 <bjorn@berko.example>", correlationID: correlation, causationID: created.eventID)
            let synced = NewEvent(
                eventID: IDGenerator.shared.next(), type: "sync.started", schemaVersion: 0,
                payload: (0..<3000).map { UInt8(truncatingIfNeeded: $0 * 7) }, actor: "sync-bot",
                correlationID: UUID(), causationID: UUID())
            let later = Date(timeIntervalSince1970: 1_750_000_123.000001)

            let first = try partition.append(stream: "projekt-ü/1", expected: .noStream, events: [created, noted], recordedAt: recordedAt)
            #expect(first.positions == 1...2)
            #expect(first.streamVersion == 2)
            #expect(first.wasDuplicate == false)
            let (second, written) = try partition.write { log in
                (try log.append(stream: "sync-7", expected: .noStream, events: [synced], recordedAt: later), log.appended)
            }
            #expect(second.positions == 3...3)
            #expect(second.streamVersion == 1)

            // events(from:limit:)
            let all = try allEvents(partition)
            try #require(all.count == 3)
            expectEnvelope(all[0], is: created, at: 1, stream: "projekt-ü/1", version: 1, recordedAt: recordedAt)
            expectEnvelope(all[1], is: noted, at: 2, stream: "projekt-ü/1", version: 2, recordedAt: recordedAt)
            expectEnvelope(all[2], is: synced, at: 3, stream: "sync-7", version: 1, recordedAt: later)

            // The chain: position 1 links to the tenant's genesis hash, each later one to its predecessor.
            #expect(all[0].previousHash == partition.genesisHash)
            #expect(all[1].previousHash == all[0].hash)
            #expect(all[2].previousHash == all[1].hash)
            #expect(Set(all.map(\.hash) + [partition.genesisHash]).count == 4)

            // What the writer reported is what the log holds.
            #expect(written == [all[2]])

            try partition.read { log in
                for event in all {
                    #expect(try log.event(at: event.position) == event)
                    #expect(try log.event(id: event.eventID) == event)
                    #expect(try log.position(ofEvent: event.eventID) == event.position)
                    #expect(try log.hash(at: event.position) == event.hash)
                }
                #expect(try log.stream("projekt-ü/1") == Array(all[0...1]))
                #expect(try log.stream("sync-7") == [all[2]])
                #expect(try log.streamVersion("projekt-ü/1") == 2)
                #expect(try log.streamVersion("sync-7") == 1)
                #expect(try log.events(from: 2, limit: 1) == [all[1]])
                #expect(try log.events(from: 3, limit: 10) == [all[2]])
                #expect(try log.head().position == 3)
                #expect(try log.head().hash == all[2].hash)
                #expect(try log.counts() == (events: 3, streams: 2))

                // scan hands out views that must match the owned events, field by field.
                var scanned = 0
                try log.scanRecords(from: 1) { view, previous, hash in
                    let owned = all[scanned]
                    scanned += 1
                    #expect(view.position == owned.position)
                    #expect(view.streamID == owned.streamID)
                    #expect(view.streamVersion == owned.streamVersion)
                    #expect(view.eventID == owned.eventID)
                    #expect(view.type == owned.type)
                    #expect(view.isType(owned.type))
                    #expect(!view.isType(owned.type + "x"))
                    #expect(!view.isType(String(owned.type.dropLast())))
                    #expect(view.isStream(owned.streamID))
                    #expect(!view.isStream("sync-8"))
                    #expect(view.schemaVersion == owned.schemaVersion)
                    #expect(view.recordedAt == owned.recordedAt)
                    #expect(view.actor == owned.actor)
                    #expect(view.correlationID == owned.correlationID)
                    #expect(view.causationID == owned.causationID)
                    #expect(Array(view.payload) == owned.payload)
                    #expect(Array(previous) == owned.previousHash)
                    #expect(Array(hash) == owned.hash)
                    return true
                }
                #expect(scanned == all.count)
                var micros: [Int64] = []
                try log.scan(from: 1) { view in
                    micros.append(view.recordedAtMicros)
                    return true
                }
                #expect(micros == [1_750_000_000_123_456, 1_750_000_000_123_456, 1_750_000_123_000_001])
            }
            #expect(try partition.head().position == 3)
            #expect(try partition.head().hash == all[2].hash)
            #expect(try partition.verify() == .ok(tenant: tenant, events: 3, headHash: all[2].hash))
        }
    }

    @Test func absentPositionsAndIdsAreNil() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            let partition = try data.partition(for: try registerTenant(data, "empty-club"))
            try partition.read { log throws in
                #expect(try log.event(at: 1) == nil)
                #expect(try log.head().position == 0)
                #expect(try log.head().hash == partition.genesisHash)
                #expect(try log.events(from: 1, limit: .max).isEmpty)
                #expect(try log.stream("anything").isEmpty)
                #expect(try log.streamVersion("anything") == nil)
            }
            _ = try partition.append(stream: "s", expected: .any, events: [newEvent()], recordedAt: recordedAt)
            try partition.read { log throws in
                #expect(try log.event(at: 0) == nil)
                #expect(try log.event(at: 2) == nil)
                #expect(try log.event(at: UInt64.max) == nil)
                #expect(try log.event(id: UUID()) == nil)
                #expect(try log.position(ofEvent: UUID()) == nil)
                #expect(try log.events(from: 2, limit: .max).isEmpty)
                #expect(try log.events(from: 1, limit: 0).isEmpty)
            }
        }
    }

    @Test func aStreamReadsFromAMiddleVersionAcrossSeveralAppends() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            let partition = try data.partition(for: try registerTenant(data, "capo-fc"))
            // "match-1" gets versions 1-3, 4-5 and 6 in three appends, with another stream in between.
            let batches: [(String, Int)] = [("match-1", 3), ("match-2", 1), ("match-1", 2), ("match-2", 2), ("match-1", 1), ("match-0", 1)]
            var versionsAt: [String: [UInt64: UInt64]] = [:]  // stream → version → position
            for (stream, count) in batches {
                let result = try partition.append(stream: stream, expected: .any, events: (0..<count).map { _ in newEvent() }, recordedAt: recordedAt)
                for (offset, position) in result.positions.enumerated() {
                    versionsAt[stream, default: [:]][result.streamVersion - UInt64(count) + 1 + UInt64(offset)] = position
                }
            }
            #expect(versionsAt["match-1"] == [1: 1, 2: 2, 3: 3, 4: 5, 5: 6, 6: 9])

            try partition.read { log throws in
                func versions(from version: UInt64, limit: Int = .max) throws -> [UInt64] {
                    let events = try log.stream("match-1", fromVersion: version, limit: limit)
                    #expect(events.allSatisfy { $0.streamID == "match-1" })
                    #expect(events.map(\.position) == events.map { versionsAt["match-1"]?[$0.streamVersion] ?? 0 })
                    return events.map(\.streamVersion)
                }
                #expect(try versions(from: 0) == [1, 2, 3, 4, 5, 6])
                #expect(try versions(from: 1) == [1, 2, 3, 4, 5, 6])
                #expect(try versions(from: 2) == [2, 3, 4, 5, 6])
                #expect(try versions(from: 3) == [3, 4, 5, 6])
                #expect(try versions(from: 4) == [4, 5, 6])
                #expect(try versions(from: 5) == [5, 6])
                #expect(try versions(from: 6) == [6])
                #expect(try versions(from: 7) == [])
                #expect(try versions(from: 2, limit: 3) == [2, 3, 4])
                #expect(try versions(from: 5, limit: 0) == [])
                #expect(try log.stream("match-2", fromVersion: 2).map(\.position) == [7, 8])
                #expect(try log.stream("match-0", fromVersion: 1).map(\.position) == [10])
            }
        }
    }

    @Test func scanStopsWhenTheBodySaysSoAndHonoursItsLimit() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            let partition = try data.partition(for: try registerTenant(data, "scan-club"))
            _ = try partition.append(stream: "s", expected: .any, events: (0..<10).map { _ in newEvent() }, recordedAt: recordedAt)
            try partition.read { log throws in
                var seen: [UInt64] = []
                let visited = try log.scan(from: 4) { view in
                    seen.append(view.position)
                    return view.position < 6
                }
                #expect(seen == [4, 5, 6])
                #expect(visited == 3)
                var limited: [UInt64] = []
                #expect(try log.scan(from: 8, limit: 2) { limited.append($0.position); return true } == 2)
                #expect(limited == [8, 9])
                #expect(try log.scan(from: 11) { _ in true } == 0)
            }
        }
    }

    @Test func severalAppendsInOneWriteCommitTogetherInOrder() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            let partition = try data.partition(for: try registerTenant(data, "multi-club"))
            let a = newEvent(), b = newEvent(), c = newEvent(), d = newEvent()
            let (results, appended, batches) = try partition.write { log in
                let results = [
                    try log.append(stream: "x", expected: .noStream, events: [a], recordedAt: recordedAt),
                    try log.append(stream: "y", expected: .noStream, events: [b, c], recordedAt: recordedAt),
                    try log.append(stream: "x", expected: .exactly(1), events: [d], recordedAt: recordedAt),
                ]
                // A reader on the writer's transaction sees the appends before they commit.
                #expect(try log.reader.head().position == 4)
                return (results, log.appended, log.batches.map(\.stream))
            }
            #expect(results.map(\.positions) == [1...1, 2...3, 4...4])
            #expect(results.map(\.streamVersion) == [1, 2, 2])
            #expect(batches == ["x", "y", "x"])
            #expect(appended == (try allEvents(partition)))
            #expect(appended.map(\.eventID) == [a, b, c, d].map(\.eventID))
            #expect(try partition.read { try $0.stream("x") }.map(\.eventID) == [a.eventID, d.eventID])
        }
    }

    @Test func aLargeAppendGrowsASmallPartitionMap() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir, partitionOptions: EnvironmentOptions(initialMapSize: 64 * 1024))
            let tenant = try registerTenant(data, "big-club")
            let partition = try data.partition(for: tenant)
            let big = (0..<LogWriter.maxPayloadBytes).map { UInt8(truncatingIfNeeded: $0 &* 13) }
            let one = newEvent(payload: big)
            _ = try partition.append(stream: "big", expected: .noStream, events: [one], recordedAt: recordedAt)
            // Five payloads of the largest size in one append: 5 MiB in one transaction.
            let five = (0..<5).map { n in newEvent(payload: big.map { $0 ^ UInt8(n) }) }
            let result = try partition.append(stream: "big", expected: .exactly(1), events: five, recordedAt: recordedAt)
            #expect(result.positions == 2...6)
            #expect(partition.environment.mapSize > 6 * LogWriter.maxPayloadBytes)
            let all = try allEvents(partition)
            #expect(all.map(\.payload) == [one.payload] + five.map(\.payload))
            #expect(try partition.verify().isOK)
        }
    }
}
