import BulkheadCore
import Dispatch
import EventLog
import Foundation
import HummingbirdTesting
import Projections
@testable import Service
import Synchronization
import Testing

/// Requests that once broke a tenant: a rebuild naming a projection twice, reads while the tenant
/// is rebuilt, and a restored tenant whose API key was refused.
@Suite struct RebuildSafetyTests {
    @Test func aRebuildNamingAProjectionTwiceIsRefusedAndTheTenantStaysReadable() async throws {
        let world = try ServiceWorld()
        let before = try world.fingerprint(world.alpha.tenant)
        try await world.app().test(.router) { client in
            let reply = try await client.call(.post, "/v1/projections/rebuild", key: world.alpha.key,
                                              body: #"{"projections":["projects","projects"]}"#)
            #expect(reply.status == 400)
            #expect(reply.errorField == "projections")
            #expect(reply.errorMessage?.contains("'projects' more than once") == true, "\(reply.text)")
            #expect(try world.fingerprint(world.alpha.tenant) == before)
            for uri in ["/v1/projects", "/v1/projects/\(world.alpha.projectID.lower)", "/v1/events?from=1&limit=5", "/v1/users"] {
                let read = try await client.call(.get, uri, key: world.alpha.key)
                #expect(read.status == 200, "\(uri): \(read.text)")
            }
            let rebuilt = try await client.call(.post, "/v1/projections/rebuild", key: world.alpha.key,
                                                body: #"{"projections":["projects","syncs"]}"#)
            #expect(rebuilt.status == 200, "\(rebuilt.text)")
        }
        #expect(try world.service.engine.check(tenant: world.alpha.tenant).count == 0)
    }

    @Test func readsWhileTheTenantIsRebuiltInALoopAllAnswer200() async throws {
        let world = try ServiceWorld(maxHeavyRequests: 8)
        let tenant = world.alpha.tenant
        let engine = world.service.engine
        let stop = Atomic<Bool>(false)
        let rebuilds = Atomic<Int>(0)
        let rebuilder = Thread {
            while !stop.load(ordering: .relaxed) {
                do {
                    _ = try engine.rebuild(tenant: tenant, projections: [], dryRun: false)
                    rebuilds.add(1, ordering: .relaxed)
                } catch {
                    Issue.record("rebuild failed: \(error)")
                    return
                }
            }
        }
        rebuilder.start()
        defer { stop.store(true, ordering: .relaxed) }
        let (statuses, failures) = try await world.app().test(.router) { client -> ([Int: Int], [String]) in
            let uris = ["/v1/projects", "/v1/users", "/v1/config", "/v1/projects/\(world.alpha.projectID.lower)/syncs",
                        "/v1/hall-of-fame", "/v1/api-keys"]
            var statuses: [Int: Int] = [:]
            var failures: [String] = []
            // Until enough rebuilds have switched generations under the reads (or a bound).
            var round = 0
            while (rebuilds.load(ordering: .relaxed) < 40 || round < 300) && round < 5_000 {
                let uri = uris[round % uris.count]
                let reply = try await client.call(.get, uri, key: world.alpha.key)
                statuses[reply.status, default: 0] += 1
                if reply.status != 200, failures.count < 3 { failures.append("\(uri): \(reply.status) \(reply.text)") }
                round += 1
            }
            return (statuses, failures)
        }
        stop.store(true, ordering: .relaxed)
        #expect(rebuilds.load(ordering: .relaxed) >= 40)
        #expect(statuses.keys.sorted() == [200], "statuses \(statuses); \(failures)")
    }

    @Test func aRestoredTenantsAPIKeyOpensItOverHTTP() async throws {
        let world = try ServiceWorld()
        let backup = NSTemporaryDirectory() + "bulkhead-backup-\(UUID().uuidString)"
        let elsewhere = NSTemporaryDirectory() + "bulkhead-restored-\(UUID().uuidString)"
        defer {
            try? FileManager.default.removeItem(atPath: backup)
            try? FileManager.default.removeItem(atPath: elsewhere)
        }
        // A second key, then revoked: the restore must index it as revoked, not forget it.
        let second = try world.run(world.alpha.tenant, "tenant.issueApiKey", #"{"label":"old"}"#)
        let secondKey = try #require(second.secret)
        let secondID = try #require(second.ids["keyId"])
        try world.run(world.alpha.tenant, "tenant.revokeApiKey", #"{"keyId":"\#(secondID.lower)"}"#)
        _ = try world.data.backup(tenant: world.alpha.tenant, to: backup, at: Date())

        let restoredData = try DataDirectory(path: elsewhere)
        let restored = BulkheadService(ServiceConfiguration(dataPath: elsewhere, clock: world.clock), data: restoredData)
        _ = try restored.engine.restore(from: backup, replace: false, at: Date())
        try await buildApplication(restored).test(.router) { client in
            let projects = try await client.call(.get, "/v1/projects", key: world.alpha.key)
            #expect(projects.status == 200, "\(projects.text)")
            #expect(projects.text.contains(world.alpha.projectName))
            let revoked = try await client.call(.get, "/v1/projects", key: secondKey)
            #expect(revoked.status == 401)
            #expect(revoked.errorMessage?.contains("revoked") == true, "\(revoked.text)")
            // The other tenant was not restored here: its key opens nothing.
            let other = try await client.call(.get, "/v1/projects", key: world.beta.key)
            #expect(other.status == 401)
        }
    }
}
