import BulkheadCore
import Domain
import EventLog
import Foundation
import HummingbirdTesting
import Projections
@testable import Service
import Testing

/// Invariant 9: an event that came over HTTP records the API key that sent it (record format 2);
/// one from the CLI (the engine without a key) does not; and only the tenant's own, unrevoked key
/// can be recorded.
@Suite struct APIKeyRecordingTests {
    /// The envelopes from `from` on, as the audit feed shows them.
    static func envelopes(
        _ client: some TestClientProtocol, key: String, from: UInt64
    ) async throws -> [[String: Any]] {
        let page = try await client.call(.get, "/v1/events?from=\(from)", key: key)
        #expect(page.status == 200)
        return try #require(page.object["events"] as? [[String: Any]])
    }

    @Test func anHTTPCommandsEventsCarryTheKeyIdAndACLICommandsDoNot() async throws {
        let world = try ServiceWorld()
        let head = try world.head(world.alpha.tenant)
        try await world.app().test(.router) { client in
            let reply = try await client.call(.post, "/v1/commands/project.create", key: world.alpha.key,
                                              body: #"{"name":"Over HTTP"}"#)
            #expect(reply.status == 200)
            // The same kind of command through the engine without a key, as `bulkhead exec` runs it.
            try world.run(world.alpha.tenant, "project.create", #"{"name":"From the CLI"}"#,
                          actor: "oliver@example.com")
            let events = try await Self.envelopes(client, key: world.alpha.key, from: head + 1)
            #expect(events.count == 2)
            #expect(events.first?["apiKeyId"] as? String == world.alpha.keyID.lower)
            #expect(events.first?["actor"] as? String == "oliver@example.com")
            #expect(events.last.map { $0["apiKeyId"] == nil } == true)
            // Every event the seeding wrote through the engine has none.
            let seeded = try await Self.envelopes(client, key: world.alpha.key, from: 1).prefix(Int(head))
            #expect(seeded.allSatisfy { $0["apiKeyId"] == nil })
        }
        // Stored as formats 2 and 1, and the chain verifies.
        let partition = try world.data.partition(for: world.alpha.tenant)
        let formats = try partition.read { log in
            var formats: [UInt8] = []
            try log.scan(from: head + 1) { formats.append($0.format); return true }
            return formats
        }
        #expect(formats == [2, 1])
        #expect(try partition.verify().isOK)
    }

    @Test func aKeyRecordsOnlyInItsOwnTenant() async throws {
        let world = try ServiceWorld()
        let betaHead = try world.head(world.beta.tenant)
        try await world.app().test(.router) { client in
            let reply = try await client.call(.post, "/v1/commands/project.create", key: world.beta.key,
                                              actor: "oliver@example.com", body: #"{"name":"Beta's"}"#)
            #expect(reply.status == 200)
            let events = try await Self.envelopes(client, key: world.beta.key, from: betaHead + 1)
            #expect(events.first?["apiKeyId"] as? String == world.beta.keyID.lower)
        }
    }

    @Test func anotherTenantsKeyCannotBeRecorded() throws {
        let world = try ServiceWorld()
        let before = try world.fingerprint(world.alpha.tenant)
        let results = try world.service.engine.execute(
            batch: [(CreateProject(name: "Smuggled"), "oliver@example.com", world.beta.keyID)],
            tenant: world.alpha.tenant)
        #expect(results.count == 1)
        guard case .failure(let error) = results[0] else {
            Issue.record("a command recorded another tenant's key: \(results[0])")
            return
        }
        #expect(error == .notFound(entity: "API key", id: world.beta.keyID.lower))
        #expect(try world.fingerprint(world.alpha.tenant) == before)
    }

    @Test func aRevokedKeyCannotBeRecorded() throws {
        let world = try ServiceWorld()
        let second = try world.run(world.alpha.tenant, "tenant.issueApiKey", #"{"label":"second"}"#)
        let secondID = try #require(second.ids["keyId"])
        try world.run(world.alpha.tenant, "tenant.revokeApiKey", #"{"keyId":"\#(secondID.lower)"}"#)
        let before = try world.fingerprint(world.alpha.tenant)
        let results = try world.service.engine.execute(
            batch: [(CreateProject(name: "Late"), "oliver@example.com", secondID)], tenant: world.alpha.tenant)
        guard case .failure(.refused(let reason)) = results[0] else {
            Issue.record("a revoked key was recorded: \(results[0])")
            return
        }
        #expect(reason.contains("revoked"))
        #expect(try world.fingerprint(world.alpha.tenant) == before)
    }
}
