import BulkheadCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
@testable import Service
import Testing

/// `/metrics` has no per-tenant series, and a request's duration covers the writing of its body.
/// The tenant of a request is in its log line instead.
@Suite struct MetricsTests {
    @Test func aScrapeAfterRequestsOfTwoTenantsHasNoTenantLabel() async throws {
        let world = try ServiceWorld()
        try await world.app().test(.router) { client in
            for seeded in [world.alpha, world.beta] {
                let create = "/v1/commands/project.create"
                let created = try await client.call(.post, create, key: seeded.key, body: #"{"name":"Counted"}"#)
                #expect(created.status == 200)
                let refused = try await client.call(.post, create, key: seeded.key, body: #"{"name":""}"#)
                #expect(refused.status == 400)
                #expect(try await client.call(.get, "/v1/projects", key: seeded.key).status == 200)
                let rebuilt = try await client.call(
                    .post, "/v1/projections/rebuild", key: seeded.key, body: #"{"dryRun":true}"#)
                #expect(rebuilt.status == 200, "\(rebuilt.text)")
            }
            let metrics = try await client.call(.get, "/metrics", key: nil)
            #expect(metrics.status == 200)
            #expect(metrics.text.contains("bulkhead_commands_total{"), "\(metrics.text)")
            #expect(metrics.text.contains("bulkhead_events_appended_total"), "\(metrics.text)")
            #expect(metrics.text.contains("bulkhead_rebuilds_total{"), "\(metrics.text)")
            for line in metrics.text.split(separator: "\n") where !line.hasPrefix("#") {
                #expect(!line.contains("tenant="), "a series with a tenant label: \(line)")
                for tenant in [world.alpha.tenant, world.beta.tenant] {
                    #expect(!line.contains(tenant.description), "a series naming a tenant: \(line)")
                }
            }
        }
    }

    /// A rebuild's progress shows in the metrics: the events it read, and none left once it ended.
    @Test func aRebuildsProgressIsInTheMetrics() async throws {
        let world = try ServiceWorld()
        let head = try world.head(world.alpha.tenant)
        try await world.app().test(.router) { client in
            let before = Self.plain(in: try await client.call(.get, "/metrics", key: nil).text,
                                    "bulkhead_rebuild_events_folded_total") ?? 0
            let rebuilt = try await client.call(.post, "/v1/projections/rebuild", key: world.alpha.key, body: "{}")
            #expect(rebuilt.status == 200, "\(rebuilt.text)")
            let metrics = try await client.call(.get, "/metrics", key: nil).text
            let folded = try #require(Self.plain(in: metrics, "bulkhead_rebuild_events_folded_total"), "\(metrics)")
            // Other tests in this process rebuild too: at least this tenant's events were added.
            #expect(folded - before >= Double(head), "folded \(before) -> \(folded), head \(head)")
            #expect(Self.plain(in: metrics, "bulkhead_rebuild_events_remaining") != nil, "\(metrics)")
        }
    }

    /// The value of an unlabelled series.
    static func plain(in text: String, _ name: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    @Test func theRequestLogLineCarriesTheTenant() async throws {
        let log = CapturedLog()
        let world = try ServiceWorld(logger: log.logger())
        try await world.app().test(.router) { client in
            let reply = try await client.call(.get, "/v1/projects", key: world.beta.key)
            #expect(reply.status == 200)
        }
        let line = try #require(log.entries.first { $0.message.hasPrefix("GET /v1/projects 200") }, "\(log.entries)")
        #expect(line.metadata["tenant"] == world.beta.tenant.description, "\(line)")
    }

    /// An event stream's body is written for `streamMaxDuration`; its recorded duration covers it.
    @Test func theDurationOfAStreamedBodyIsRecordedOnceItIsWritten() async throws {
        let world = try ServiceWorld(streamMaxDuration: .milliseconds(700))
        try await world.app().test(.router) { client in
            let started = ContinuousClock.now
            let stream = try await client.call(.get, "/v1/events/stream", key: world.alpha.key)
            #expect(stream.status == 200)
            #expect(ContinuousClock.now - started >= .milliseconds(600), "the stream ended early")
            let metrics = try await client.call(.get, "/metrics", key: nil).text
            let series = #"route="/v1/events/stream",method="GET",status="200""#
            let name = "bulkhead_http_request_duration_seconds"
            let count = try #require(Self.value(in: metrics, name + "_count", series), "\(metrics)")
            let fast = try #require(Self.value(in: metrics, name + "_bucket", series, le: "0.5"), "\(metrics)")
            // Recorded when the handler returned, the stream would count as fast as its headers.
            #expect(count - fast >= 1, "no stream took longer than 0.5 s: \(count) streams, \(fast) under 0.5 s")
        }
    }

    /// The value of the sample `name{labels...}` whose labels hold `series` (and `le`, for a bucket).
    static func value(in text: String, _ name: String, _ series: String, le: String? = nil) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") && line.contains(series) {
            if let le, !line.contains(#"le="\#(le)""#) { continue }
            if let number = line.split(separator: " ").last.flatMap({ Double($0) }) { return number }
        }
        return nil
    }
}
