import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Service
import Testing

/// `POST /v1/commands/{name}`: every status, and nothing written unless 200.
@Suite struct CommandTests {
    @Test func anAppliedCommandAnswersWithIdsPositionsAndEvents() async throws {
        let world = try ServiceWorld()
        try world.addUsers(["ada@alpha.example"], to: world.alpha.tenant)
        let before = try world.head(world.alpha.tenant)
        try await world.app().test(.router) { client in
            let reply = try await client.call(.post, "/v1/commands/project.create", key: world.alpha.key, actor: "ada@alpha.example",
                                              body: #"{"name":"Gamma","githubRepository":"alpha/gamma","scanPath":"/lib/"}"#)
            #expect(reply.status == 200)
            #expect(reply.contentType.hasPrefix("application/json"))
            #expect(reply.object["status"] as? String == "applied")
            #expect(reply.object["tenant"] as? String == world.alpha.tenant.description)
            #expect(reply.object["positions"] as? [Int] == [Int(before) + 1, Int(before) + 1])
            let events = try #require(reply.object["events"] as? [[String: Any]])
            #expect(events.first?["type"] as? String == "project.created")
            let id = try #require((reply.object["ids"] as? [String: String])?["projectId"])
            let project = try await client.call(.get, "/v1/projects/\(id)", key: world.alpha.key)
            #expect(project.object["scanPath"] as? String == "lib")
            #expect(project.object["createdBy"] as? String == "ada@alpha.example")
        }
    }

    @Test func skippedAndNothingToDoAre200() async throws {
        let world = try ServiceWorld()
        try await world.app().test(.router) { client in
            // The seed started a run a moment ago: a second request is skipped, not refused.
            let skipped = try await client.call(.post, "/v1/commands/analysis.request", key: world.alpha.key,
                                                body: #"{"projectId":"\#(world.alpha.projectID.lower)","trigger":"projectSync"}"#)
            #expect(skipped.status == 200)
            #expect(skipped.object["status"] as? String == "skipped")
            #expect((skipped.object["skipped"] as? [String: Any])?["reason"] != nil)
            let nothing = try await client.call(.post, "/v1/commands/analysis.expireStale", key: world.alpha.key, body: "")
            #expect(nothing.status == 200)
            #expect(nothing.object["status"] as? String == "nothing to do")
        }
    }

    @Test func everyErrorStatusAndNothingIsWritten() async throws {
        let world = try ServiceWorld()
        let tenant = world.alpha.tenant
        let key = world.alpha.key
        let before = try world.fingerprint(tenant)
        try await world.app().test(.router) { client in
            // 400: a field the decoder refuses, a field the decision refuses, a missing actor.
            let badType = try await client.call(.post, "/v1/commands/project.create", key: key, body: #"{"name":42}"#)
            #expect(badType.status == 400)
            #expect(badType.errorCode == "invalid")
            #expect(badType.errorField == "name")
            let blank = try await client.call(.post, "/v1/commands/project.create", key: key, body: #"{"name":"   "}"#)
            #expect(blank.status == 400)
            #expect(blank.errorField == "name")
            let unknownField = try await client.call(.post, "/v1/commands/project.create", key: key, body: #"{"name":"X","tenant":"beta"}"#)
            #expect(unknownField.status == 400)
            #expect(unknownField.errorField == "tenant")
            let notJSON = try await client.call(.post, "/v1/commands/project.create", key: key, body: "{")
            #expect(notJSON.status == 400)
            let noActor = try await client.call(.post, "/v1/commands/project.create", key: key, actor: nil, body: #"{"name":"X"}"#)
            #expect(noActor.status == 400)
            #expect(noActor.errorField == "X-Bulkhead-Actor")
            let badActor = try await client.call(.post, "/v1/commands/project.create", key: key, actor: String(repeating: "a", count: 400), body: #"{"name":"X"}"#)
            #expect(badActor.status == 400)
            // Named by the header the client sent.
            #expect(badActor.errorField == "X-Bulkhead-Actor")
            // 404: an unknown command, an unknown id.
            let unknownCommand = try await client.call(.post, "/v1/commands/project.explode", key: key, body: "{}")
            #expect(unknownCommand.status == 404)
            #expect(unknownCommand.errorCode == "unknown_command")
            let unknownID = try await client.call(.post, "/v1/commands/project.update", key: key, body: #"{"projectId":"\#(UUID().lower)","name":"Y"}"#)
            #expect(unknownID.status == 404)
            #expect(unknownID.errorCode == "not_found")
            // 409: refused by state, and missing configuration.
            let duplicateKeyID = try await client.call(.post, "/v1/commands/tenant.issueApiKey", key: key, body: #"{"keyId":"\#(world.alpha.keyID.lower)","label":"again"}"#)
            #expect(duplicateKeyID.status == 409)
            #expect(duplicateKeyID.errorCode == "refused")
            // 409: an actor who is not a user of the key's tenant, named with the tenant; a user of
            // the other tenant is no user of this one.
            for stranger in ["nobody@x", world.beta.userEmail] {
                let notAUser = try await client.call(
                    .post, "/v1/commands/project.create", key: key, actor: stranger, body: #"{"name":"X"}"#)
                #expect(notAUser.status == 409, "\(stranger)")
                #expect(notAUser.errorCode == "refused", "\(stranger)")
                #expect(notAUser.errorMessage?.contains("'\(stranger)' is not a user of tenant \(tenant)") == true,
                        "\(String(describing: notAUser.errorMessage))")
            }
            // 400: an actor in the system: namespace, even one Bulkhead uses.
            for system in SystemActor.allCases.map(\.rawValue) + ["system:anything"] {
                let reserved = try await client.call(
                    .post, "/v1/commands/project.create", key: key, actor: system, body: #"{"name":"X"}"#)
                #expect(reserved.status == 400, "\(system)")
                #expect(reserved.errorField == "X-Bulkhead-Actor", "\(system)")
            }
            // 413: a body over CommandCatalog.maxBodyBytes, refused while it is read.
            let huge = #"{"name":""# + String(repeating: "x", count: CommandCatalog.maxBodyBytes) + #""}"#
            let tooLarge = try await client.call(.post, "/v1/commands/project.create", key: key, body: huge)
            #expect(tooLarge.status == 413)
            #expect(tooLarge.errorCode == "too_large")
        }
        #expect(try world.fingerprint(tenant) == before, "a refused request changed the tenant's store")
    }

    @Test func aRemovedUserIsRefusedAs409AndNoLongerListed() async throws {
        let world = try ServiceWorld()
        let a = world.alpha
        try await world.app().test(.router) { client in
            func emails() async throws -> [String] {
                try await client.call(.get, "/v1/users", key: a.key).array.compactMap {
                    ($0 as? [String: Any])?["email"] as? String
                }
            }
            let listed = try await client.call(.get, "/v1/users", key: a.key).array.compactMap { $0 as? [String: Any] }
            let someone = try #require(listed.first { $0["email"] as? String == a.userEmail }?["userId"] as? String)
            let before = try await client.call(
                .post, "/v1/commands/project.create", key: a.key, actor: a.userEmail, body: #"{"name":"Before"}"#)
            #expect(before.status == 200)
            let removed = try await client.call(
                .post, "/v1/commands/tenant.removeUser", key: a.key, body: #"{"userId":"\#(someone)"}"#)
            #expect(removed.status == 200, "\(removed.text)")
            #expect(
                (removed.object["events"] as? [[String: Any]])?.map { $0["type"] as? String } == ["tenant.userRemoved"])
            #expect(try await emails() == a.users.filter { $0 != a.userEmail })
            let head = try world.head(a.tenant)
            let after = try await client.call(
                .post, "/v1/commands/project.create", key: a.key, actor: a.userEmail, body: #"{"name":"After"}"#)
            #expect(after.status == 409)
            #expect(after.errorMessage?.contains("'\(a.userEmail)' is not a user of tenant \(a.tenant)") == true)
            let again = try await client.call(
                .post, "/v1/commands/tenant.removeUser", key: a.key, body: #"{"userId":"\#(someone)"}"#)
            #expect(again.status == 404)
            #expect(try world.head(a.tenant) == head)
            // The audit feed still shows what the removed user did, under its address.
            let feed = try await client.call(.get, "/v1/events?from=1&limit=500", key: a.key)
            let events = try #require(feed.object["events"] as? [[String: Any]])
            #expect(
                events.contains { $0["type"] as? String == "project.created" && $0["actor"] as? String == a.userEmail })
            let record = try #require(events.last)
            #expect(record["type"] as? String == "tenant.userRemoved")
            #expect((record["payload"] as? [String: Any])?["email"] as? String == a.userEmail)
        }
    }

    @Test func missingConfigurationIs409NamingTheKey() async throws {
        let world = try ServiceWorld()
        let fresh = try world.service.engine.createTenant(
            slug: "gamma", name: "Gamma", owner: "setup@example.com", ownerName: "Setup", at: world.clock.now).record.id
        try world.run(fresh, "tenant.addUser", #"{"email":"oliver@example.com","displayName":"Oliver"}"#)
        let key = try #require(try world.run(fresh, "tenant.issueApiKey", #"{"label":"k"}"#).secret)
        let player = try #require(try world.run(fresh, "player.register", #"{"name":"P"}"#).ids["playerId"])
        let other = try #require(try world.run(fresh, "player.register", #"{"name":"Q"}"#).ids["playerId"])
        try world.run(fresh, "season.define", #"{"name":"S","startDate":"2026-08-01","endDate":"2027-06-30"}"#)
        try await world.app().test(.router) { client in
            let reply = try await client.call(.post, "/v1/commands/match.record", key: key, body: #"{"date":"2026-09-20","teamA":{"players":["\#(player)"],"score":1},"teamB":{"players":["\#(other)"],"score":0},"goals":[{"playerId":"\#(player)","goals":1}]}"#)
            #expect(reply.status == 409)
            #expect(reply.errorCode == "missing_config")
            #expect(reply.errorMessage?.contains("teamAName") == true)
            #expect(reply.errorMessage?.contains(fresh.description) == true)
        }
    }

    @Test func theBodyLimitIsEnforcedWithoutAContentLength() async throws {
        var chunks: [ByteBuffer] = []
        for _ in 0..<40 { chunks.append(ByteBuffer(string: String(repeating: " ", count: 8 * 1024))) }
        let request = Request(head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/"),
                              body: RequestBody(asyncSequence: AsyncStreamOf(chunks)))
        await #expect(throws: ServiceError.self) { try await RequestBodyLimit.collect(request, limit: 64 * 1024) }
        let small = Request(head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/"),
                            body: RequestBody(asyncSequence: AsyncStreamOf(Array(chunks.prefix(2)))))
        #expect(try await RequestBodyLimit.collect(small, limit: 64 * 1024).count == 16 * 1024)
    }
}

/// An async sequence of the given buffers.
struct AsyncStreamOf: AsyncSequence, Sendable {
    let buffers: [ByteBuffer]
    init(_ buffers: [ByteBuffer]) { self.buffers = buffers }
    struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: [ByteBuffer]
        mutating func next() async -> ByteBuffer? { remaining.isEmpty ? nil : remaining.removeFirst() }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: buffers) }
}
