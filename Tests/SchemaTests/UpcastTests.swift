import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections
import Testing
import Workflows

/// A `project.created` v1 event, written as an old build wrote it, is read as v2 everywhere.
@Suite struct UpcastTests {
    @Test func aVersionOneProjectCreatedIsReadAsVersionTwoWithTheRepositoryRootAsScanPath() throws {
        let world = try SchemaWorld()
        let id = UUID()
        let v1 = ProjectCreatedV1(projectId: id, name: "Legacy", githubRepository: "example/legacy")
        let partition = try world.partition()
        let appended = try partition.append(
            stream: Streams.project(id), expected: .noStream,
            events: [NewEvent(eventID: UUID(), type: ProjectCreated.type, schemaVersion: 1, payload: try BinaryEncoder.encode(v1),
                              actor: "importer@example.com", correlationID: UUID(), causationID: nil)],
            recordedAt: world.clock.now)

        _ = try world.engine.rebuild(tenant: world.tenant, projections: [], dryRun: false)
        let project = try #require(try world.engine.read(tenant: world.tenant) { try $0.project(id) })
        #expect(project.scanPath == "")
        #expect(project.name == "Legacy")
        #expect(project.githubRepository == "example/legacy")

        let position = appended.positions.lowerBound
        let (event, envelope) = try partition.read { log in
            var found: (Event, String)?
            try log.scanRecords(from: position, limit: 1) { view, previousHash, hash in
                #expect(view.schemaVersion == 1)
                found = (try EventCatalog.decode(type: view.type, schemaVersion: view.schemaVersion, payload: view.payload),
                         try EnvelopeJSON.render(view, previousHash: previousHash, hash: hash))
                return true
            }
            return try #require(found)
        }
        #expect(event == .projectCreated(ProjectCreated(projectId: id, name: "Legacy", githubRepository: "example/legacy", scanPath: "")))
        #expect(event.schemaVersion == 2)

        // The envelope keeps the stored version and shows the payload in its current shape; the
        // schema checker validates that payload against project.created.v2.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(envelope.utf8)) as? [String: Any])
        #expect(object["schemaVersion"] as? Int == 1)
        #expect((object["payload"] as? [String: Any])?["scanPath"] as? String == "")
    }

    @Test func aProjectCreatedOfAnUnknownVersionIsALoudError() throws {
        let payload = try BinaryEncoder.encode(ProjectCreated(projectId: UUID(), name: "n", githubRepository: nil, scanPath: ""))
        #expect(throws: EventDecodingError.self) {
            try payload.withUnsafeBytes { try EventCatalog.decode(type: ProjectCreated.type, schemaVersion: 3, payload: $0) }
        }
    }
}
