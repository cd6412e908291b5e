import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections
import Testing

/// The repository's directories, found from this file's path (`Tests/SchemaTests/...`).
enum Repository {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let schemas = root.appendingPathComponent("Schemas")
    static let checker = root.appendingPathComponent("Tools/check-schemas.py")
    static let badCommands = root.appendingPathComponent("Tests/Fixtures/bad-commands")
}

/// A temporary directory removed when the value goes away: one per test.
final class TemporaryDirectory {
    let url: URL

    init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `data` to `relative` (a path such as `events/project.created.v2/1.json`), creating folders.
    func write(_ data: Data, to relative: String) throws {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
    }
}

/// A fresh data directory with one tenant and an engine on a manual clock. The tenant's users are
/// ``owner`` (its first user) and ``alias``: every command's actor must be a user.
final class SchemaWorld {
    static let owner = "oliver@example.com"
    static let alias = "oliver+alias@example.com"

    let directory: TemporaryDirectory
    let data: DataDirectory
    let clock: ManualClock
    let engine: TenantEngine
    let tenant: TenantID

    init() throws {
        directory = try TemporaryDirectory("schemas")
        data = try DataDirectory(path: directory.url.appendingPathComponent("data").path)
        clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000.123456))
        engine = TenantEngine(data: data, clock: clock)
        tenant = try engine.createTenant(
            slug: "capo-fc", name: "Capo FC", owner: Self.owner, ownerName: "Oliver", at: clock.now
        )
            .record.id
        try engine.execute(AddUser(email: Self.alias, displayName: "Oliver (alias)"), tenant: tenant, actor: Self.owner)
    }

    @discardableResult
    func run(_ command: any Command, actor: String = SchemaWorld.owner) throws -> CommandOutcome {
        try engine.execute(command, tenant: tenant, actor: actor)
    }

    func partition() throws -> Partition { try data.partition(for: tenant) }
}

/// What `Tools/check-schemas.py` printed and how it exited.
struct CheckerResult: CustomStringConvertible {
    let status: Int32
    let output: String

    /// The final `N passed, M failed` line.
    var summary: String { output.split(separator: "\n").last.map(String.init) ?? "" }
    var description: String { "exit \(status)\n\(output)" }
}

enum SchemaChecker {
    /// Runs `python3 Tools/check-schemas.py MODE DIR`.
    static func run(_ mode: String, _ directory: URL) throws -> CheckerResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Repository.checker.path, mode, directory.path]
        process.currentDirectoryURL = Repository.root
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CheckerResult(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self))
    }
}

/// Seeded, so a failing history can be replayed from its seed.
typealias SeededRandom = SplitMix64

extension Command {
    /// The command as the JSON an HTTP client would send: `JSONEncoder`, nil optionals omitted.
    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}
