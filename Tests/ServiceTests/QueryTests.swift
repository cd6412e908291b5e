import Domain
import Foundation
import Projections
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Service
import Testing

/// The projection queries answer what the CLI's queries answer, live or as of a position or time.
@Suite struct QueryTests {
    @Test func everyQueryAnswersTheTenantsProjections() async throws {
        let world = try ServiceWorld()
        let a = world.alpha
        try await world.app().test(.router) { client in
            let projects = try await client.call(.get, "/v1/projects", key: a.key)
            #expect(projects.status == 200)
            #expect(projects.array.count == 1)
            #expect((projects.array.first as? [String: Any])?["name"] as? String == a.projectName)
            let project = try await client.call(.get, "/v1/projects/\(a.projectID.lower)", key: a.key)
            #expect(project.object["noteCount"] as? Int == 1)
            let syncs = try await client.call(.get, "/v1/projects/\(a.projectID.lower)/syncs", key: a.key)
            #expect((syncs.object["chain"] as? [Any])?.count == 1)
            let runs = try await client.call(.get, "/v1/projects/\(a.projectID.lower)/runs", key: a.key)
            #expect((runs.object["active"] as? [String: Any])?["status"] as? String == "active")
            let context = try await client.call(.get, "/v1/notes/\(a.noteID.lower)/context", key: a.key)
            #expect((context.object["codePatterns"] as? [Any])?.count == 1)
            #expect(context.object["memoryEntries"] as? [Any] != nil)
            let season = a.seasonName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let reports = try await client.call(.get, "/v1/match-reports?season=\(season)", key: a.key)
            #expect(reports.status == 200)
            #expect((reports.array.first as? [String: Any])?["heavyWin"] as? Bool == true)
            let table = try await client.call(.get, "/v1/seasons/\(season)/table", key: a.key)
            #expect(table.status == 200)
            #expect(table.array.count == 2)
            let fame = try await client.call(.get, "/v1/hall-of-fame", key: a.key)
            #expect((fame.object["mostGoalsInMatch"] as? [Any])?.isEmpty == false)
            let users = try await client.call(.get, "/v1/users", key: a.key)
            #expect(users.array.compactMap { ($0 as? [String: Any])?["email"] as? String } == a.users)
            #expect(a.users.contains(a.userEmail))
            let config = try await client.call(.get, "/v1/config", key: a.key)
            let values = try #require(config.object["values"] as? [[String: Any]])
            #expect(values.count == 3)
            #expect((values.first?["value"] as? [String: Any])?["text"] as? String == a.teamName)
            let keys = try await client.call(.get, "/v1/api-keys", key: a.key)
            #expect(keys.array.count == 1)
            #expect(!keys.text.contains(a.key), "the key itself must never be shown again")
        }
    }

    @Test func unknownIdsAndNamesAre404AndMalformedOnesAre400() async throws {
        let world = try ServiceWorld()
        let key = world.alpha.key
        try await world.app().test(.router) { client in
            for uri in ["/v1/projects/\(UUID().lower)", "/v1/projects/\(UUID().lower)/syncs", "/v1/projects/\(UUID().lower)/runs",
                        "/v1/notes/\(UUID().lower)/context", "/v1/seasons/nope/table", "/v1/match-reports?season=nope"] {
                let reply = try await client.call(.get, uri, key: key)
                #expect(reply.status == 404, "\(uri)")
                #expect(reply.errorCode == "not_found", "\(uri)")
            }
            let malformed = try await client.call(.get, "/v1/projects/not-a-uuid", key: key)
            #expect(malformed.status == 400)
            #expect(malformed.errorField == "id")
            let badAsOf = try await client.call(.get, "/v1/projects?asOf=yesterday", key: key)
            #expect(badAsOf.status == 400)
            #expect(badAsOf.errorField == "asOf")
            let unknownRoute = try await client.call(.get, "/v1/nothing-here", key: key)
            #expect(unknownRoute.status == 404)
            #expect(unknownRoute.errorCode == "not_found")
        }
    }

