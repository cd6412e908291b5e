import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Service
import Synchronization
import Testing

/// `Schemas/openapi.yaml` against the server: every registered route is in the spec with every
/// status it can return (the one command route as one path per command the server knows, each with
/// its own request schema, required exactly when the command needs a body), the spec documents
/// nothing the server lacks, and real responses (a 405's `Allow` too) and the spec's examples
/// validate against the documented schemas. The comparison and validation run in
/// `check-openapi.py` (PyYAML, openapi-spec-validator, jsonschema).
@Suite struct OpenAPITests {
    /// The statuses each route can return. A route added without an entry fails the test.
    static let statuses: [String: [Int]] = {
        let read = [200, 400, 401, 500]
        let byID = [200, 400, 401, 404, 500]
        return [
            "GET /health": [200, 500],
            "GET /ready": [200, 503, 500],
            "GET /metrics": [200, 500],
            "POST /v1/commands/{name}": [200, 400, 401, 404, 409, 413, 415, 503, 500],
            "GET /v1/projects": read,
            "GET /v1/projects/{id}": byID,
            "GET /v1/projects/{id}/syncs": byID,
            "GET /v1/projects/{id}/runs": byID,
            "GET /v1/notes/{id}/context": byID,
            "GET /v1/match-reports": byID,
            "GET /v1/seasons/{name}/table": byID,
            "GET /v1/hall-of-fame": read,
            "GET /v1/users": read,
            "GET /v1/config": read,
            "GET /v1/api-keys": read,
            "GET /v1/events": read,
            "GET /v1/events/stream": read,
            "GET /v1/audit/export": read,
            "GET /v1/audit/keys": [200, 401, 500],
            "GET /v1/audit/checkpoints": read,
            "POST /v1/audit/checkpoints": [201, 401, 409, 500],
            "GET /v1/audit/proof": [200, 400, 401, 404, 500],
            "POST /v1/projections/rebuild": [200, 400, 401, 409, 413, 415, 503, 500],
        ].merging(ReadModelHTTPTests.statuses) { documented, _ in documented }
    }()

    /// Real responses, by route template.
    final class Recorder: Sendable {
        let client: any TestClientProtocol
        let observed = Mutex<[[String: Any]]>([])
        init(_ client: any TestClientProtocol) { self.client = client }

        @discardableResult
        func call(_ method: HTTPRequest.Method, _ template: String, _ uri: String, key: String?, body: String? = nil, actor: String? = "oliver@example.com",
            headers: HTTPFields = [:], expect status: Int, sourceLocation: SourceLocation = #_sourceLocation
        ) async throws -> Reply {
            let reply = try await client.call(method, uri, key: key, actor: actor, body: body, headers: headers)
            #expect(reply.status == status, "\(method) \(uri): \(reply.text.prefix(300))", sourceLocation: sourceLocation)
            observed.withLock {
                $0.append([
                    "method": method.rawValue, "path": template, "status": reply.status,
                    "contentType": reply.contentType, "body": reply.text,
                           "allow": reply.headers[.allow] ?? ""])
            }
            return reply
        }
    }

