import BulkheadCore
import EventLog
import Foundation
import Storage
import Testing

/// What an append is refused for, and that a refusal or a retry writes nothing.
@Suite struct AppendRulesTests {
    /// A data directory with one tenant whose log already holds two events in "orders" and one in "other".
    private func seeded(_ dir: String) throws -> (DataDirectory, Partition, [NewEvent]) {
        let data = try DataDirectory(path: dir)
        let partition = try data.partition(for: try registerTenant(data, "orders-club"))
        let events = [newEvent(type: "order.placed"), newEvent(type: "order.paid"), newEvent(type: "other.thing")]
        _ = try partition.append(stream: "orders", expected: .noStream, events: Array(events[0...1]), recordedAt: recordedAt)
        _ = try partition.append(stream: "other", expected: .noStream, events: [events[2]], recordedAt: recordedAt)
        return (data, partition, events)
    }

    @Test func theStoreSnapshotSeesACommittedAppend() throws {
        // The byte-identity checks below are only worth something if a real change shows up.
        try withTemporaryDirectory { dir in
            let (data, partition, _) = try seeded(dir)
            let before = try StoreSnapshot(of: dir)
            _ = try partition.append(stream: "orders", expected: .any, events: [newEvent()], recordedAt: recordedAt)
            let tenantData = "tenants/\(partition.tenant)/data.mdb"
            #expect(try StoreSnapshot(of: dir).changes(since: before) == [tenantData])
            #expect(data.directory(of: partition.tenant).hasSuffix("tenants/\(partition.tenant)"))
        }
    }

    // MARK: - Expected versions