    @Test func asOfAPositionOrATimeAnswersFromTheLog() async throws {
        let world = try ServiceWorld()
        let a = world.alpha
        let before = try world.head(a.tenant)
        let earlier = world.clock.now
        world.clock.advance(by: 3600)
        try world.run(a.tenant, "project.update", #"{"projectId":"\#(a.projectID.lower)","name":"Renamed"}"#)
        try await world.app().test(.router) { client in
            let live = try await client.call(.get, "/v1/projects/\(a.projectID.lower)", key: a.key)
            #expect(live.object["name"] as? String == "Renamed")
            let atPosition = try await client.call(.get, "/v1/projects/\(a.projectID.lower)?asOf=\(before)", key: a.key)
            #expect(atPosition.object["name"] as? String == a.projectName)
            let time = Timestamp.format(earlier.addingTimeInterval(1))
            let atTime = try await client.call(.get, "/v1/projects/\(a.projectID.lower)?asOf=\(time)", key: a.key)
            #expect(atTime.object["name"] as? String == a.projectName)
            let beforeProject = try await client.call(.get, "/v1/projects/\(a.projectID.lower)?asOf=1", key: a.key)
            #expect(beforeProject.status == 404)
            // Position 1 is the owner, added when the tenant was created.
            let users = try await client.call(.get, "/v1/users?asOf=1", key: a.key)
            #expect(users.array.compactMap { ($0 as? [String: Any])?["email"] as? String } == [a.ownerEmail])
            // A position past the tenant's head (mistyped, or another tenant's) is named, not
            // answered with the current state.
            let head = try world.head(a.tenant)
            let past = try await client.call(.get, "/v1/projects?asOf=\(head + 1)", key: a.key)
            #expect(past.status == 400)
            #expect(past.errorField == "asOf")
            #expect(past.errorMessage?.contains("past the tenant's last event, \(head)") == true, "\(String(describing: past.errorMessage))")
        }
    }

    @Test func requestsThatReplayALogAreBoundedAndTheRestTurnedAway() async throws {
        // No room at all: every as-of and rebuild request is turned away at once, live reads are not.
        let world = try ServiceWorld(maxHeavyRequests: 0)
        try await world.app().test(.router) { client in
            for (method, uri, body) in [(HTTPRequest.Method.get, "/v1/projects?asOf=1", nil as String?),
                                        (.get, "/v1/users?asOf=2026-01-05T10:00:00Z", nil),
                                        (.post, "/v1/projections/rebuild", #"{"dryRun":true}"#)] {
                let reply = try await client.call(method, uri, key: world.alpha.key, body: body)
                #expect(reply.status == 503, "\(uri)")
                #expect(reply.errorCode == "unavailable", "\(uri)")
            }
            #expect(try await client.call(.get, "/v1/projects", key: world.alpha.key).status == 200)
        }
        // The limiter counts up to its limit and gives places back.
        let limiter = HeavyWorkLimiter(limit: 2)
        #expect(limiter.enter() && limiter.enter())
        #expect(!limiter.enter())
        limiter.leave()
        #expect(limiter.enter())
    }

    @Test func aRebuildAnswersWhatItRebuilt() async throws {
        let world = try ServiceWorld()
        try await world.app().test(.router) { client in
            let dry = try await client.call(.post, "/v1/projections/rebuild", key: world.alpha.key, body: #"{"projections":["matches"],"dryRun":true}"#)
            #expect(dry.status == 200)
            #expect(dry.object["switched"] as? Bool == false)
            #expect(dry.object["differenceCount"] as? Int == 0)
            let all = try await client.call(.post, "/v1/projections/rebuild", key: world.alpha.key, body: "")
            #expect(all.status == 200)
            #expect(all.object["switched"] as? Bool == true)
            let unknown = try await client.call(.post, "/v1/projections/rebuild", key: world.alpha.key, body: #"{"projections":["nope"]}"#)
            #expect(unknown.status == 400)
            let extra = try await client.call(.post, "/v1/projections/rebuild", key: world.alpha.key, body: #"{"tenant":"beta"}"#)
            #expect(extra.status == 400)
            #expect(extra.errorField == "tenant")
        }
    }
}
