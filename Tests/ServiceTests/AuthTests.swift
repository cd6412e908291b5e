import BulkheadCore
import Domain
@testable import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Service
import Testing

/// The API key is the only source of the tenant: no key, a malformed header, an unknown key and a
/// revoked key are each 401 with a JSON error.
@Suite struct AuthTests {
    @Test func noKeyMalformedHeaderAndUnknownKeyAre401() async throws {
        let world = try ServiceWorld()
        try await world.app().test(.router) { client in
            for uri in ["/v1/projects", "/v1/events", "/v1/commands/project.create"] {
                let method: HTTPRequest.Method = uri.contains("commands") ? .post : .get
                let none = try await client.call(method, uri, key: nil, body: method == .post ? #"{"name":"X"}"# : nil)
                #expect(none.status == 401, "\(uri)")
                #expect(none.errorCode == "unauthorized")
                #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                let unknown = try await client.call(method, uri, key: "bk_" + String(repeating: "0", count: 64))
                #expect(unknown.status == 401)
                #expect(unknown.errorMessage == "unknown API key")
            }
            var basic = HTTPFields()
            basic[.authorization] = "Basic \(world.alpha.key)"
            let wrongScheme = try await client.call(.get, "/v1/projects", key: nil, headers: basic)
            #expect(wrongScheme.status == 401)
            // The key's hash in another tenant's catalog entry is not enough: only the exact key opens.
            let truncated = try await client.call(.get, "/v1/projects", key: String(world.alpha.key.dropLast()))
            #expect(truncated.status == 401)
        }
    }

    @Test func aRevokedKeyIs401AtOnce() async throws {
        let world = try ServiceWorld()
        try await world.app().test(.router) { client in
            let second = try await client.call(.post, "/v1/commands/tenant.issueApiKey", key: world.alpha.key, body: #"{"label":"second"}"#)
            #expect(second.status == 200)
            let secondKey = try #require(second.object["apiKey"] as? String)
            let secondID = try #require((second.object["ids"] as? [String: String])?["keyId"])
            #expect(try await client.call(.get, "/v1/users", key: secondKey).status == 200)

            let revoke = try await client.call(.post, "/v1/commands/tenant.revokeApiKey", key: world.alpha.key, body: #"{"keyId":"\#(secondID)"}"#)
            #expect(revoke.status == 200)
            let refused = try await client.call(.get, "/v1/users", key: secondKey)
            #expect(refused.status == 401)
            #expect(refused.errorMessage == "the API key was revoked")
            // Revoked by the CLI (the engine directly, as `bulkhead exec` in another process would).
            try world.run(world.alpha.tenant, "tenant.revokeApiKey", #"{"keyId":"\#(world.alpha.keyID.lower)"}"#)
            #expect(try await client.call(.get, "/v1/users", key: world.alpha.key).status == 401)
            // The other tenant's key is untouched.
            #expect(try await client.call(.get, "/v1/users", key: world.beta.key).status == 200)
        }
    }

    @Test func aKeyTheTenantsLogRevokedIsRefusedEvenWhenTheCatalogMissedIt() async throws {
        let world = try ServiceWorld()
        try await world.app().test(.router) { client in
            let second = try await client.call(.post, "/v1/commands/tenant.issueApiKey", key: world.alpha.key, body: #"{"label":"second"}"#)
            let secondKey = try #require(second.object["apiKey"] as? String)
            let secondID = try #require((second.object["ids"] as? [String: String])?["keyId"])
            #expect(try await client.call(.get, "/v1/users", key: secondKey).status == 200)
            try world.run(world.alpha.tenant, "tenant.revokeApiKey", #"{"keyId":"\#(secondID)"}"#)
            // The catalog's update follows the tenant's commit and can fail on its own: put the
            // catalog back to "not revoked", as if it had.
            let catalog = world.data.catalog
            let record = APIKeyRecord(keyID: try #require(UUID(uuidString: secondID)), tenant: world.alpha.tenant, revoked: false)
            try catalog.environment.write { tx in
                try tx.put(catalog.apiKeys, key: APIKeys.hashBytes(secondKey), value: try BinaryEncoder.encode(record))
            }
            #expect(try catalog.apiKey(hash: APIKeys.hashBytes(secondKey))?.revoked == false)
            let refused = try await client.call(.get, "/v1/users", key: secondKey)
            #expect(refused.status == 401)
            #expect(refused.errorMessage == "the API key was revoked")
            #expect(try await client.call(.get, "/v1/users", key: world.alpha.key).status == 200)
        }
    }

    @Test func constantTimeComparisonComparesEveryByte() {
        #expect(APIKeyVerifier.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!APIKeyVerifier.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!APIKeyVerifier.constantTimeEqual([1, 2, 3], [1, 2]))
        #expect([UInt8](hex: "00ff7A") == [0, 255, 122])
        #expect([UInt8](hex: "0g") == nil)
    }
}
