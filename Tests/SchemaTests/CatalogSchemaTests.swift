import BulkheadCore
import Domain
import Foundation
import Testing

/// The schema files and the Swift catalogues name the same types, commands and versions.
@Suite struct CatalogSchemaTests {
    func schema(_ relative: String) throws -> [String: Any] {
        let url = Repository.schemas.appendingPathComponent(relative)
        let data = try Data(contentsOf: url)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(relative) is not a JSON object")
    }

    func files(_ folder: String) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: Repository.schemas.appendingPathComponent(folder).path)
            .filter { $0.hasSuffix(".schema.json") })
    }

    @Test func modelCatalogJSONIsExactlyTheCatalogThisBuildShips() throws {
        let data = try Data(contentsOf: Repository.schemas.appendingPathComponent("model-catalog.json"))
        let decoded = try StrictJSON.decode(ModelCatalog.self, from: data)
        #expect(decoded == ModelCatalog.current)
    }

    @Test func everyEventTypeHasASchemaAtItsCurrentVersion() throws {
        var expected: Set<String> = ["project.created.v1.schema.json"]
        for type in EventCatalog.payloadTypes {
            let file = "\(type.type).v\(type.schemaVersion).schema.json"
            expected.insert(file)
            let document = try schema("events/\(file)")
            #expect(document["x-bulkhead-schema-version"] as? Int == Int(type.schemaVersion), "\(file)")
            #expect(document["$id"] as? String == "https://bulkhead.example/schemas/events/\(file)")
        }
        #expect(try schema("events/project.created.v1.schema.json")["x-bulkhead-schema-version"] as? Int == 1)
        #expect(try files("events") == expected, "schema files without an event type, or event types without a schema")
    }

    @Test func everyCommandHasASchema() throws {
        let expected = Set(CommandCatalog.names.map { "\($0).schema.json" })
        for name in CommandCatalog.names {
            #expect(try schema("commands/\(name).schema.json")["title"] as? String == name)
        }
        #expect(try files("commands") == expected, "schema files without a command, or commands without a schema")
    }

    @Test func eventSchemasListTheFieldsOfTheSwiftPayloads() throws {
        // Required fields are the non-optional ones: encode a value and compare the keys.
        let samples: [any EventPayload] = [
            ProjectCreated(projectId: UUID(), name: "n", githubRepository: nil, scanPath: ""),
            SyncStarted(syncId: UUID(), projectId: UUID(), previousSyncId: nil),
            ProjectUpdated(projectId: UUID(), name: "n", githubRepository: nil, scanPath: ""),
        ]
        for sample in samples {
            let type = Swift.type(of: sample)
            let keys = try #require(try JSONSerialization.jsonObject(with: EventCatalog.jsonEncoder.encode(sample)) as? [String: Any]).keys
            let document = try schema("events/\(type.type).v\(type.schemaVersion).schema.json")
            #expect(Set(document["required"] as? [String] ?? []) == Set(keys), "\(type.type)")
        }
    }
}
