import BulkheadCore
@testable import EventLog
import Foundation
import Storage
import Testing

/// Signed checkpoints and receipts, as a user and an auditor meet them: `bulkhead verify` (exit 4)
/// and `Tools/verify-audit.py` (exit 1) name the tenant and the position of a rewritten suffix, an
/// altered checkpoint signature, and another tenant's receipt.
@Suite(.enabled(if: AuditExportCLITests.python != nil, "python3 is not on PATH: the offline verifier cannot run"))
struct SignedAuditCLITests {
    /// A scratch directory with a signing key, and a tenant with five signed `project.create`s
    /// (a receipt each, saved as receipt-N.json, and a checkpoint after each).
    struct Setup {
        let cli = CLI()
        let scratch = AuditExportCLITests.scratch()
        var key: String { scratch + "/signing.key" }

        init() throws {
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            let made = try cli.run(["keys", "init", key])
            #expect(made.status == 0, "\(made.stderr)")
            #expect(made.stdout.contains("key id "))
            let again = try cli.run(["keys", "init", key])
            #expect(again.status == 3, "a key is never overwritten: \(again.stderr)")
            let mode = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }

        /// Creates `slug` and runs five signed commands; the tenant's id.
        func tenant(_ slug: String) throws -> String {
            let created = try cli("tenant", "create", slug, "--name", slug, "--owner", "ana@\(slug).example")
            #expect(created.status == 0, "\(created.stderr)")
            for n in 1...5 {
                let run = try cli("exec", "--tenant", slug, "--actor", "ana@\(slug).example", "--signing-key", key,
                                  "--format", "json", "project.create",
                                  #"{"name":"Project \#(n)","githubRepository":"\#(slug)/app-\#(n)"}"#)
                #expect(run.status == 0, "\(run.stderr)")
                #expect(run.stdout.contains("\"receipt\":{"), "\(run.stdout)")
                try Data(run.stdout.utf8).write(to: URL(fileURLWithPath: "\(scratch)/\(slug)-receipt-\(n).json"))
            }
            return try #require(AuditExportCLITests.heads(cli)[slug]).id
        }

        func export(_ slug: String) throws -> String {
            let directory = "\(scratch)/\(slug)-export"
            let run = try cli("audit", "export", "--tenant", slug, directory)
            #expect(run.status == 0, "\(run.stderr)")
            return directory
        }

        func verifier(_ arguments: [String]) throws -> (status: Int32, output: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try #require(AuditExportCLITests.python))
            process.arguments = [AuditExportCLITests.repository.appendingPathComponent("Tools/verify-audit.py").path]
                + arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = out
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }

        func cleanUp() {
            cli.cleanUp()
            try? FileManager.default.removeItem(atPath: scratch)
        }
    }

