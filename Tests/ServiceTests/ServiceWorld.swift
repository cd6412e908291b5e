import BulkheadCore
import Domain
import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import HummingbirdTesting
import Projections
import Storage
@testable import Service
import Testing

/// The repository's directories, found from this file's path (`Tests/ServiceTests/...`).
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let openAPI = root.appendingPathComponent("Schemas/openapi.yaml")
    static let openAPIChecker = root.appendingPathComponent("Tests/ServiceTests/check-openapi.py")
}

/// What a tenant was seeded with: the ids and names the tests ask for.
struct Seeded {
    let tenant: TenantID
    let key: String
    let keyID: UUID
    let projectID: UUID
    let projectName: String
    let noteID: UUID
    let seasonName: String
    let userEmail: String
    let teamName: String
    /// The tenant's first user, added when it was created.
    let ownerEmail: String
    /// Every user's e-mail address, as `GET /v1/users` orders them (by address).
    let users: [String]
}

/// A fresh data directory with two tenants, `alpha` and `beta`, each with an API key and a little of
/// everything (a project with a note, knowledge, a sync and a run; a season with a match; a user;
/// configuration), served by a ``BulkheadService`` on a manual clock. One per test.
///
/// Every command's actor must be a user of its tenant: each tenant is created with its owner
/// `setup@<slug>.example`, who adds ``defaultActors`` (the default actors of ``run(_:_:_:actor:)``
/// and of `call`) and `someone@<slug>.example`. Tests that act as someone else add them with
/// ``addUsers(_:to:)``.
final class ServiceWorld: @unchecked Sendable {
    /// The users every seeded tenant has besides its owner and `someone@<slug>.example`.
    static let defaultActors = ["oliver@example.com", "setup@example.com"]

    let path: String
    let data: DataDirectory
    let clock: ManualClock
    let service: BulkheadService
    let alpha: Seeded
    let beta: Seeded

