import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Service
import Testing

/// For every route the server registers: tenant A's key never reads or changes anything of
/// tenant B, and B's ids used with A's key are 404 exactly like ids that never existed.
@Suite struct IsolationTests {
    typealias Check = @Sendable (any TestClientProtocol, ServiceWorld) async throws -> Void

    /// One check per registered route. The test fails if a route is added without one.
    static let checks: [String: Check] = ([
        "GET /health": { client, world in
            let reply = try await client.call(.get, "/health", key: world.alpha.key)
            try expectNothingOf(world.beta, in: reply)
        },
        "GET /ready": { client, world in
            let reply = try await client.call(.get, "/ready", key: world.alpha.key)
            try expectNothingOf(world.beta, in: reply)
        },
        "GET /metrics": { client, world in
            // Operator counts by tenant id only: no names, e-mails, projects or keys of anyone.
            let reply = try await client.call(.get, "/metrics", key: world.alpha.key)
            try expectNothingOf(world.beta, in: reply, allowTenantID: true)
        },
        "POST /v1/commands/{name}": { client, world in
            let b = world.beta
            let before = try world.fingerprint(b.tenant)
            // B's project, note, key and season used with A's key: 404 like ids that never existed.
            try await expectSame404(client, world, .post, "/v1/commands/project.update", body: { #"{"projectId":"\#($0)","name":"Hijacked"}"# },
                                    theirs: b.projectID, ids: [])
            try await expectSame404(client, world, .post, "/v1/commands/note.create", body: { #"{"projectId":"\#($0)","title":"t","body":"b"}"# },
                                    theirs: b.projectID, ids: [])
            try await expectSame404(client, world, .post, "/v1/commands/tenant.revokeApiKey", body: { #"{"keyId":"\#($0)"}"# },
                                    theirs: b.keyID, ids: [])
            try await expectSame404(client, world, .post, "/v1/commands/sync.start", body: { #"{"projectId":"\#($0)"}"# },
                                    theirs: b.projectID, ids: [])
            // A body naming B's tenant is refused (no field names a tenant).
            let named = try await client.call(.post, "/v1/commands/project.create", key: world.alpha.key,
                                              body: #"{"name":"X","tenant":"\#(b.tenant)"}"#)
            #expect(named.status == 400)
            // A command with A's key lands in A: a project with B's project's name appears in A only.
            let created = try await client.call(.post, "/v1/commands/project.create", key: world.alpha.key, body: #"{"name":"\#(b.projectName)"}"#)
            #expect(created.status == 200)
            #expect(created.object["tenant"] as? String == world.alpha.tenant.description)
            #expect(try world.fingerprint(b.tenant) == before, "a command with A's key changed B's store")
            #expect(try await client.call(.get, "/v1/users", key: b.key).status == 200, "B's key stopped working")
        },
        "GET /v1/projects": { client, world in
            let reply = try await client.call(.get, "/v1/projects", key: world.alpha.key)
            #expect(reply.status == 200)
            try expectNothingOf(world.beta, in: reply)
        },
        "GET /v1/projects/{id}": { client, world in
            try await expectSame404(client, world, .get, { "/v1/projects/\($0)" }, theirs: world.beta.projectID)
        },
        "GET /v1/projects/{id}/syncs": { client, world in
            try await expectSame404(client, world, .get, { "/v1/projects/\($0)/syncs" }, theirs: world.beta.projectID)
        },
        "GET /v1/projects/{id}/runs": { client, world in
            try await expectSame404(client, world, .get, { "/v1/projects/\($0)/runs" }, theirs: world.beta.projectID)
        },
        "GET /v1/notes/{id}/context": { client, world in
            try await expectSame404(client, world, .get, { "/v1/notes/\($0)/context" }, theirs: world.beta.noteID)
        },
        "GET /v1/match-reports": { client, world in
            let all = try await client.call(.get, "/v1/match-reports", key: world.alpha.key)
            #expect(all.status == 200)
            try expectNothingOf(world.beta, in: all)
            let theirs = try await client.call(.get, "/v1/match-reports?season=\(escape(world.beta.seasonName))", key: world.alpha.key)
            let never = try await client.call(.get, "/v1/match-reports?season=\(escape("Beta 1999/00"))", key: world.alpha.key)
            #expect(theirs.status == 404)
            #expect(theirs.errorMessage?.replacingOccurrences(of: world.beta.seasonName, with: "NAME")
                    == never.errorMessage?.replacingOccurrences(of: "Beta 1999/00", with: "NAME"))
            try expectNothingOf(world.beta, in: theirs, allowSeasonName: true)
        },
        "GET /v1/seasons/{name}/table": { client, world in
            let theirs = try await client.call(.get, "/v1/seasons/\(escape(world.beta.seasonName))/table", key: world.alpha.key)
            let never = try await client.call(.get, "/v1/seasons/\(escape("Beta 1999/00"))/table", key: world.alpha.key)
            #expect(theirs.status == 404)
            #expect(never.status == 404)
            #expect(theirs.errorMessage?.replacingOccurrences(of: world.beta.seasonName, with: "NAME")
                    == never.errorMessage?.replacingOccurrences(of: "Beta 1999/00", with: "NAME"))
            try expectNothingOf(world.beta, in: theirs, allowSeasonName: true)
        },
        "GET /v1/hall-of-fame": { client, world in
            let reply = try await client.call(.get, "/v1/hall-of-fame", key: world.alpha.key)
            #expect(reply.status == 200)
            try expectNothingOf(world.beta, in: reply)
        },
        "GET /v1/users": { client, world in
            let reply = try await client.call(.get, "/v1/users", key: world.alpha.key)
            #expect(reply.status == 200)
            try expectNothingOf(world.beta, in: reply)
        },
        "GET /v1/config": { client, world in
            let reply = try await client.call(.get, "/v1/config", key: world.alpha.key)
            #expect(reply.status == 200)
            try expectNothingOf(world.beta, in: reply)
        },
        "GET /v1/api-keys": { client, world in
            let reply = try await client.call(.get, "/v1/api-keys", key: world.alpha.key)
            #expect(reply.status == 200)
            try expectNothingOf(world.beta, in: reply)
        },
        "GET /v1/events": { client, world in
            let reply = try await client.call(.get, "/v1/events?limit=1000", key: world.alpha.key)
            #expect(reply.status == 200)
            #expect((reply.object["events"] as? [Any])?.count == Int(try world.head(world.alpha.tenant)))
            try expectNothingOf(world.beta, in: reply)
            // Positions past A's head are empty, whatever B holds there.
            let past = try await client.call(.get, "/v1/events?from=\(try world.head(world.alpha.tenant) + 1)", key: world.alpha.key)
            #expect((past.object["events"] as? [Any])?.isEmpty == true)
        },
        "GET /v1/events/stream": { client, world in
            let reply = try await client.call(.get, "/v1/events/stream", key: world.alpha.key)
            #expect(reply.status == 200)
            #expect(reply.text.components(separatedBy: "\ndata: ").count - 1 == Int(try world.head(world.alpha.tenant)))
            try expectNothingOf(world.beta, in: reply)
        },
        "GET /v1/audit/export": { client, world in
            let reply = try await client.call(.get, "/v1/audit/export", key: world.alpha.key)
            #expect(reply.status == 200)
            // A's events and the manifest line; nothing of B, and no position past A's head.
            #expect(reply.text.split(separator: "\n").count == Int(try world.head(world.alpha.tenant)) + 1)
            try expectNothingOf(world.beta, in: reply)
            let past = try await client.call(.get, "/v1/audit/export?from=\(try world.head(world.alpha.tenant) + 1)",
                                             key: world.alpha.key)
            #expect(past.status == 400)
        },
        "GET /v1/audit/keys": { client, world in
            let reply = try await client.call(.get, "/v1/audit/keys", key: world.alpha.key)
            #expect(reply.status == 200)
            #expect(reply.text.contains(world.alpha.tenant.description))
            try expectNothingOf(world.beta, in: reply)
        },
        "GET /v1/audit/checkpoints": { client, world in
            let reply = try await client.call(.get, "/v1/audit/checkpoints", key: world.alpha.key)
            #expect(reply.status == 200)
            try expectNothingOf(world.beta, in: reply)
        },
        "GET /v1/audit/proof": { client, world in
            let reply = try await client.call(.get, "/v1/audit/proof?position=1", key: world.alpha.key)
            #expect(reply.status == 404)  // the isolation world signs nothing: no checkpoint covers it
            try expectNothingOf(world.beta, in: reply)
        },
        "POST /v1/audit/checkpoints": { client, world in
            let before = try world.fingerprint(world.beta.tenant)
            let reply = try await client.call(.post, "/v1/audit/checkpoints", key: world.alpha.key)
            #expect(reply.status == 409)  // the isolation world signs nothing
            #expect(try world.fingerprint(world.beta.tenant) == before)
            try expectNothingOf(world.beta, in: reply)
        },
        "POST /v1/projections/rebuild": { client, world in
            let before = try world.fingerprint(world.beta.tenant)
            let reply = try await client.call(.post, "/v1/projections/rebuild", key: world.alpha.key, body: "{}")
            #expect(reply.status == 200)
            #expect(try world.fingerprint(world.beta.tenant) == before, "A's rebuild changed B's bytes")
            try expectNothingOf(world.beta, in: reply)
        },
    ] as [String: Check]).merging(ReadModelHTTPTests.isolationChecks) { own, _ in own }

    @Test func everyRegisteredRouteHasAnIsolationCheck() throws {
        let world = try ServiceWorld()
        let registered = Set(buildRouter(world.service).routes.map { "\($0.method.rawValue) \($0.path)" })
        #expect(registered == Set(Self.checks.keys))
    }

    @Test(arguments: Self.checks.keys.sorted())
    func tenantAsKeyNeverReachesTenantB(_ route: String) async throws {
        let world = try ServiceWorld()
        let check = try #require(Self.checks[route])
        try await world.app().test(.router) { client in
            try await check(client, world)
        }
    }
}

/// Percent-encodes a path segment or query value.
func escape(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
}

/// Expects none of `tenant`'s ids, names, e-mails or keys in the reply.
func expectNothingOf(_ tenant: Seeded, in reply: Reply, allowTenantID: Bool = false, allowSeasonName: Bool = false,
                     sourceLocation: SourceLocation = #_sourceLocation) throws {
    var secrets = [tenant.key, tenant.keyID.uuidString, tenant.projectID.uuidString, tenant.noteID.uuidString,
                   tenant.projectName, tenant.userEmail, tenant.teamName, tenant.ownerEmail]
    if !allowTenantID { secrets.append(tenant.tenant.description) }
    if !allowSeasonName { secrets.append(tenant.seasonName) }
    for secret in secrets {
        #expect(!reply.text.lowercased().contains(secret.lowercased()), "the reply shows \(secret)", sourceLocation: sourceLocation)
    }
}

/// Expects B's id and an id that never existed to get the same 404 (same message but for the id).
func expectSame404(_ client: any TestClientProtocol, _ world: ServiceWorld, _ method: HTTPRequest.Method, _ uri: (String) -> String,
                   theirs: UUID, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let never = UUID()
    let theirReply = try await client.call(method, uri(theirs.lower), key: world.alpha.key)
    let neverReply = try await client.call(method, uri(never.lower), key: world.alpha.key)
    #expect(theirReply.status == 404, sourceLocation: sourceLocation)
    #expect(neverReply.status == 404, sourceLocation: sourceLocation)
    #expect(theirReply.text.replacingOccurrences(of: theirs.lower, with: "ID") == neverReply.text.replacingOccurrences(of: never.lower, with: "ID"),
            sourceLocation: sourceLocation)
}

/// The same for a command whose body carries the id.
func expectSame404(_ client: any TestClientProtocol, _ world: ServiceWorld, _ method: HTTPRequest.Method, _ uri: String, body: (String) -> String,
                   theirs: UUID, ids: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let never = UUID()
    let theirReply = try await client.call(method, uri, key: world.alpha.key, body: body(theirs.lower))
    let neverReply = try await client.call(method, uri, key: world.alpha.key, body: body(never.lower))
    #expect(theirReply.status == 404, sourceLocation: sourceLocation)
    #expect(neverReply.status == 404, sourceLocation: sourceLocation)
    #expect(theirReply.text.replacingOccurrences(of: theirs.lower, with: "ID") == neverReply.text.replacingOccurrences(of: never.lower, with: "ID"),
            sourceLocation: sourceLocation)
}
