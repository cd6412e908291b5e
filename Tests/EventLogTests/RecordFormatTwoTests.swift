import BulkheadCore
@testable import EventLog
import Foundation
import Storage
import Testing

/// Record format 2: an event with an API key id ends with it; one without stays format 1, byte for
/// byte as before.
@Suite struct RecordFormatTwoTests {
    private let keyID = UUID(uuidString: "019ae5b2-0c4d-7a3e-8f21-4b5c6d7e8f92") ?? UUID()

    private func event(key: UUID?, causation: UUID? = nil) -> NewEvent {
        var event = newEvent(payload: Array("payload".utf8), causationID: causation)
        event.apiKeyID = key
        return event
    }

    @Test func anEventWithAKeyIsFormatTwoAndReadsBackItsKey() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            let tenant = try registerTenant(data, "keyed")
            let partition = try data.partition(for: tenant)
            _ = try partition.append(stream: "s", expected: .any, events: [event(key: nil)], recordedAt: recordedAt)
            _ = try partition.append(stream: "s", expected: .any, events: [event(key: keyID, causation: UUID())],
                                     recordedAt: recordedAt)
            _ = try partition.append(stream: "s", expected: .any, events: [event(key: nil)], recordedAt: recordedAt)
            let events = try allEvents(partition)
            #expect(events.map(\.apiKeyID) == [nil, keyID, nil])
            let formats = try partition.read { log in
                var formats: [UInt8] = []
                try log.scan(from: 1) { view in
                    formats.append(view.format)
                    #expect(view.apiKeyID == events[Int(view.position) - 1].apiKeyID)
                    #expect(view.recordBytes.first == view.format)
                    return true
                }
                return formats
            }
            #expect(formats == [1, 2, 1])
            #expect(try partition.verify().isOK)
        }
    }

    @Test func theKeyIdIsUnderTheHash() throws {
        try withTemporaryDirectory { dir in
            let tenant: TenantID
            do {
                let data = try DataDirectory(path: dir)
                tenant = try registerTenant(data, "keyed-tamper")
                let partition = try data.partition(for: tenant)
                for key in [nil, keyID, nil] as [UUID?] {
                    _ = try partition.append(
                        stream: "s", expected: .any, events: [event(key: key)], recordedAt: recordedAt)
                }
            }
            // Another key id in place of the recorded one: the same length, so only the hash tells.
            try withRawLog(dir, tenant) { env, log in
                try env.write { tx in
                    guard var value = try tx.get(log, key: positionKey(2)) else { throw TestFailure("no event at 2") }
                    value[value.count - 32 - 1] ^= 0x01
                    try tx.put(log, key: positionKey(2), value: value)
                }
            }
            let report = try DataDirectory(path: dir).partition(for: tenant).verify()
            guard case .broken(tenant, 2, _) = report else {
                Issue.record("expected a broken chain at 2, got \(report)")
                return
            }
        }
    }

    @Test func formatOneBytesAreUnchangedAndFormatTwoAddsSixteenBytes() throws {
        let plain = event(key: nil)
        var keyed = plain
        keyed.apiKeyID = keyID
        let previous = [UInt8](repeating: 7, count: 32)
        let one = StoredRecord.encode(plain, position: 3, streamID: "s", streamVersion: 1, recordedAtMicros: 5,
                                      previousHash: previous)
        let two = StoredRecord.encode(keyed, position: 3, streamID: "s", streamVersion: 1, recordedAtMicros: 5,
                                      previousHash: previous)
        #expect(one.first == 1)
        #expect(two.first == 2)
        #expect(two.count == one.count + 16)
        // Apart from the format byte, format 2 is format 1's record followed by the key id.
        let recordOne = one.dropLast(32), recordTwo = two.dropLast(32)
        #expect(Array(recordTwo.dropFirst().prefix(recordOne.count - 1)) == Array(recordOne.dropFirst()))
        #expect(Array(recordTwo.suffix(16)) == withUnsafeBytes(of: keyID.uuid) { Array($0) })
    }

    @Test(arguments: [
        ("format 2 without room for a key id", 0),
        ("format 3", 1),
        ("format 1 carrying 16 more bytes", 2),
    ])
    func malformedFormatsAreRefused(name: String, variant: Int) throws {
        let plain = event(key: nil)
        var keyed = plain
        keyed.apiKeyID = keyID
        let previous = [UInt8](repeating: 0, count: 32)
        var value: [UInt8]
        switch variant {
        case 0:
            // A format-1 record relabelled 2: its last 16 bytes (payload) would be read as a key id,
            // leaving the payload's length pointing past the end.
            value = StoredRecord.encode(plain, position: 1, streamID: "s", streamVersion: 1, recordedAtMicros: 0,
                                        previousHash: previous)
            value[0] = 2
        case 1:
            value = StoredRecord.encode(keyed, position: 1, streamID: "s", streamVersion: 1, recordedAtMicros: 0,
                                        previousHash: previous)
            value[0] = 3
        default:
            value = StoredRecord.encode(keyed, position: 1, streamID: "s", streamVersion: 1, recordedAtMicros: 0,
                                        previousHash: previous)
            value[0] = 1
        }
        let refused = value.withUnsafeBytes { raw in
            do {
                _ = try StoredRecord.view(raw)
                return false
            } catch {
                return true
            }
        }
        #expect(refused, "\(name) was read as a record")
    }
}
