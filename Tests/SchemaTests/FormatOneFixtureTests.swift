import BulkheadCore
import Domain
import EventLog
import Foundation
import Testing
import Workflows

/// A data directory written before record format 2 existed (`Tests/Fixtures/format1-data`) opens,
/// verifies to the head hash it had then, replays the same envelopes, and its records are what
/// today's writer makes for the same events: record format 1 did not change.
@Suite struct FormatOneFixtureTests {
    static let fixture = Repository.root.appendingPathComponent("Tests/Fixtures/format1-data")
    static let tenant = "2b8a6702-3694-4265-a6aa-436f97439bc5"

    /// A copy of the fixture (the fixture itself is never opened: LMDB would add lock files).
    static func copy() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory("format1")
        let data = directory.url.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for name in ["catalog", "tenants"] {
            try FileManager.default.copyItem(
                at: fixture.appendingPathComponent(name), to: data.appendingPathComponent(name))
        }
        return directory
    }

    @Test func aFormatOneDirectoryOpensVerifiesAndReplaysUnchanged() throws {
        let directory = try Self.copy()
        let path = directory.url.appendingPathComponent("data").path
        let tenantData = directory.url.appendingPathComponent("data/tenants/\(Self.tenant)/data.mdb")
        let before = try Data(contentsOf: tenantData)

        let expected = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: Self.fixture.appendingPathComponent("verify.json"))) as? [[String: Any]])
        let expectedHead = try #require(expected.first?["headHash"] as? String)
        let replay = try String(contentsOf: Self.fixture.appendingPathComponent("replay.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(replay.count == 12)

        let data = try DataDirectory(path: path)
        let id = try #require(TenantID(Self.tenant))
        let partition = try data.partition(for: id)
        guard case .ok(id, 12, let head) = try partition.verify() else {
            Issue.record("the format-1 directory does not verify: \(try partition.verify())")
            return
        }
        #expect(head.hexString == expectedHead)

        var lines: [String] = []
        try partition.read { log in
            try log.scanRecords(from: 1) { view, previous, hash in
                #expect(view.format == 1)
                #expect(view.apiKeyID == nil)
                lines.append(try EnvelopeJSON.render(view, previousHash: previous, hash: hash))
                // Today's writer makes the same bytes for the same event.
                let again = StoredRecord.encode(
                    NewEvent(eventID: view.eventID, type: view.type, schemaVersion: view.schemaVersion,
                             payload: Array(view.payload), actor: view.actor, correlationID: view.correlationID,
                             causationID: view.causationID),
                    position: view.position, streamID: view.streamID, streamVersion: view.streamVersion,
                    recordedAtMicros: view.recordedAtMicros, previousHash: Array(previous))
                #expect(Array(again.dropLast(32)) == Array(view.recordBytes), "position \(view.position)")
                #expect(Array(again.suffix(32)) == Array(hash), "position \(view.position)")
                return true
            }
        }
        #expect(lines == replay)
        // Reading changed nothing.
        #expect(try Data(contentsOf: tenantData) == before)
    }
}
