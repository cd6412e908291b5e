import Foundation
import Testing

/// `bulkhead audit export` and `Tools/verify-audit.py`: the verifier, written from
/// `Schemas/storage-format.md` alone, accepts a clean export with the head `bulkhead verify`
/// reports, and names the tenant and the position of a changed, removed or swapped event.
@Suite struct AuditExportCLITests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `python3` on `PATH`, or `nil` (the tests are then skipped, saying so).
    static let python: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/python3" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Runs the verifier on an export; its exit status and output.
    static func verify(_ export: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(python))
        process.arguments = [repository.appendingPathComponent("Tools/verify-audit.py").path, export]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    /// `bulkhead verify --all-tenants --format json`: slug to (id, head hash).
    static func heads(_ cli: CLI) throws -> [String: (id: String, head: String)] {
        let run = try cli("verify", "--all-tenants", "--format", "json")
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        let results = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        var heads: [String: (id: String, head: String)] = [:]
        for r in results {
            if let slug = r["slug"] as? String, let id = r["tenant"] as? String, let head = r["headHash"] as? String {
                heads[slug] = (id, head)
            }
        }
        return heads
    }

    static func scratch() -> String {
        NSTemporaryDirectory() + "bulkhead-audit-\(UUID().uuidString)"
    }

    @Test(.enabled(if: python != nil, "python3 is not on PATH: the offline verifier cannot run"))
    func everyDemoTenantsExportVerifiesWithTheHeadOfBulkheadVerify() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let demo = try cli("demo")
        #expect(demo.status == 0, "\(demo.stderr)")
        let heads = try Self.heads(cli)
        #expect(heads.count >= 3)
        let root = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (slug, tenant) in heads.sorted(by: { $0.key < $1.key }) {
            let directory = root + "/" + slug
            let export = try cli("audit", "export", "--tenant", slug, directory)
            #expect(export.status == 0, "\(export.stderr)")
            let result = try Self.verify(directory)
            #expect(result.status == 0, "\(slug): \(result.output)")
            #expect(result.output.contains("tenant \(tenant.id)"))
            #expect(result.output.contains("head \(tenant.head)"), "\(slug): \(result.output)")
        }
        // A second export into a directory that is not empty is refused, and nothing is touched.
        let firstSlug = try #require(heads.keys.first)
        let again = try cli("audit", "export", "--tenant", firstSlug, root + "/" + firstSlug)
        #expect(again.status == 3, "\(again.stderr)")
    }

    /// A small tenant's export: its directory and the tenant's id.
    static func smallExport(_ cli: CLI, into directory: String) throws -> String {
        let created = try cli("tenant", "create", "tamper-club", "--name", "Tamper Club",
                              "--owner", "ana@tamper.example")
        #expect(created.status == 0)
        for n in 1...5 {
            let run = try cli("exec", "--tenant", "tamper-club", "--actor", "ana@tamper.example", "project.create",
                              #"{"name":"Project \#(n)","githubRepository":"tamper/app-\#(n)"}"#)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let export = try cli("audit", "export", "--tenant", "tamper-club", directory)
        #expect(export.status == 0, "\(export.stderr)")
        // Commands of the CLI record no API key: format 1, no apiKeyId.
        let events = try String(contentsOfFile: directory + "/events.jsonl", encoding: .utf8)
        #expect(!events.contains("apiKeyId"))
        return try #require(Self.heads(cli)["tamper-club"]).id
    }

    enum Tamper: String, CaseIterable, CustomTestStringConvertible {
        case payloadByte, eventRemoved, eventsSwapped, readableFormDiffers
        var testDescription: String { rawValue }
    }

    @Test(.enabled(if: python != nil, "python3 is not on PATH: the offline verifier cannot run"),
          arguments: Tamper.allCases)
    func aTamperedExportFailsNamingTheTenantAndPosition(tamper: Tamper) throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let directory = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tenant = try Self.smallExport(cli, into: directory)
        #expect(try Self.verify(directory).status == 0)

        let events = URL(fileURLWithPath: directory + "/events.jsonl")
        var lines = try String(contentsOf: events, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 6)
        let position: Int
        switch tamper {
        case .payloadByte:
            // One byte of the payload of position 3 (the project's name), in the stored bytes only.
            var line = try #require(try JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as? [String: Any])
            let base64 = try #require(line["stored"] as? String)
            var stored = try #require(Data(base64Encoded: base64))
            let name = try #require(stored.range(of: Data("Project 2".utf8)))
            stored[name.lowerBound] = UInt8(ascii: "X")
            line["stored"] = stored.base64EncodedString()
            let json = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
            lines[2] = String(decoding: json, as: UTF8.self)
            position = 3
        case .eventRemoved:
            lines.remove(at: 3)
            position = 4
        case .eventsSwapped:
            lines.swapAt(1, 2)
            position = 2
        case .readableFormDiffers:
            // The stored bytes intact, the readable form naming another actor.
            lines[4] = lines[4].replacingOccurrences(of: "\"actor\":\"ana@tamper.example\"",
                                                     with: "\"actor\":\"eve@tamper.example\"")
            position = 5
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: events)
        let result = try Self.verify(directory)
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("tenant \(tenant)"), "\(result.output)")
        #expect(result.output.contains("FAILED at position \(position)"), "\(result.output)")
    }
}
