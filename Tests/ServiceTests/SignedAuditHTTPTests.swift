import BulkheadCore
import EventLog
import Foundation
import HummingbirdTesting
@testable import Service
import Testing

/// With a signing key, every applied command's answer carries a receipt, checkpoints are made
/// every N events and on demand, and the keys are served; without one nothing is signed.
@Suite struct SignedAuditHTTPTests {
    static let key = { () -> SigningKey? in try? SigningKey(rawPrivateKey: Array(repeating: 9, count: 32)) }()

    @Test func aSigningServiceAnswersWithReceiptsAndKeepsCheckpoints() async throws {
        let key = try #require(Self.key)
        let world = try ServiceWorld(signingKey: key, checkpointEvery: 2)
        let partition = try world.data.partition(for: world.alpha.tenant)
        try await world.app().test(.router) { client in
            var receipts: [String] = []
            for n in 1...3 {
                let reply = try await client.call(.post, "/v1/commands/project.create", key: world.alpha.key,
                                                  body: #"{"name":"Signed \#(n)"}"#)
                #expect(reply.status == 200, "\(reply.text)")
                let body = try #require(reply.json as? [String: Any])
                let receipt = try #require(body["receipt"] as? [String: Any])
                #expect(receipt["tenant"] as? String == world.alpha.tenant.description)
                #expect(receipt["keyId"] as? String == key.keyID.hexString)
                let last = try #require(receipt["lastPosition"] as? Int)
                let stored = try partition.read { try $0.hash(at: UInt64(last)) }
                #expect(receipt["headHash"] as? String == stored?.hexString)
                receipts.append(reply.text)
            }
            let keys = try await client.call(.get, "/v1/audit/keys", key: world.alpha.key)
            #expect(keys.status == 200)
            let listed = try #require((keys.json as? [String: Any])?["keys"] as? [[String: Any]])
            #expect(listed.map { $0["keyId"] as? String } == [key.keyID.hexString])
            #expect(listed.first?["publicKey"] as? String == key.publicKey.hexString)

            let made = try await client.call(.post, "/v1/audit/checkpoints", key: world.alpha.key)
            #expect(made.status == 201, "\(made.text)")
            let head = try partition.head()
            #expect((made.json as? [String: Any])?["position"] as? Int == Int(head.position))
            #expect((made.json as? [String: Any])?["headHash"] as? String == head.hash.hexString)
            // The every-N checkpoint is signed off the request: wait for it.
            for _ in 0..<100 where try partition.checkpoints().count < 2 {
                try await Task.sleep(for: .milliseconds(20))
            }
            let stored = try partition.checkpoints()
            #expect(stored.count >= 2, "\(stored.map(\.position))")
            #expect(stored.allSatisfy { $0.isSigned(by: key.publicKey) })
            #expect(try partition.verify().isOK)
            let listedCheckpoints = try await client.call(.get, "/v1/audit/checkpoints", key: world.alpha.key)
            #expect(((listedCheckpoints.json as? [String: Any])?["checkpoints"] as? [Any])?.count == stored.count)
            // Another tenant's key sees its own (empty) set.
            let beta = try await client.call(.get, "/v1/audit/checkpoints", key: world.beta.key)
            #expect(((beta.json as? [String: Any])?["checkpoints"] as? [Any])?.count == 0)

            guard AuditExportHTTPTests.python != nil else { return }
            let export = try await client.call(.get, "/v1/audit/export", key: world.alpha.key)
            let dir = FileManager.default.temporaryDirectory
                .appendingPathComponent("bulkhead-signed-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            try Data(export.text.utf8).write(to: dir.appendingPathComponent("export.jsonl"))
            var arguments = [dir.appendingPathComponent("export.jsonl").path, "--receipt"]
            for (n, receipt) in receipts.enumerated() {
                let file = dir.appendingPathComponent("receipt-\(n).json")
                try Data(receipt.utf8).write(to: file)
                arguments.append(file.path)
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try #require(AuditExportHTTPTests.python))
            process.arguments = [Repository.root.appendingPathComponent("Tools/verify-audit.py").path] + arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = out
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(text)")
        }
    }

    @Test func anInclusionProofLeadsToTheSignedRootAndNamesWhatIsMissing() async throws {
        let key = try #require(Self.key)
        let world = try ServiceWorld(signingKey: key, checkpointEvery: 1000)
        try await world.app().test(.router) { client in
            for n in 1...3 {
                let reply = try await client.call(.post, "/v1/commands/project.create", key: world.alpha.key,
                                                  body: #"{"name":"Proven \#(n)"}"#)
                #expect(reply.status == 200, "\(reply.text)")
            }
            let head = try world.data.partition(for: world.alpha.tenant).head().position
            let none = try await client.call(.get, "/v1/audit/proof?position=2", key: world.alpha.key)
            #expect(none.status == 404 && none.text.contains("no signed checkpoint"), "\(none.text)")
            let made = try await client.call(.post, "/v1/audit/checkpoints", key: world.alpha.key)
            #expect(made.status == 201, "\(made.text)")

            let reply = try await client.call(.get, "/v1/audit/proof?position=2", key: world.alpha.key)
            #expect(reply.status == 200, "\(reply.text)")
            let json = try JSONDecoder().decode(InclusionProof.JSON.self, from: Data(reply.text.utf8))
            #expect(json.tenant == world.alpha.tenant.description && json.position == 2 && json.treeSize == head)
            let record = try #require(Data(base64Encoded: json.record))
            let root = Merkle.root(leafIndex: 1, treeSize: head, leafHash: Array(record).withUnsafeBytes {
                Merkle.leafHash($0)
            }, path: json.auditPath.compactMap { [UInt8](hex: $0) })
            #expect(root?.hexString == json.checkpoint.merkleRoot)
            #expect(json.publicKey.keyId == key.keyID.hexString)

            for (query, status) in [("", 400), ("?position=0", 400), ("?position=x", 400),
                                    ("?position=\(head + 1)", 404), ("?position=3&treeSize=2", 400),
                                    ("?position=2&treeSize=\(head - 1)", 404)] {
                let bad = try await client.call(.get, "/v1/audit/proof\(query)", key: world.alpha.key)
                #expect(bad.status == status, "\(query): \(bad.text)")
            }
            // Another tenant has no checkpoint of its own: it gets none of alpha's.
            let beta = try await client.call(.get, "/v1/audit/proof?position=1", key: world.beta.key)
            #expect(beta.status == 404 && !beta.text.contains(world.alpha.tenant.description), "\(beta.text)")
        }
    }

    @Test func withoutASigningKeyNothingIsSignedAndSayingSo() async throws {
        let world = try ServiceWorld()
        try await world.app().test(.router) { client in
            let reply = try await client.call(.post, "/v1/commands/project.create", key: world.alpha.key,
                                              body: #"{"name":"Unsigned"}"#)
            #expect(reply.status == 200)
            #expect((reply.json as? [String: Any])?["receipt"] == nil)
            let made = try await client.call(.post, "/v1/audit/checkpoints", key: world.alpha.key)
            #expect(made.status == 409, "\(made.text)")
            #expect(made.text.contains("not_signing"))
            let keys = try await client.call(.get, "/v1/audit/keys", key: world.alpha.key)
            #expect(keys.status == 200)
            #expect(keys.text.contains("\"signing\":null") && keys.text.contains("\"keys\":[]"), "\(keys.text)")
        }
        #expect(try world.data.partition(for: world.alpha.tenant).checkpoints().isEmpty)
    }
}

/// The timer's pass (``CheckpointScheduler``): every tenant whose log moved gets a checkpoint, the
/// others none.
@Suite struct CheckpointPassTests {
    @Test func aPassCheckpointsOnlyTheTenantsWhoseLogMoved() throws {
        let key = try #require(SignedAuditHTTPTests.key)
        let world = try ServiceWorld(signingKey: key)
        let signer = try #require(world.service.signer)
        let logger = world.service.configuration.logger
        let first = signer.checkpointMovedTenants(logger: logger)
        #expect(Set(first.map(\.tenant)) == [world.alpha.tenant, world.beta.tenant])
        #expect(signer.checkpointMovedTenants(logger: logger).isEmpty, "nothing moved since")
        try world.run(world.alpha.tenant, "project.create", #"{"name":"Moved"}"#)
        let second = signer.checkpointMovedTenants(logger: logger)
        #expect(second.map(\.tenant) == [world.alpha.tenant])
        #expect(second.first?.position == (try world.data.partition(for: world.alpha.tenant).head().position))
    }
}
