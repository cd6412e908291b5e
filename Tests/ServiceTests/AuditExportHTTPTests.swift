import BulkheadCore
import EventLog
import Foundation
import HummingbirdTesting
@testable import Service
import Testing

/// `GET /v1/audit/export`: JSON Lines of the key's tenant, ending with the manifest, that
/// `Tools/verify-audit.py` accepts as it is.
@Suite struct AuditExportHTTPTests {
    /// `python3` on `PATH`, or `nil` (the tests that need it are skipped, saying so).
    static let python: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/python3" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Runs the verifier on `path`; its exit status and standard output.
    static func verify(_ path: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(python))
        process.arguments = [Repository.root.appendingPathComponent("Tools/verify-audit.py").path, path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test(.enabled(if: python != nil, "python3 is not on PATH: the offline verifier cannot run"))
    func anExportOverHTTPVerifiesOfflineWithTheKeyedEvents() async throws {
        let world = try ServiceWorld()
        try await world.app().test(.router) { client in
            let created = try await client.call(.post, "/v1/commands/project.create", key: world.alpha.key,
                                                body: #"{"name":"Exported"}"#)
            #expect(created.status == 200)
            let reply = try await client.call(.get, "/v1/audit/export", key: world.alpha.key)
            #expect(reply.status == 200)
            #expect(reply.contentType.hasPrefix("application/jsonl"))
            let lines = reply.text.split(separator: "\n").map(String.init)
            let head = try world.data.partition(for: world.alpha.tenant).head()
            #expect(lines.count == Int(head.position) + 1)
            let lastLine = try #require(lines.last)
            let last = try #require(try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any])
            let manifest = try #require(last["manifest"] as? [String: Any])
            #expect((manifest["tenant"] as? [String: Any])?["id"] as? String == world.alpha.tenant.description)
            #expect(manifest["headHash"] as? String == head.hash.hexString)
            #expect((manifest["counts"] as? [String: Any])?["recordFormat2"] as? Int == 1)
            #expect(manifest["checkpoints"] as? [Any] != nil && manifest["publicKeys"] as? [Any] != nil)

            let file = FileManager.default.temporaryDirectory
                .appendingPathComponent("bulkhead-export-\(UUID().uuidString).jsonl")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(reply.text.utf8).write(to: file)
            let result = try Self.verify(file.path)
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains(head.hash.hexString))
            #expect(result.output.contains("1 in record format 2"))

            // A range: its first event chains from the hash before it.
            let part = try await client.call(.get, "/v1/audit/export?from=3&to=5", key: world.alpha.key)
            #expect(part.status == 200)
            #expect(part.text.split(separator: "\n").count == 4)
            try Data(part.text.utf8).write(to: file)
            let partial = try Self.verify(file.path)
            #expect(partial.status == 0, "\(partial.output)")
        }
    }

    @Test func theExportIsTheKeysTenantsAndABadRangeIsRefusedByName() async throws {
        let world = try ServiceWorld()
        try await world.app().test(.router) { client in
            let beta = try await client.call(.get, "/v1/audit/export?to=2", key: world.beta.key)
            #expect(beta.status == 200)
            let lines = beta.text.split(separator: "\n")
            #expect(lines.count == 3)
            #expect(beta.text.contains(world.beta.tenant.description))
            #expect(!beta.text.contains(world.alpha.tenant.description))
            for (query, field) in [("from=0", "from"), ("from=5&to=4", "to"), ("from=999999", "from"), ("to=x", "to")] {
                let bad = try await client.call(.get, "/v1/audit/export?\(query)", key: world.alpha.key)
                #expect(bad.status == 400, "\(query)")
                #expect(bad.errorField == field, "\(query): \(bad.text)")
            }
            let anonymous = try await client.call(.get, "/v1/audit/export", key: nil)
            #expect(anonymous.status == 401)
        }
    }
}
