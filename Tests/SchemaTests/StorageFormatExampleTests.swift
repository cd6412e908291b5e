import BulkheadCore
import Domain
import EventLog
import Foundation
import Testing

/// The worked example of `Schemas/storage-format.md` is what the code writes: the test reads the
/// record, the previous hash and the hash from the document itself, so the two cannot drift.
@Suite struct StorageFormatExampleTests {
    /// The hex string in backquotes on the line after `<!-- marker -->`.
    static func documented(_ marker: String) throws -> String {
        let document = Repository.schemas.appendingPathComponent("storage-format.md")
        let text = try String(contentsOf: document, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        let index = try #require(lines.firstIndex(of: "<!-- \(marker) -->"), "no \(marker) in storage-format.md")
        let value = lines[lines.index(after: index)].trimmingCharacters(in: CharacterSet(charactersIn: "` "))
        #expect(!value.isEmpty)
        return value
    }

    static func uuid(_ text: String) throws -> UUID { try #require(UUID(uuidString: text)) }

    @Test func theWorkedExampleIsWhatTheCodeWrites() throws {
        let tenant = TenantID(try Self.uuid("5c0e3f0a-2d1b-4c55-9f3e-1b2a9d0c7e11"))
        // The genesis hash, as a partition of that tenant has it.
        let directory = try TemporaryDirectory("storage-format-example")
        let data = try DataDirectory(path: directory.url.path)
        _ = try data.createTenant(slug: "berko-tnf", name: "Berko TNF", id: tenant, at: Date(timeIntervalSince1970: 0))
        let genesis = try data.partition(for: tenant).genesisHash
        #expect(genesis.hexString == (try Self.documented("worked-example-previous")))

        let payload = try ConfigSet(key: .heavyWinThreshold, value: .integer(3)).encodedPayloadBytes()
        let event = NewEvent(
            eventID: try Self.uuid("019ae5b2-0c4d-7a3e-8f21-4b5c6d7e8f90"), type: ConfigSet.type,
            schemaVersion: ConfigSet.schemaVersion, payload: payload, actor: "organiser@berko.example",
            correlationID: try Self.uuid("019ae5b2-0c4d-7a3e-8f21-4b5c6d7e8f91"), causationID: nil,
            apiKeyID: try Self.uuid("019ae5b2-0c4d-7a3e-8f21-4b5c6d7e8f92"))
        // 2026-12-03T18:00:00.123456Z (ISO8601DateFormatter would keep only the milliseconds).
        let micros: Int64 = 1_796_320_800_123_456
        let recordedAt = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        #expect(Timestamp.format(recordedAt) == "2026-12-03T18:00:00.123456Z")
        let value = StoredRecord.encode(
            event, position: 1, streamID: "tenant", streamVersion: 1, recordedAtMicros: micros, previousHash: genesis)
        let record = Array(value.dropLast(StoredRecord.hashSize))
        let hash = Array(value.suffix(StoredRecord.hashSize))
        #expect(record.count == 146)
        #expect(record.hexString == (try Self.documented("worked-example-record")))
        #expect(hash.hexString == (try Self.documented("worked-example-hash")))
        // And the log itself stores those bytes for that event.
        let partition = try data.partition(for: tenant)
        _ = try partition.append(stream: "tenant", expected: .any, events: [event], recordedAt: recordedAt)
        let stored = try #require(try partition.read { try $0.event(at: 1) })
        #expect(stored.hash == hash)
        #expect(stored.apiKeyID == event.apiKeyID)
    }
}

extension ConfigSet {
    /// The payload bytes the engine appends for this event.
    func encodedPayloadBytes() throws -> [UInt8] { try Event.configSet(self).encodedPayload() }
}