    @Test func theSpecDescribesEveryRouteStatusAndResponse() async throws {
        let world = try ServiceWorld()
        let routes = buildRouter(world.service).routes.map { "\($0.method.rawValue) \($0.path)" }
        #expect(Set(routes) == Set(Self.statuses.keys))
        // The one command route is documented as one path per command.
        let commandRoute = "POST /v1/commands/{name}"
        var documented = Self.statuses.filter { $0.key != commandRoute }
        for name in CommandCatalog.names { documented["POST /v1/commands/\(name)"] = Self.statuses[commandRoute] }
        let a = world.alpha
        let recorder = try await world.app().test(.router) { client in
            let r = Recorder(client)
            let k = a.key
            let p = a.projectID.lower
            let season = escape(a.seasonName)
            try await r.call(.get, "/health", "/health", key: nil, expect: 200)
            try await r.call(.get, "/ready", "/ready", key: nil, expect: 200)
            try await r.call(.get, "/metrics", "/metrics", key: nil, expect: 200)
            let create = "/v1/commands/project.create"
            let issue = "/v1/commands/tenant.issueApiKey"
            try await r.call(
                .post, create, create, key: k, body: #"{"name":"Spec","githubRepository":"a/b","scanPath":""}"#,
                expect: 200)
            try await r.call(.post, issue, issue, key: k, body: #"{"label":"spec"}"#, expect: 200)
            let request = "/v1/commands/analysis.request"
            try await r.call(
                .post, request, request, key: k, body: #"{"projectId":"\#(p)","trigger":"manual"}"#, expect: 200)
            let expire = "/v1/commands/analysis.expireStale"
            try await r.call(.post, expire, expire, key: k, body: "", expect: 200)
            try await r.call(.post, create, create, key: k, body: #"{"name":""}"#, expect: 400)
            try await r.call(.post, create, create, key: k, body: #"{"name":"x"}"#, actor: nil, expect: 400)
            try await r.call(.post, create, create, key: nil, body: #"{"name":"x"}"#, expect: 401)
            let delete = "/v1/commands/project.delete"
            try await r.call(.post, delete, delete, key: k, body: #"{"projectId":"\#(UUID().lower)"}"#, expect: 404)
            try await r.call(
                .post, issue, issue, key: k, body: #"{"keyId":"\#(a.keyID.lower)","label":"dup"}"#, expect: 409)
            try await r.call(.post, create, create, key: k, body: String(repeating: " ", count: 300_000), expect: 413)
            var text = HTTPFields()
            text[.contentType] = "text/plain"
            try await r.call(.post, create, create, key: k, body: #"{"name":"x"}"#, headers: text, expect: 415)
            // A path of the contract with a method it does not list: 405 with Allow.
            try await r.call(.get, create, create, key: k, expect: 405)
            try await r.call(.delete, "/v1/projects/{id}", "/v1/projects/\(p)", key: k, expect: 405)
            try await r.call(.put, "/health", "/health", key: nil, expect: 405)
            for (template, uri) in [("/v1/projects", "/v1/projects"), ("/v1/hall-of-fame", "/v1/hall-of-fame"), ("/v1/users", "/v1/users"),
                                    ("/v1/config", "/v1/config"), ("/v1/api-keys", "/v1/api-keys"), ("/v1/match-reports", "/v1/match-reports")] {
                try await r.call(.get, template, uri, key: k, expect: 200)
                try await r.call(.get, template, uri + "?asOf=5", key: k, expect: 200)
                try await r.call(.get, template, uri + "?asOf=never", key: k, expect: 400)
                try await r.call(.get, template, uri, key: nil, expect: 401)
            }
            for (template, uri) in [("/v1/projects/{id}", "/v1/projects/\(p)"), ("/v1/projects/{id}/syncs", "/v1/projects/\(p)/syncs"),
                                    ("/v1/projects/{id}/runs", "/v1/projects/\(p)/runs"), ("/v1/notes/{id}/context", "/v1/notes/\(a.noteID.lower)/context")] {
                try await r.call(.get, template, uri, key: k, expect: 200)
                try await r.call(.get, template, uri.replacingOccurrences(of: p, with: UUID().lower).replacingOccurrences(of: a.noteID.lower, with: UUID().lower), key: k, expect: 404)
                try await r.call(.get, template, uri.replacingOccurrences(of: p, with: "x").replacingOccurrences(of: a.noteID.lower, with: "x"), key: k, expect: 400)
                try await r.call(.get, template, uri, key: nil, expect: 401)
            }
            try await r.call(.get, "/v1/match-reports", "/v1/match-reports?season=\(season)", key: k, expect: 200)
            try await r.call(.get, "/v1/match-reports", "/v1/match-reports?season=nope", key: k, expect: 404)
            let t = "/v1/seasons/{name}/table"
            try await r.call(.get, t, "/v1/seasons/\(season)/table", key: k, expect: 200)
            try await r.call(.get, t, "/v1/seasons/nope/table", key: k, expect: 404)
            try await r.call(.get, t, "/v1/seasons/\(season)/table?asOf=-1", key: k, expect: 400)
            try await r.call(.get, t, "/v1/seasons/\(season)/table", key: nil, expect: 401)
            try await r.call(.get, "/v1/events", "/v1/events?from=2&limit=50", key: k, expect: 200)
            try await r.call(.get, "/v1/events", "/v1/events?limit=0", key: k, expect: 400)
            try await r.call(.get, "/v1/events", "/v1/events", key: nil, expect: 401)
            try await r.call(.get, "/v1/events/stream", "/v1/events/stream?from=1", key: k, expect: 200)
            try await r.call(.get, "/v1/events/stream", "/v1/events/stream?from=abc", key: k, expect: 400)
            try await r.call(.get, "/v1/events/stream", "/v1/events/stream", key: nil, expect: 401)
            try await r.call(.get, "/v1/audit/export", "/v1/audit/export?from=2&to=6", key: k, expect: 200)
            try await r.call(.get, "/v1/audit/export", "/v1/audit/export?from=0", key: k, expect: 400)
            try await r.call(.get, "/v1/audit/export", "/v1/audit/export", key: nil, expect: 401)
            try await r.call(.get, "/v1/audit/keys", "/v1/audit/keys", key: k, expect: 200)
            try await r.call(.get, "/v1/audit/keys", "/v1/audit/keys", key: nil, expect: 401)
            let c = "/v1/audit/checkpoints"
            try await r.call(.get, c, c, key: k, expect: 200)
            try await r.call(.get, c, c + "?from=abc", key: k, expect: 400)
            try await r.call(.get, c, c, key: nil, expect: 401)
            try await r.call(.post, c, c, key: k, expect: 409)  // this service has no signing key
            try await r.call(.post, c, c, key: nil, expect: 401)
            let proofPath = "/v1/audit/proof"
            try await r.call(.get, proofPath, proofPath + "?position=1", key: k, expect: 404)  // nothing signed: no checkpoint
            try await r.call(.get, proofPath, proofPath, key: k, expect: 400)
            try await r.call(.get, proofPath, proofPath + "?position=1", key: nil, expect: 401)
            let b = "/v1/projections/rebuild"
            try await r.call(.post, b, b, key: k, body: #"{"projections":["matches"],"dryRun":true}"#, expect: 200)
            try await r.call(.post, b, b, key: k, body: "", expect: 200)
            try await r.call(.post, b, b, key: k, body: #"{"dryRun":"yes"}"#, expect: 400)
            try await r.call(.post, b, b, key: nil, body: "{}", expect: 401)
            try await r.call(.post, b, b, key: k, body: String(repeating: " ", count: 20_000), expect: 413)
            try await r.call(.post, b, b, key: k, body: "{}", headers: text, expect: 415)
            return r
        }
        let document: [String: Any] = [
            "routes": documented.sorted { $0.key < $1.key }.map { route, statuses in
                let parts = route.split(separator: " ", maxSplits: 1)
                return ["method": String(parts[0]), "path": String(parts[1]), "statuses": statuses] as [String: Any]
            },
            // Whether each command the server knows needs a body: an empty one (`{}`) is refused.
            "commands": CommandCatalog.names.map { name in
                let needsBody = (try? CommandCatalog.decode(name: name, json: Data("{}".utf8))) == nil
                return ["name": name, "needsBody": needsBody] as [String: Any]
            },
            "responses": recorder.observed.withLock { $0 },
        ]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-openapi-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]).write(to: file)
        let (status, output) = try Self.runChecker(file)
        #expect(status == 0, "\(output)")
        #expect(output.split(separator: "\n").last?.hasSuffix(" 0 failed") == true, "\(output)")
    }

    /// What the contract says of `X-Bulkhead-Actor`, `from` and `Last-Event-ID` is what the server
    /// does: each sample the server accepts is valid by its documented schema, and each it refuses
    /// is not (a TAB or a blank actor, an actor in the `system:` namespace, a position past the
    /// largest). A well-formed actor who is no user of the tenant passes the header's rules and is
    /// refused by the tenant's state (409, naming the actor).
    @Test func theSpecStatesTheServersRulesForTheActorAndPositions() async throws {
        let world = try ServiceWorld(streamMaxDuration: .milliseconds(50))
        let key = world.alpha.key
        let samples = try await world.app().test(.router) { client in
            var samples: [[String: Any]] = []
            let command = "/v1/commands/analysis.expireStale"
            let actors = ["oliver@example.com", "a b", " padded ", "é", String(repeating: "a", count: 320),
                          String(repeating: "a", count: 321),
                          "", " ", "\t", "a\tb", "a\u{85}b", "\u{A0}", "\u{3000}", "\u{2003} \u{2003}", "Jos\u{FFFD}",
                          "system:maintenance", "SYSTEM:tenant-setup", "system:", "systems:x", "x system:y"]
            for actor in actors {
                let reply = try await client.call(.post, command, key: key, actor: actor)
                let notAUser = reply.status == 409 && reply.errorMessage?.contains("is not a user of tenant") == true
                #expect(reply.status == 200 || notAUser || reply.errorField == "X-Bulkhead-Actor", "\(reply.text)")
                samples.append(["method": "post", "path": command, "in": "header", "name": "X-Bulkhead-Actor",
                                "value": actor, "accepted": reply.status == 200 || notAUser])
            }
            let max = UInt64.max
            for from in ["1", "0", "-1", "x", String(max), String(max) + "0", "18446744073709551616"] {
                let reply = try await client.call(.get, "/v1/events?from=\(from)", key: key)
                samples.append(["method": "get", "path": "/v1/events", "in": "query", "name": "from", "value": from,
                                "accepted": reply.status == 200])
            }
            for last in ["0", "7", String(max - 1), String(max), "18446744073709551616", "-1", "x"] {
                var headers = HTTPFields()
                headers[HTTPField.Name("Last-Event-ID")!] = last
                let reply = try await client.call(.get, "/v1/events/stream", key: key, headers: headers)
                samples.append(["method": "get", "path": "/v1/events/stream", "in": "header", "name": "Last-Event-ID",
                                "value": last, "accepted": reply.status == 200])
            }
            return samples
        }
        #expect(samples.contains { $0["accepted"] as? Bool == true })
        #expect(samples.contains { $0["accepted"] as? Bool == false })
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bulkhead-openapi-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let document: [String: Any] = ["responses": [Any](), "samples": samples]
        try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]).write(to: file)
        let (status, output) = try Self.runChecker(file)
        #expect(status == 0, "\(output)")
        #expect(output.split(separator: "\n").last?.hasSuffix(" 0 failed") == true, "\(output)")
    }

    static func runChecker(_ observed: URL) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Repository.openAPIChecker.path, Repository.openAPI.path, observed.path]
        process.currentDirectoryURL = Repository.root
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
