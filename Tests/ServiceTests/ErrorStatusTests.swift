import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Service
import Storage
import Testing

/// The errors whose HTTP answer changed when the CLI's and the service's mappings became one,
/// end to end through the service's router and middleware.
@Suite struct ErrorStatusTests {
    /// A taken slug over HTTP is 409 `conflict` (it was a 500). No route creates tenants, so a
    /// route added to the service's own router throws it through the real middleware.
    @Test func aTakenSlugOverHTTPIs409Conflict() async throws {
        let world = try ServiceWorld()
        let router = buildRouter(world.service)
        router.get("probe/slug") { _, _ -> Response in throw EventLogError.slugTaken("alpha") }
        router.get("probe/storage") { _, _ -> Response in
            throw StorageError(
                code: .noSpace, message: "No space left on device", context: "commit /srv/secret/data.mdb")
        }
        let app = Application(router: router, logger: world.service.configuration.logger)
        try await app.test(.router) { client in
            let taken = try await client.call(.get, "/probe/slug", key: nil)
            #expect(taken.status == 409)
            #expect(taken.errorCode == "conflict")
            #expect(taken.errorMessage == "the slug 'alpha' is already taken by another tenant")
            let storage = try await client.call(.get, "/probe/storage", key: nil)
            #expect(storage.status == 500)
            #expect(storage.errorCode == "storage")
            #expect(storage.errorMessage?.contains("/srv/secret") == false, "\(storage.text)")
        }
    }

    /// A storage failure over HTTP (a tenant's map at its size limit) is a 500 `storage` that
    /// names no path (it was a 500 `internal`), and nothing of the failed command is written.
    @Test func aFullMapOverHTTPIsA500StorageErrorWithNoInternals() async throws {
        let small = EnvironmentOptions(initialMapSize: 64 * 1024, maxMapSize: 512 * 1024)
        let world = try ServiceWorld(partitionOptions: small)
        let body = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 180)
        try await world.app().test(.router) { client in
            var failed: Reply?
            for n in 0..<2_000 {
                let project = world.alpha.projectID.lower
                let json = #"{"projectId":"\#(project)","title":"Note \#(n)","body":"\#(n) \#(body)"}"#
                let reply = try await client.call(.post, "/v1/commands/note.create", key: world.alpha.key, body: json)
                if reply.status != 200 {
                    failed = reply
                    break
                }
            }
            let reply = try #require(failed, "the map never filled")
            #expect(reply.status == 500, "\(reply.text)")
            #expect(reply.errorCode == "storage", "\(reply.text)")
            let message = try #require(reply.errorMessage)
            #expect(!message.contains(world.path) && !message.contains("MAP") && !message.contains("mdb"), "\(message)")
            // The store is as it was before the refused command: a second attempt changes nothing.
            let before = try world.fingerprint(world.alpha.tenant)
            let json = #"{"projectId":"\#(world.alpha.projectID.lower)","title":"again","body":"\#(body)"}"#
            let again = try await client.call(.post, "/v1/commands/note.create", key: world.alpha.key, body: json)
            #expect(again.status == 500 && again.errorCode == "storage")
            #expect(try world.fingerprint(world.alpha.tenant) == before)
        }
    }
}