    @Test func noStreamOnAnExistingStreamIsAConflictNamingTheActualVersion() throws {
        try withTemporaryDirectory { dir in
            let (_, partition, _) = try seeded(dir)
            let before = try StoreSnapshot(of: dir)
            #expect(throws: EventLogError.versionConflict(stream: "orders", expected: .noStream, actual: 2)) {
                try partition.append(stream: "orders", expected: .noStream, events: [newEvent()], recordedAt: recordedAt)
            }
            #expect(try StoreSnapshot(of: dir).changes(since: before) == [])
            #expect(try partition.head().position == 3)
        }
    }

    @Test(arguments: [UInt64(0), 1, 3, 99])
    func aWrongExactVersionIsAConflictNamingTheActualVersion(expected: UInt64) throws {
        try withTemporaryDirectory { dir in
            let (_, partition, _) = try seeded(dir)
            let before = try StoreSnapshot(of: dir)
            #expect(throws: EventLogError.versionConflict(stream: "orders", expected: .exactly(expected), actual: 2)) {
                try partition.append(stream: "orders", expected: .exactly(expected), events: [newEvent()], recordedAt: recordedAt)
            }
            #expect(try StoreSnapshot(of: dir).changes(since: before) == [])
        }
    }

    @Test func anExactVersionOnAMissingStreamIsAConflictWithNoActualVersion() throws {
        try withTemporaryDirectory { dir in
            let (_, partition, _) = try seeded(dir)
            #expect(throws: EventLogError.versionConflict(stream: "nowhere", expected: .exactly(1), actual: nil)) {
                try partition.append(stream: "nowhere", expected: .exactly(1), events: [newEvent()], recordedAt: recordedAt)
            }
            #expect(try partition.read { try $0.streamVersion("nowhere") } == nil)
        }
    }

    @Test func theRightExpectedVersionAppendsAfterTheStreamsLastEvent() throws {
        try withTemporaryDirectory { dir in
            let (_, partition, _) = try seeded(dir)
            let exact = try partition.append(stream: "orders", expected: .exactly(2), events: [newEvent()], recordedAt: recordedAt)
            #expect(exact.positions == 4...4)
            #expect(exact.streamVersion == 3)
            let anyVersion = try partition.append(stream: "orders", expected: .any, events: [newEvent(), newEvent()], recordedAt: recordedAt)
            #expect(anyVersion.positions == 5...6)
            #expect(anyVersion.streamVersion == 5)
            let fresh = try partition.append(stream: "fresh", expected: .noStream, events: [newEvent()], recordedAt: recordedAt)
            #expect(fresh.positions == 7...7)
            #expect(fresh.streamVersion == 1)
        }
    }

    // MARK: - Retries

    @Test func anIdenticalRetryReturnsTheOriginalPositionsAndWritesNothing() throws {
        try withTemporaryDirectory { dir in
            let (_, partition, events) = try seeded(dir)
            let headBefore = try partition.head()
            let before = try StoreSnapshot(of: dir)
            // The retry's expected version would now conflict: a retry must still be recognised.
            for expected in [ExpectedVersion.noStream, .any, .exactly(0)] {
                let retry = try partition.append(stream: "orders", expected: expected, events: Array(events[0...1]), recordedAt: Date())
                #expect(retry.positions == 1...2)
                #expect(retry.streamVersion == 2)
                #expect(retry.wasDuplicate)
            }
            let single = try partition.append(stream: "other", expected: .noStream, events: [events[2]], recordedAt: Date())
            #expect(single.positions == 3...3)
            #expect(single.wasDuplicate)
            #expect(try partition.head() == headBefore)
            #expect(try partition.read { try $0.counts() } == (events: 3, streams: 2))
            #expect(try StoreSnapshot(of: dir).changes(since: before) == [])
        }
    }

    enum Change: String, CaseIterable, CustomTestStringConvertible {
        case payload, type, actor, schemaVersion, stream
        var testDescription: String { "other \(rawValue)" }
    }

    @Test(arguments: Change.allCases)
    func aRetryWithOtherContentIsADuplicateIDNamingTheOriginalPosition(change: Change) throws {
        try withTemporaryDirectory { dir in
            let (_, partition, events) = try seeded(dir)
            var altered = events[1]
            var stream = "orders"
            switch change {
            case .payload: altered.payload = Array("something else".utf8)
            case .type: altered.type = "order.refunded"
            case .actor: altered.actor = "mallory@example.test"
            case .schemaVersion: altered.schemaVersion += 1
            case .stream: stream = "other"
            }
            let before = try StoreSnapshot(of: dir)
            #expect(throws: EventLogError.duplicateEventID(altered.eventID, position: 2)) {
                try partition.append(stream: stream, expected: .any, events: [altered], recordedAt: recordedAt)
            }
            #expect(try StoreSnapshot(of: dir).changes(since: before) == [])
        }
    }

    @Test func aRetryMixingKnownAndNewIdsIsRefusedAndWritesNothing() throws {
        try withTemporaryDirectory { dir in
            let (_, partition, events) = try seeded(dir)
            let fresh = newEvent()
            let before = try StoreSnapshot(of: dir)
            #expect(throws: EventLogError.duplicateEventID(events[0].eventID, position: 1)) {
                try partition.append(stream: "orders", expected: .any, events: [events[0], fresh], recordedAt: recordedAt)
            }
            #expect(try partition.read { try $0.event(id: fresh.eventID) } == nil)
            #expect(try StoreSnapshot(of: dir).changes(since: before) == [])
        }
    }

    @Test
    func aRetryWithTheEventsReorderedIsRefused() throws {
        try withTemporaryDirectory { dir in
            let (_, partition, events) = try seeded(dir)
            let before = try StoreSnapshot(of: dir)
            let error = #expect(throws: EventLogError.self) {
                try partition.append(stream: "orders", expected: .any, events: [events[1], events[0]], recordedAt: recordedAt)
            }
            guard case .duplicateEventID = error else {
                Issue.record("expected duplicateEventID, got \(String(describing: error))")
                return
            }
            #expect(try StoreSnapshot(of: dir).changes(since: before) == [])
        }
    }

    @Test func eventIdsThatAreNotTimeOrderedAppendAndRetryLikeAnyOther() throws {
        try withTemporaryDirectory { dir in
            let (_, partition, _) = try seeded(dir)
            // Random (version 4) ids and the smallest and largest ids sort before or between the
            // time-ordered ids already stored.
            let ids = [UUID(), UUID(uuidString: "00000000-0000-0000-0000-000000000000")!, UUID(), UUID(uuidString: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")!, UUID()]
            var events: [NewEvent] = []
            for id in ids {
                var event = newEvent()
                event.eventID = id
                events.append(event)
            }
            let result = try partition.append(stream: "random-ids", expected: .noStream, events: events, recordedAt: recordedAt)
            #expect(result.positions == 4...8)
            let retry = try partition.append(stream: "random-ids", expected: .noStream, events: events, recordedAt: recordedAt)
            #expect(retry.positions == 4...8)
            #expect(retry.wasDuplicate)
            var altered = events[1]
            altered.payload = [9]
            #expect(throws: EventLogError.duplicateEventID(altered.eventID, position: 5)) {
                try partition.append(stream: "random-ids", expected: .any, events: [altered], recordedAt: recordedAt)
            }
            try partition.read { log throws in
                for (offset, event) in events.enumerated() {
                    #expect(try log.position(ofEvent: event.eventID) == UInt64(4 + offset))
                }
            }
            #expect(try partition.verify().isOK)
        }
    }

    @Test func aRefusedAppendInsideAWriteLeavesNothingAndLaterAppendsOfThatWriteCommit() throws {
        try withTemporaryDirectory { dir in
            let (_, partition, events) = try seeded(dir)
            var altered = events[0]
            altered.payload = Array("other content".utf8)
            let fresh = newEvent(), second = newEvent(), third = newEvent()
            try partition.write { log throws in
                // The clash is with the second event, after the first was already taken in.
                #expect(throws: EventLogError.duplicateEventID(altered.eventID, position: 1)) {
                    try log.append(stream: "orders", expected: .any, events: [fresh, altered], recordedAt: recordedAt)
                }
                #expect(throws: EventLogError.versionConflict(stream: "orders", expected: .exactly(7), actual: 2)) {
                    try log.append(stream: "orders", expected: .exactly(7), events: [second], recordedAt: recordedAt)
                }
                let error = #expect(throws: EventLogError.self) {
                    try log.append(stream: "orders", expected: .any, events: [second, third, second], recordedAt: recordedAt)
                }
                guard case .invalidAppend = error else {
                    Issue.record("expected invalidAppend, got \(String(describing: error))")
                    return
                }
                // None of the refused appends left a position, an id or a stream version behind.
                #expect(try log.reader.head().position == 3)
                #expect(try log.reader.streamVersion("orders") == 2)
                #expect(try log.append(stream: "orders", expected: .exactly(2), events: [fresh, second, third], recordedAt: recordedAt).positions == 4...6)
            }
            let all = try allEvents(partition)
            #expect(all.map(\.eventID) == events.map(\.eventID) + [fresh, second, third].map(\.eventID))
            #expect(all.map(\.payload)[0] == events[0].payload)
            #expect(try partition.read { try $0.stream("orders") }.map(\.streamVersion) == [1, 2, 3, 4, 5])
            #expect(try partition.verify().isOK)
        }
    }

    // MARK: - Invalid appends

    enum BadAppend: String, CaseIterable, CustomTestStringConvertible {
        case emptyStreamID, streamIDTooLong, noEvents, sameIDTwiceInOneAppend, oversizedPayload, emptyType, typeTooLong, emptyActor, actorTooLong
        var testDescription: String { rawValue }

        func attempt(on partition: Partition) throws {
            var stream = "orders"
            var events = [newEvent(), newEvent()]
            switch self {
            case .emptyStreamID: stream = ""
            case .streamIDTooLong: stream = String(repeating: "é", count: LogWriter.maxStreamIDBytes / 2 + 1)
            case .noEvents: events = []
            case .sameIDTwiceInOneAppend: events[1].eventID = events[0].eventID
            case .oversizedPayload: events[1].payload = [UInt8](repeating: 1, count: LogWriter.maxPayloadBytes + 1)
            case .emptyType: events[1].type = ""
            case .typeTooLong: events[1].type = String(repeating: "t", count: LogWriter.maxTypeBytes + 1)
            case .emptyActor: events[0].actor = ""
            case .actorTooLong: events[0].actor = String(repeating: "a", count: LogWriter.maxActorBytes + 1)
            }
            _ = try partition.append(stream: stream, expected: .any, events: events, recordedAt: recordedAt)
        }
    }

    @Test(arguments: BadAppend.allCases)
    func anInvalidAppendIsRefusedAndLeavesTheStoreByteIdentical(bad: BadAppend) throws {
        try withTemporaryDirectory { dir in
            let (_, partition, _) = try seeded(dir)
            let head = try partition.head()
            let before = try StoreSnapshot(of: dir)
            let error = #expect(throws: EventLogError.self) { try bad.attempt(on: partition) }
            guard case .invalidAppend(let reason) = error else {
                Issue.record("expected invalidAppend, got \(String(describing: error))")
                return
            }
            #expect(!reason.isEmpty)
            #expect(try StoreSnapshot(of: dir).changes(since: before) == [])
            #expect(try partition.head() == head)
        }
    }

    @Test func theLargestAllowedSizesAreAccepted() throws {
        try withTemporaryDirectory { dir in
            let (_, partition, _) = try seeded(dir)
            let event = newEvent(
                type: String(repeating: "t", count: LogWriter.maxTypeBytes),
                payload: [UInt8](repeating: 7, count: LogWriter.maxPayloadBytes),
                actor: String(repeating: "a", count: LogWriter.maxActorBytes))
            let stream = String(repeating: "s", count: LogWriter.maxStreamIDBytes)
            let result = try partition.append(stream: stream, expected: .noStream, events: [event], recordedAt: recordedAt)
            #expect(try partition.read { try $0.event(at: result.positions.lowerBound) }?.payload.count == LogWriter.maxPayloadBytes)
        }
    }

    @Test func aWriteThatThrowsAfterAppendingLeavesTheStoreByteIdentical() throws {
        try withTemporaryDirectory { dir in
            let (_, partition, _) = try seeded(dir)
            let lost = newEvent()
            let before = try StoreSnapshot(of: dir)
            #expect(throws: TestFailure("projection refused")) {
                try partition.write { log in
                    _ = try log.append(stream: "orders", expected: .any, events: [lost], recordedAt: recordedAt)
                    _ = try log.append(stream: "more", expected: .noStream, events: [newEvent()], recordedAt: recordedAt)
                    throw TestFailure("projection refused")
                }
            }
            #expect(try StoreSnapshot(of: dir).changes(since: before) == [])
            #expect(try partition.read { try $0.event(id: lost.eventID) } == nil)
            // The next append takes the next free position.
            #expect(try partition.append(stream: "orders", expected: .exactly(2), events: [lost], recordedAt: recordedAt).positions == 4...4)
        }
    }

    @Test func anInvalidAppendInsideALargerWriteAbortsTheWholeWrite() throws {
        try withTemporaryDirectory { dir in
            let (_, partition, _) = try seeded(dir)
            let before = try StoreSnapshot(of: dir)
            let error = #expect(throws: EventLogError.self) {
                try partition.write { log in
                    _ = try log.append(stream: "orders", expected: .any, events: [newEvent()], recordedAt: recordedAt)
                    _ = try log.append(stream: "", expected: .any, events: [newEvent()], recordedAt: recordedAt)
                }
            }
            guard case .invalidAppend = error else {
                Issue.record("expected invalidAppend, got \(String(describing: error))")
                return
            }
            #expect(try StoreSnapshot(of: dir).changes(since: before) == [])
        }
    }
}