    init(streamMaxDuration: Duration = .milliseconds(400), streamKeepAlive: Duration = .seconds(15),
         streamPollInterval: Duration = .milliseconds(20), maxHeavyRequests: Int = 4, logger custom: Logger? = nil,
         partitionOptions: EnvironmentOptions = .init(), signingKey: SigningKey? = nil,
         checkpointEvery: UInt64 = ServiceConfiguration.defaultCheckpointEvery) throws {
        path = NSTemporaryDirectory() + "bulkhead-service-\(UUID().uuidString)"
        data = try DataDirectory(path: path, partitionOptions: partitionOptions)
        clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
        var logger = custom ?? Logger(label: "bulkhead.service.tests")
        if custom == nil { logger.logLevel = .critical }
        var configuration = ServiceConfiguration(
            dataPath: path, clock: clock, streamPollInterval: streamPollInterval, streamMaxDuration: streamMaxDuration,
            streamKeepAlive: streamKeepAlive, maxHeavyRequests: maxHeavyRequests, logger: logger)
        configuration.signingKey = signingKey
        configuration.checkpointEvery = checkpointEvery
        service = BulkheadService(configuration, data: data)
        alpha = try Self.seed(service, clock: clock, slug: "alpha", label: "Alpha")
        beta = try Self.seed(service, clock: clock, slug: "beta", label: "Beta")
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// The application under test.
    func app() -> some ApplicationProtocol { buildApplication(service) }

    /// Runs a command through the engine directly (set-up, not the code under test).
    @discardableResult
    func run(_ tenant: TenantID, _ name: String, _ json: String, actor: String = "setup@example.com") throws -> CommandOutcome {
        try service.engine.execute(name: name, json: Data(json.utf8), tenant: tenant, actor: actor)
    }

    /// Adds users to a tenant, as its owner.
    func addUsers(_ emails: [String], to tenant: TenantID) throws {
        let owner = tenant == alpha.tenant ? alpha.ownerEmail : beta.ownerEmail
        for email in emails {
            try run(tenant, "tenant.addUser", #"{"email":"\#(email)","displayName":"\#(email)"}"#, actor: owner)
        }
    }

    /// The tenant's last position.
    func head(_ tenant: TenantID) throws -> UInt64 { try data.partition(for: tenant).head().position }

    /// The bytes of every data file of a tenant's partition (not `lock.mdb`, which holds reader slots).
    func fingerprint(_ tenant: TenantID) throws -> [String: Data] {
        let root = data.directory(of: tenant)
        var result: [String: Data] = [:]
        for case let relative as String in FileManager.default.enumerator(atPath: root) ?? FileManager.default.enumerator(atPath: "/")! {
            guard !relative.hasSuffix("lock.mdb") else { continue }
            var isDirectory: ObjCBool = false
            let full = root + "/" + relative
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            result[relative] = try Data(contentsOf: URL(fileURLWithPath: full))
        }
        return result
    }

    private static func seed(_ service: BulkheadService, clock: ManualClock, slug: String, label: String) throws -> Seeded {
        let owner = "setup@\(slug).example"
        let engine = service.engine
        let tenant = try engine.createTenant(
            slug: slug, name: label, owner: owner, ownerName: "\(label) Setup", at: clock.now
        )
            .record.id
        func run(_ name: String, _ json: String) throws -> CommandOutcome {
            try engine.execute(name: name, json: Data(json.utf8), tenant: tenant, actor: owner)
        }
        for actor in defaultActors {
            _ = try run("tenant.addUser", #"{"email":"\#(actor)","displayName":"\#(label) \#(actor)"}"#)
        }
        let issued = try run("tenant.issueApiKey", #"{"label":"tests"}"#)
        let projectName = "\(label) Project"
        let project = try #require(try run("project.create", #"{"name":"\#(projectName)","githubRepository":"\#(slug)/repo","scanPath":"src"}"#).ids["projectId"])
        let note = try #require(try run("note.create", #"{"projectId":"\#(project)","title":"\#(label) note","body":"text"}"#).ids["noteId"])
        _ = try run("knowledge.record", #"{"projectId":"\#(project)","kind":"codePattern","content":"\#(label) pattern"}"#)
        _ = try run("sync.start", #"{"projectId":"\#(project)"}"#)
        _ = try run("analysis.request", #"{"projectId":"\#(project)","trigger":"manual"}"#)
        let email = "someone@\(slug).example"
        _ = try run("tenant.addUser", #"{"email":"\#(email)","displayName":"\#(label) User"}"#)
        let team = "\(label) Reds"
        _ = try run("tenant.setConfig", #"{"key":"teamAName","value":{"text":"\#(team)"}}"#)
        _ = try run("tenant.setConfig", #"{"key":"teamBName","value":{"text":"\#(label) Blues"}}"#)
        _ = try run("tenant.setConfig", #"{"key":"heavyWinThreshold","value":{"integer":3}}"#)
        let season = "\(label) 2026/27"
        _ = try run("season.define", #"{"name":"\#(season)","startDate":"2026-08-01","endDate":"2027-06-30"}"#)
        let p1 = try #require(try run("player.register", #"{"name":"\#(label) One"}"#).ids["playerId"])
        let p2 = try #require(try run("player.register", #"{"name":"\#(label) Two"}"#).ids["playerId"])
        _ = try run("match.record", #"{"date":"2026-09-20","teamA":{"players":["\#(p1)"],"score":4},"teamB":{"players":["\#(p2)"],"score":0},"goals":[{"playerId":"\#(p1)","goals":4}]}"#)
        return Seeded(tenant: tenant, key: try #require(issued.secret), keyID: try #require(issued.ids["keyId"]), projectID: project,
                      projectName: projectName, noteID: note, seasonName: season, userEmail: email, teamName: team,
                      ownerEmail: owner, users: ([owner, email] + defaultActors).sorted())
    }
}

/// A response as the tests read it.
struct Reply: Sendable {
    let status: Int
    let headers: HTTPFields
    let text: String

    /// The body as JSON.
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) }
    /// `error.code` of an error body.
    var errorCode: String? { ((json as? [String: Any])?["error"] as? [String: Any])?["code"] as? String }
    /// `error.field` of an error body.
    var errorField: String? { ((json as? [String: Any])?["error"] as? [String: Any])?["field"] as? String }
    /// `error.message` of an error body.
    var errorMessage: String? { ((json as? [String: Any])?["error"] as? [String: Any])?["message"] as? String }
    /// The body as a JSON object.
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    /// The body as a JSON array.
    var array: [Any] { json as? [Any] ?? [] }
    /// The content type.
    var contentType: String { headers[.contentType] ?? "" }
}

extension TestClientProtocol {
    /// Sends a request with an optional API key, actor and body.
    func call(_ method: HTTPRequest.Method, _ uri: String, key: String?, actor: String? = "oliver@example.com", body: String? = nil,
              headers extra: HTTPFields = [:]) async throws -> Reply {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if let actor { headers[HTTPField.Name("X-Bulkhead-Actor")!] = actor }
        if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            Reply(status: Int(response.status.code), headers: response.headers, text: String(buffer: response.body))
        }
    }
}

extension UUID {
    var lower: String { uuidString.lowercased() }
}
