import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections
import Testing

/// A fresh data directory with an engine on a manual clock: one per test. Each tenant is created
/// with ``owner`` as its first user, the default actor of ``run(_:_:actor:)``.
final class Harness {
    /// Every tenant's first user.
    static let owner = "oliver@example.com"

    let path: String
    let data: DataDirectory
    let clock: ManualClock
    let engine: TenantEngine

    init(tenants slugs: [String] = ["alpha"]) throws {
        path = NSTemporaryDirectory() + "bulkhead-domain-\(UUID().uuidString)"
        data = try DataDirectory(path: path)
        clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
        engine = TenantEngine(data: data, clock: clock)
        for slug in slugs {
            try engine.createTenant(
                slug: slug, name: slug.capitalized, owner: Self.owner, ownerName: "Oliver", at: clock.now)
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func tenant(_ slug: String) throws -> TenantID { try data.resolveTenant(slug).id }

    @discardableResult
    func run(_ command: any Command, _ slug: String = "alpha", actor: String = "oliver@example.com") throws -> CommandOutcome {
        try engine.execute(command, tenant: tenant(slug), actor: actor)
    }

    @discardableResult
    func json(_ name: String, _ body: String, _ slug: String = "alpha", actor: String = "oliver@example.com") throws -> CommandOutcome {
        try engine.execute(name: name, json: Data(body.utf8), tenant: tenant(slug), actor: actor)
    }

    func view<R>(_ slug: String = "alpha", _ body: (TenantView) throws -> R) throws -> R {
        try engine.read(tenant: tenant(slug), body)
    }

    func project(_ slug: String = "alpha", name: String = "CodeMCP") throws -> UUID {
        try #require(try run(CreateProject(name: name, githubRepository: "example/codemcp"), slug).ids["projectId"])
    }

    /// The bytes of every data file under the data directory, by relative path.
    func fingerprint() throws -> [String: Data] {
        try Fingerprint.files(under: path)
    }

    /// Expects `body` to throw a `CommandError` equal to `expected` and the store to stay byte-identical.
    func expectRefusal(_ expected: CommandError, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) throws {
        let before = try fingerprint()
        #expect(throws: expected, sourceLocation: sourceLocation) { try body() }
        #expect(try fingerprint() == before, "the store changed although the command was refused", sourceLocation: sourceLocation)
    }
}

enum Fingerprint {
    static func files(under root: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(atPath: root) else { return result }
        for case let relative as String in walker {
            let full = root + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            // lock.mdb holds reader slots, not data: it changes whenever anyone reads.
            if relative.hasSuffix("lock.mdb") { continue }
            result[relative] = try Data(contentsOf: URL(fileURLWithPath: full))
        }
        return result
    }
}