    @Test func aCleanSignedExportAndItsReceiptsVerify() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let id = try setup.tenant("signed-club")
        let keys = try setup.cli("audit", "keys", "--tenant", "signed-club", "--format", "json")
        #expect(keys.status == 0 && keys.stdout.contains("Ed25519"), "\(keys.stdout) \(keys.stderr)")
        let export = try setup.export("signed-club")
        let receipts = (1...5).map { "\(setup.scratch)/signed-club-receipt-\($0).json" }
        let result = try setup.verifier([export, "--receipt"] + receipts)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("tenant \(id)"))
        #expect(result.output.contains("checkpoints: 5"), "\(result.output)")
        #expect(result.output.components(separatedBy: "signature valid").count == 1 + 1 + 5, "\(result.output)")
    }

    /// Changes one payload byte of the event at `position` and recomputes every later hash, in the
    /// tenant's environment itself.
    @Test func aReceiptWhoseCommandLiesOutsideItsSignedCommitFailsTheVerifier() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        _ = try setup.tenant("commit-club")
        let path = "\(setup.scratch)/commit-club-receipt-2.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let last = try #require(text.firstMatch(of: /"commandLastPosition":(\d+)/)?.1)
        #expect(text.contains("\"lastPosition\":\(last)"), "exec commits one command: both ranges agree: \(text)")
        let moved = text.replacingOccurrences(of: "\"commandLastPosition\":\(last)",
                                              with: "\"commandLastPosition\":\((Int(last) ?? 0) + 1)")
        let forged = "\(setup.scratch)/commit-club-forged.json"
        try Data(moved.utf8).write(to: URL(fileURLWithPath: forged))
        let export = try setup.export("commit-club")
        #expect(try setup.verifier([export, "--receipt", path]).status == 0)
        let result = try setup.verifier([export, "--receipt", forged])
        #expect(result.status == 1 && result.output.contains("are not within the signed commit"), "\(result.output)")
    }

    @Test func anInclusionProofVerifiesOfflineAndAnAlteredOneDoesNot() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let id = try setup.tenant("proving-club")
        // The tenant's events: the registration and owner (2), a key... then five projects; the
        // last exec checkpointed the head, so every position has a proof.
        let proof = try setup.cli("audit", "prove", "--tenant", "proving-club", "--position", "3")
        #expect(proof.status == 0, "\(proof.stderr)")
        let file = "\(setup.scratch)/proof-3.json"
        try Data(proof.stdout.utf8).write(to: URL(fileURLWithPath: file))
        let checked = try setup.verifier(["--proof", file])
        #expect(checked.status == 0, "\(checked.output)")
        #expect(checked.output.contains("tenant \(id): inclusion proof OK"), "\(checked.output)")
        #expect(checked.output.contains("event at position 3: project.created"), "\(checked.output)")

        let keyID = try #require(proof.stdout.firstMatch(of: /"keyId":"([0-9a-f]{64})"/)?.1)
        #expect(try setup.verifier(["--proof", file, "--trusted-key-id", String(keyID)]).status == 0)
        let untrusted = try setup.verifier(["--proof", file, "--trusted-key-id", String(repeating: "ab", count: 32)])
        #expect(untrusted.status == 1 && untrusted.output.contains("not the trusted"), "\(untrusted.output)")

        // Another event's bytes in place of position 3's: the path no longer leads to the signed root.
        let other = try setup.cli("audit", "prove", "--tenant", "proving-club", "--position", "4")
        let otherRecord = try #require(other.stdout.firstMatch(of: /"record":"([^"]+)"/)?.1)
        let thisRecord = try #require(proof.stdout.firstMatch(of: /"record":"([^"]+)"/)?.1)
        let forged = "\(setup.scratch)/proof-forged.json"
        try Data(proof.stdout.replacingOccurrences(of: String(thisRecord), with: String(otherRecord)).utf8)
            .write(to: URL(fileURLWithPath: forged))
        let refused = try setup.verifier(["--proof", forged])
        #expect(refused.status == 1, "\(refused.output)")
        #expect(refused.output.contains("FAILED at position 3"), "\(refused.output)")

        // The export's checkpoints state the roots its events give.
        let export = try setup.export("proving-club")
        let verified = try setup.verifier([export])
        #expect(verified.status == 0 && verified.output.contains("Merkle roots: 5 format-2 checkpoints"),
                "\(verified.output)")

        let beyond = try setup.cli("audit", "prove", "--tenant", "proving-club", "--position", "99")
        #expect(beyond.status == 2 && beyond.stderr.contains("no event at position 99"), "\(beyond.stderr)")
        let before = try setup.cli("audit", "prove", "--tenant", "proving-club", "--position", "5", "--tree-size", "4")
        #expect(before.status != 0 && before.stderr.contains("--tree-size 4 is before --position 5"),
                "\(before.stderr)")
    }

    static func rewriteSuffix(data: String, tenant: String, from position: UInt64) throws {
        let env = try Environment(path: "\(data)/tenants/\(tenant)")
        defer { env.close() }
        let log = try #require(try env.openTable(named: "log", create: false))
        func key(_ p: UInt64) -> [UInt8] { withUnsafeBytes(of: p.bigEndian) { Array($0) } }
        try env.write { tx in
            var previous = Array(try #require(try tx.get(log, key: key(position - 1))).suffix(32))
            var p = position
            while let value = try tx.get(log, key: key(p)) {
                var record = Array(value.dropLast(32))
                if p == position {
                    let name = try #require(record.firstRange(of: Array("Project".utf8)))
                    record[name.lowerBound] = UInt8(ascii: "Q")  // "Qroject": same length, valid UTF-8
                }
                let hash = previous.withUnsafeBytes { prev in
                    record.withUnsafeBytes { EventRecord.chainHash(previous: prev, record: $0) }
                }.bytes
                try tx.put(log, key: key(p), value: record + hash)
                previous = hash
                p += 1
            }
        }
    }

    @Test func aRewrittenSuffixWithRecomputedHashesFailsVerifyAndTheVerifierAtTheCheckpoint() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let id = try setup.tenant("rewritten-club")
        let head = try #require(AuditExportCLITests.heads(setup.cli)["rewritten-club"])
        _ = head
        let events = try setup.cli("replay", "--tenant", "rewritten-club", "--format", "jsonl")
        let count = UInt64(events.stdout.split(separator: "\n").count)
        let from = count - 1  // the fourth project.create: checkpoints sit at count - 1 and count
        try Self.rewriteSuffix(data: setup.cli.data, tenant: id, from: from)

        let verify = try setup.cli("verify", "--tenant", "rewritten-club")
        #expect(verify.status == 4, "\(verify.stdout) \(verify.stderr)")
        #expect(verify.stdout.contains(id) && verify.stdout.contains("position \(from)"), "\(verify.stdout)")
        #expect(verify.stdout.contains("rewritten"), "\(verify.stdout)")

        let export = try setup.export("rewritten-club")
        let result = try setup.verifier([export])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("tenant \(id): FAILED at position \(from)"), "\(result.output)")
        #expect(result.output.contains("rewritten"), "\(result.output)")
        // A receipt a client kept catches it too.
        let receipt = "\(setup.scratch)/rewritten-club-receipt-5.json"
        let withReceipt = try setup.verifier([export, "--receipt", receipt])
        #expect(withReceipt.status == 1, "\(withReceipt.output)")
    }

    @Test func anAlteredCheckpointSignatureFailsTheVerifierAtItsPosition() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let id = try setup.tenant("forged-club")
        let export = try setup.export("forged-club")
        let path = export + "/manifest.json"
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
            as? [String: Any])
        var checkpoints = try #require(manifest["checkpoints"] as? [[String: Any]])
        #expect(checkpoints.count == 5)
        let signature = try #require(checkpoints[2]["signature"] as? String)
        let position = try #require(checkpoints[2]["position"] as? Int)
        checkpoints[2]["signature"] = (signature.first == "0" ? "1" : "0") + signature.dropFirst()
        manifest["checkpoints"] = checkpoints
        try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys])
            .write(to: URL(fileURLWithPath: path))
        let result = try setup.verifier([export])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("tenant \(id): FAILED at position \(position)"), "\(result.output)")
        #expect(result.output.contains("signature does not verify"), "\(result.output)")
    }

    @Test func aReceiptOfAnotherTenantFailsTheVerifierNamingTheTenantAndPosition() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let id = try setup.tenant("home-club")
        let other = try setup.tenant("away-club")
        let export = try setup.export("home-club")
        let foreign = "\(setup.scratch)/away-club-receipt-5.json"
        let data = try Data(contentsOf: URL(fileURLWithPath: foreign))
        let receipt = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let position = try #require((receipt["receipt"] as? [String: Any])?["lastPosition"] as? Int)
        let result = try setup.verifier([export, "--receipt", foreign])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("tenant \(id): FAILED at position \(position)"), "\(result.output)")
        #expect(result.output.contains("tenant \(other)'s, not this tenant's"), "\(result.output)")
    }

    @Test func withoutAKeyNothingIsSignedAndTheOutputsSaySo() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let cli = setup.cli
        let created = try cli("tenant", "create", "plain-club", "--name", "Plain", "--owner", "ana@plain.example")
        #expect(created.status == 0)
        let run = try cli("exec", "--tenant", "plain-club", "--actor", "ana@plain.example", "project.create",
                          #"{"name":"Unsigned"}"#)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("none (no --signing-key: nothing signed)"), "\(run.stdout)")
        #expect(run.stderr.contains("not signed"), "\(run.stderr)")
        let keys = try cli("audit", "keys", "--tenant", "plain-club")
        #expect(keys.status == 0 && keys.stdout.contains("has no signing keys"), "\(keys.stdout)")
        let checkpoint = try cli("audit", "checkpoint", "--tenant", "plain-club")
        #expect(checkpoint.status == 1 && checkpoint.stderr.contains("--signing-key"), "\(checkpoint.stderr)")

        // A key file that is missing or not a key: exit 1 naming it, and not one stored byte changed.
        let before = try cli.snapshot()
        let garbage = setup.scratch + "/not-a-key"
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: garbage))
        for file in [setup.scratch + "/missing.key", garbage] {
            let bad = try cli("exec", "--tenant", "plain-club", "--actor", "ana@plain.example", "--signing-key", file,
                              "project.create", #"{"name":"Never"}"#)
            #expect(bad.status == 1, "\(bad.stderr)")
            #expect(bad.stderr.contains(file), "\(bad.stderr)")
        }
        #expect(try cli.snapshot() == before)
    }
}
