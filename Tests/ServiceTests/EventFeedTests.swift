import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Service
import Synchronization
import Testing

/// The audit feed: pages by position, and server-sent events that catch up and then follow.
@Suite struct EventFeedTests {
    @Test func pagesFollowPositionsWithNext() async throws {
        let world = try ServiceWorld()
        let head = try world.head(world.alpha.tenant)
        try await world.app().test(.router) { client in
            var from = 1
            var positions: [Int] = []
            while true {
                let page = try await client.call(.get, "/v1/events?from=\(from)&limit=4", key: world.alpha.key)
                #expect(page.status == 200)
                #expect(page.object["head"] as? Int == Int(head))
                let events = try #require(page.object["events"] as? [[String: Any]])
                positions += events.compactMap { $0["position"] as? Int }
                let next = try #require(page.object["next"] as? Int)
                if events.isEmpty { #expect(next == from); break }
                #expect(next == from + events.count)
                from = next
            }
            #expect(positions == Array(1...Int(head)))
            let bad = try await client.call(.get, "/v1/events?limit=5000", key: world.alpha.key)
            #expect(bad.status == 400)
            #expect(bad.errorField == "limit")
            let zero = try await client.call(.get, "/v1/events?from=0", key: world.alpha.key)
            #expect(zero.errorField == "from")
        }
    }

    @Test func theStreamCatchesUpFromAPosition() async throws {
        let world = try ServiceWorld()
        let head = try world.head(world.alpha.tenant)
        try await world.app().test(.router) { client in
            let reply = try await client.call(.get, "/v1/events/stream?from=3", key: world.alpha.key)
            #expect(reply.status == 200)
            #expect(reply.contentType.hasPrefix("text/event-stream"))
            let ids = Self.ids(reply.text)
            #expect(ids == Array(3...head))
            #expect(reply.text.contains("event: note.created\n"))
            // Each data line is one envelope.
            let data = reply.text.split(separator: "\n").filter { $0.hasPrefix("data: ") }
            let first = try #require(data.first)
            let envelope = try #require(try JSONSerialization.jsonObject(with: Data(first.dropFirst(6).utf8)) as? [String: Any])
            #expect(envelope["position"] as? Int == 3)
            #expect(reply.text.hasSuffix("reconnect with Last-Event-ID to go on\n\n"))
            // A reconnecting client resumes after Last-Event-ID, which wins over from.
            var headers = HTTPFields()
            headers[HTTPField.Name("Last-Event-ID")!] = String(head - 1)
            let resumed = try await client.call(.get, "/v1/events/stream?from=1", key: world.alpha.key, headers: headers)
            #expect(Self.ids(resumed.text) == [head])
            // A Last-Event-ID that is not a position, or the largest one (nothing follows it), is
            // refused by name, and the server goes on serving.
            for bad in ["seven", "-1", String(UInt64.max)] {
                headers[HTTPField.Name("Last-Event-ID")!] = bad
                let refused = try await client.call(.get, "/v1/events/stream", key: world.alpha.key, headers: headers)
                #expect(refused.status == 400)
                #expect(refused.errorField == "Last-Event-ID")
            }
            let after = try await client.call(.get, "/v1/events?from=1&limit=1", key: world.alpha.key)
            #expect(after.status == 200)
        }
    }

    @Test func theStreamFollowsNewEventsLive() async throws {
        let world = try ServiceWorld(streamMaxDuration: .milliseconds(1500))
        let head = try world.head(world.alpha.tenant)
        try await world.app().test(.router) { client in
            async let stream = client.call(.get, "/v1/events/stream?from=\(head + 1)", key: world.alpha.key)
            try await Task.sleep(for: .milliseconds(300))
            let created = try await client.call(.post, "/v1/commands/project.create", key: world.alpha.key, body: #"{"name":"Live"}"#)
            #expect(created.status == 200)
            // Another tenant's event never shows up in A's stream.
            try world.run(world.beta.tenant, "project.create", #"{"name":"Beta Live"}"#)
            let reply = try await stream
            #expect(Self.ids(reply.text) == [head + 1])
            #expect(reply.text.contains("\"name\":\"Live\""))
            #expect(!reply.text.contains("Beta Live"))
        }
    }

    @Test func aStreamEndsWhenItsKeyIsRevokedEvenWhileEventsKeepComing() async throws {
        let world = try ServiceWorld(streamMaxDuration: .seconds(2), streamKeepAlive: .milliseconds(100))
        let head = try world.head(world.alpha.tenant)
        try await world.app().test(.router) { client in
            async let stream = client.call(.get, "/v1/events/stream?from=\(head + 1)", key: world.alpha.key)
            // Revoked once the stream is open (its key was good when it connected).
            while world.service.openStreams.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(10)) }
            // The tenant stays busy for longer than the stream may last: it is never idle.
            let busy = Task {
                for i in 0..<200 where !Task.isCancelled {
                    try world.run(world.alpha.tenant, "project.create", #"{"name":"Busy \#(i)"}"#)
                    try await Task.sleep(for: .milliseconds(15))
                }
            }
            // Revoked once the stream had time to see busy events (a loaded machine may start the task late).
            while try world.head(world.alpha.tenant) == head { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(100))
            try world.run(world.alpha.tenant, "tenant.revokeApiKey", #"{"keyId":"\#(world.alpha.keyID.lower)"}"#)
            let reply = try await stream
            busy.cancel()
            // Ended by the revocation (the error event it carries), not by the stream's 2 s.
            #expect(reply.text.hasSuffix("event: error\ndata: {\"error\":{\"code\":\"unauthorized\",\"message\":\"the API key was revoked\"}}\n\n"), "\(reply.text.suffix(200))")
            #expect(!reply.text.contains("end of stream"))
            #expect(reply.text.contains("Busy 0"))
        }
    }

    static func ids(_ text: String) -> [UInt64] {
        text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { UInt64($0.dropFirst(4)) }
    }
}
