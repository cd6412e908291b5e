import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Service
import Testing

/// `/health`, `/ready` and `/metrics` need no key; each request gets a request id.
@Suite struct OperationsTests {
    @Test func healthReadyAndMetrics() async throws {
        let world = try ServiceWorld()
        try await world.app().test(.router) { client in
            let health = try await client.call(.get, "/health", key: nil)
            #expect(health.status == 200)
            #expect(health.object["status"] as? String == "ok")
            let ready = try await client.call(.get, "/ready", key: nil)
            #expect(ready.status == 200)
            #expect(ready.object["status"] as? String == "ready")
            _ = try await client.call(.post, "/v1/commands/project.create", key: world.alpha.key, body: #"{"name":"Metered"}"#)
            _ = try await client.call(.get, "/v1/projects/\(UUID().lower)", key: world.alpha.key)
            let metrics = try await client.call(.get, "/metrics", key: nil)
            #expect(metrics.status == 200)
            #expect(metrics.contentType.hasPrefix("text/plain"))
            #expect(metrics.text.contains(#"bulkhead_http_requests_total{route="/v1/commands/{name}",method="POST",status="200"}"#))
            #expect(metrics.text.contains(#"route="/v1/projects/{id}",method="GET",status="404""#))
            #expect(metrics.text.contains("bulkhead_http_request_duration_seconds_bucket"))
            #expect(metrics.text.contains(#"bulkhead_commands_total{result="applied"}"#))
            #expect(metrics.text.contains("bulkhead_commit_batch_size"))
            // Metrics hold counts, never tenant data.
            #expect(!metrics.text.contains(world.alpha.projectName))
        }
    }

    @Test func everyResponseCarriesARequestID() async throws {
        let world = try ServiceWorld()
        try await world.app().test(.router) { client in
            let generated = try await client.call(.get, "/health", key: nil)
            #expect(generated.headers[HTTPField.Name("X-Request-ID")!]?.isEmpty == false)
            var headers = HTTPFields()
            headers[HTTPField.Name("X-Request-ID")!] = "trace-123"
            let echoed = try await client.call(.get, "/v1/projects", key: nil, headers: headers)
            #expect(echoed.status == 401)
            #expect(echoed.headers[HTTPField.Name("X-Request-ID")!] == "trace-123")
        }
    }
}
