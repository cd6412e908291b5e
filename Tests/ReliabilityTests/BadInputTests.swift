import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections
import Testing

/// `Tests/Fixtures/bad-input/`: tenant-level and log-level bad input. Each case is refused with
/// its expected error and leaves every data file of the store byte-identical (`lock.mdb` aside:
/// it holds reader slots, which any transaction touches).
///
/// - `cli--*.json`: `{"args": [...], "expectExit": N, "expectError": "substring of the one stderr
///   line", "expectStdout": "substring", "file": {"text"|"base64": ...}}`, run through the built
///   `bulkhead` CLI. `{file}` in an argument is the path of a file holding `file`'s bytes.
/// - `log--*.json`: `{"append": {"stream", "expected": "any"|"noStream"|N, "events": [...]},
///   "expectError": "duplicateEventID"|"invalidAppend"|"versionConflict"}` or `"expectRetry": true`,
///   run through `Partition.append`. An event id `"new"` is a fresh id; any other word is a fresh
///   id shared by the events naming it.
///
/// Placeholders such as `{beta.project}` name the ids of the world below.
@Suite struct BadInputTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/bad-input")

    struct Fixture: CustomStringConvertible {
        let name: String
        let document: [String: Any]
        var description: String { name }
    }

    static func all() throws -> [Fixture] {
        try FileManager.default.contentsOfDirectory(atPath: fixtures.path).filter { $0.hasSuffix(".json") }.sorted().map { file in
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent(file)))
            return Fixture(name: file, document: try #require(object as? [String: Any], "\(file) is not a JSON object"))
        }
    }

    /// Fixed ids so the fixtures can name them.
    enum IDs {
        static let alphaProject = UUID(uuidString: "11111111-1111-4111-8111-111111111111")!
        static let alphaSyncProject = UUID(uuidString: "11111111-1111-4111-8111-222222222222")!
        static let betaProject = UUID(uuidString: "22222222-2222-4222-8222-222222222222")!
        static let alphaPlayer1 = UUID(uuidString: "33333333-3333-4333-8333-000000000001")!
        static let alphaPlayer2 = UUID(uuidString: "33333333-3333-4333-8333-000000000002")!
        static let betaPlayer = UUID(uuidString: "44444444-4444-4444-8444-000000000001")!
        static let betaPlayer2 = UUID(uuidString: "44444444-4444-4444-8444-000000000002")!
        static let betaMatch = UUID(uuidString: "66666666-6666-4666-8666-666666666666")!
        static let betaRun = UUID(uuidString: "77777777-7777-4777-8777-777777777777")!
        static let deltaPlayer1 = UUID(uuidString: "99999999-9999-4999-8999-000000000001")!
        static let deltaPlayer2 = UUID(uuidString: "99999999-9999-4999-8999-000000000002")!
        static let betaKey = UUID(uuidString: "88888888-8888-4888-8888-888888888888")!
    }

    /// Two tenants: alpha with projects, players, a season, team names, a running sync and an
    /// active analysis run (started now, so the CLI's wall clock sees them running); beta with a
    /// project, players, a match (configured through a season only), a run and an API key.
    static func buildWorld(_ path: String) throws -> [String: String] {
        let data = try DataDirectory(path: path)
        let clock = ManualClock(Date())
        let engine = TenantEngine(data: data, clock: clock)
        // Every command's actor must be a user: each tenant's owner is `actor`, and alpha has the
        // fixtures' actor too.
        let actor = "setup@example.com"
        func create(_ slug: String) throws -> TenantID {
            try engine.createTenant(slug: slug, name: slug.capitalized, owner: actor, ownerName: "Setup", at: clock.now)
                .record.id
        }
        let alpha = try create("alpha")
        let beta = try create("beta")
        func run(_ tenant: TenantID, _ commands: [any Command]) throws {
            for result in try engine.execute(batch: commands.map { ($0, actor) }, tenant: tenant) { _ = try result.get() }
        }
        try run(alpha, [
            AddUser(email: "ana@alpha.example", displayName: "Ana"),
            CreateProject(projectId: IDs.alphaProject, name: "Alpha One"),
            CreateProject(projectId: IDs.alphaSyncProject, name: "Alpha Synced"),
            SetConfig(key: .teamAName, value: .text("Reds")), SetConfig(key: .teamBName, value: .text("Blues")),
            DefineSeason(name: "2025/26", startDate: LocalDate("2025-08-01")!, endDate: LocalDate("2026-06-30")!),
            RegisterPlayer(playerId: IDs.alphaPlayer1, name: "Ada"), RegisterPlayer(playerId: IDs.alphaPlayer2, name: "Bo"),
            StartSync(projectId: IDs.alphaSyncProject),
            RequestAnalysis(projectId: IDs.alphaSyncProject, trigger: .manual),
        ])
        try run(beta, [
            CreateProject(projectId: IDs.betaProject, name: "Beta One"),
            DefineSeason(name: "2025/26", startDate: LocalDate("2025-08-01")!, endDate: LocalDate("2026-06-30")!),
            RegisterPlayer(playerId: IDs.betaPlayer, name: "Cy"), RegisterPlayer(playerId: IDs.betaPlayer2, name: "Di"),
            RequestAnalysis(projectId: IDs.betaProject, runId: IDs.betaRun, trigger: .manual),
            IssueAPIKey(keyId: IDs.betaKey, label: "beta app"),
        ])
        // Delta has a season and players but no team names: a match must be refused.
        let delta = try create("delta")
        try run(delta, [
            DefineSeason(name: "2025/26", startDate: LocalDate("2025-08-01")!, endDate: LocalDate("2026-06-30")!),
            RegisterPlayer(playerId: IDs.deltaPlayer1, name: "Ed"), RegisterPlayer(playerId: IDs.deltaPlayer2, name: "Flo"),
        ])
        try run(beta, [SetConfig(key: .teamAName, value: .text("Greens")), SetConfig(key: .teamBName, value: .text("Golds"))])
        try run(beta, [RecordMatch(matchId: IDs.betaMatch, date: LocalDate("2026-03-14")!,
                                   teamA: TeamInput(players: [IDs.betaPlayer], score: 1), teamB: TeamInput(players: [IDs.betaPlayer2], score: 0),
                                   goals: [GoalTally(playerId: IDs.betaPlayer, goals: 1)])])
        let first = try data.partition(for: alpha).read { try $0.event(at: 1) }
        return [
            "alpha.id": alpha.description, "beta.id": beta.description,
            "alpha.project": IDs.alphaProject.uuidString, "alpha.syncProject": IDs.alphaSyncProject.uuidString,
            "beta.project": IDs.betaProject.uuidString, "alpha.player1": IDs.alphaPlayer1.uuidString,
            "alpha.player2": IDs.alphaPlayer2.uuidString, "beta.player": IDs.betaPlayer.uuidString,
            "beta.player2": IDs.betaPlayer2.uuidString, "beta.match": IDs.betaMatch.uuidString,
            "beta.run": IDs.betaRun.uuidString, "beta.key": IDs.betaKey.uuidString,
            "delta.player1": IDs.deltaPlayer1.uuidString, "delta.player2": IDs.deltaPlayer2.uuidString,
            "alpha.event1": try #require(first).eventID.uuidString, "alpha.event1.stream": try #require(first).streamID,
        ]
    }

    static func substitute(_ text: String, _ values: [String: String]) -> String {
        var result = text
        for (key, value) in values { result = result.replacingOccurrences(of: "{\(key)}", with: value) }
        return result
    }

    @Test func theCorporaHoldAtLeastFortyCasesCoveringTheIssuesList() throws {
        let fixtures = try Self.all()
        let commandLevel = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.deletingLastPathComponent().appendingPathComponent("bad-commands").path)
            .filter { $0.hasSuffix(".json") }
        #expect(fixtures.count + commandLevel.count >= 40)
        let names = fixtures.map(\.name)
        for kind in ["no-tenant", "unknown-tenant", "other-tenant", "invalid-utf8", "duplicate-event-id", "second-sync", "overlapping-season", "negative-score", "absurd-score"] {
            #expect(names.contains { $0.contains(kind) }, "no bad-input fixture for \(kind)")
        }
        for fixture in fixtures {
            #expect(["cli", "append"].contains(fixture.document["via"] as? String), "\(fixture): via must be cli or append")
            #expect(fixture.document["description"] is String, "\(fixture): no description")
            #expect(fixture.document["expectError"] != nil || fixture.document["expectExit"] != nil || fixture.document["expectRetry"] != nil, "\(fixture): no expectation")
        }
    }

    @Test func everyBadInputThroughTheCLIIsRefusedAndLeavesTheStoreByteIdentical() throws {
        try runCLICases { _ in true }
    }

    func runCLICases(_ selected: (Fixture) -> Bool) throws {
        let scratch = try TemporaryDirectory("bad-input-cli")
        let path = scratch.sub("data")
        let values = try Self.buildWorld(path)
        try #require(!(try dataFiles(under: path)).isEmpty)
        for fixture in try Self.all() where fixture.document["via"] as? String == "cli" && selected(fixture) {
            // Each case against the store as the previous ones left it: one that wrongly writes
            // fails alone, not every case after it.
            let before = try dataFiles(under: path)
            var values = values
            if let file = fixture.document["file"] as? [String: Any] {
                let bytes: Data
                if let text = file["text"] as? String { bytes = Data(text.utf8) } else { let encoded = try #require(file["base64"] as? String, "\(fixture): a file needs text or base64")
                    bytes = try #require(Data(base64Encoded: encoded), "\(fixture): bad base64") }
                let filePath = scratch.sub("input-\(fixture.name)")
                // Text files may name placeholders; base64 files are written byte for byte.
                let content = file["text"] != nil ? Data(Self.substitute(String(decoding: bytes, as: UTF8.self), values).utf8) : bytes
                try content.write(to: URL(fileURLWithPath: filePath))
                values["file"] = filePath
            }
            let args = try #require(fixture.document["args"] as? [String], "\(fixture): no args").map { Self.substitute($0, values) }
            let run = try bulkhead(args, data: path, in: scratch.path)
            let expectedExit = try #require(fixture.document["expectExit"] as? Int, "\(fixture): no expectExit")
            #expect(!run.signaled, "\(fixture): the CLI crashed (signal \(run.status)): \(run.stderr)")
            #expect(run.status == Int32(expectedExit), "\(fixture): exit \(run.status), expected \(expectedExit); stderr: \(run.stderr) stdout: \(run.stdout)")
            // `import` reports each line's refusal on stdout ("line N: error: ...") and exits with
            // the first refusal's code; everything else writes one error line on stderr.
            let isImport = args.first == "import"
            let errorText = isImport ? run.stdout : run.stderr
            if expectedExit != 0 {
                if isImport {
                    #expect(run.stdout.contains("line 1: error: "), "\(fixture): \(run.stdout)")
                } else {
                    #expect(run.errorLines.count == 1, "\(fixture): the error is not one line: \(run.stderr)")
                    #expect(run.stderr.hasPrefix("error: "), "\(fixture): \(run.stderr)")
                }
            }
            if let error = fixture.document["expectError"] as? String {
                #expect(errorText.lowercased().contains(error.lowercased()), "\(fixture): '\(errorText.trimmingCharacters(in: .whitespacesAndNewlines))' does not mention '\(error)'")
            }
            if let out = fixture.document["expectStdout"] as? String {
                #expect(run.stdout.lowercased().contains(out.lowercased()), "\(fixture): stdout '\(run.stdout)' does not mention '\(out)'")
            }
            let after = try dataFiles(under: path)
            #expect(after == before, "\(fixture): the store changed: \(after.keys.filter { after[$0] != before[$0] }.sorted())")
        }
    }

    @Test func everyBadAppendIsRefusedAndLeavesTheStoreByteIdentical() throws {
        let scratch = try TemporaryDirectory("bad-input-log")
        let path = scratch.sub("data")
        let values = try Self.buildWorld(path)
        let before = try dataFiles(under: path)
        let data = try DataDirectory(path: path)
        for fixture in try Self.all() where fixture.document["via"] as? String == "append" {
            let tenant = try data.resolveTenant(try #require(fixture.document["tenant"] as? String)).id
            let partition = try data.partition(for: tenant)
            let append = try #require(fixture.document["append"] as? [String: Any], "\(fixture): no append")
            let stream = Self.substitute(try #require(append["stream"] as? String), values)
            let expected: ExpectedVersion
            switch append["expected"] {
            case let n as Int: expected = .exactly(UInt64(n))
            case let s as String where s == "noStream": expected = .noStream
            default: expected = .any
            }
            var shared: [String: UUID] = [:]
            var events: [NewEvent] = []
            for spec in try #require(append["events"] as? [[String: Any]]) {
                let word = Self.substitute(try #require(spec["eventId"] as? String), values)
                let id: UUID
                if let parsed = UUID(uuidString: word) { id = parsed } else if word == "new" { id = IDGenerator.shared.next() } else {
                    id = shared[word] ?? IDGenerator.shared.next()
                    shared[word] = id
                }
                if spec["same"] as? Bool == true {
                    let stored = try #require(try partition.read { log in try log.position(ofEvent: id).flatMap { try log.event(at: $0) } }, "\(fixture): \(id) is not stored")
                    events.append(NewEvent(eventID: id, type: stored.type, schemaVersion: stored.schemaVersion, payload: stored.payload,
                                           actor: stored.actor, correlationID: UUID(), causationID: nil))
                    continue
                }
                let payload = (spec["payloadBytes"] as? Int).map { [UInt8](repeating: 0x61, count: $0) } ?? Array((spec["payloadText"] as? String ?? "").utf8)
                events.append(NewEvent(eventID: id, type: spec["type"] as? String ?? "note.created", schemaVersion: 1, payload: payload,
                                       actor: spec["actor"] as? String ?? "ana@alpha.example", correlationID: UUID(), causationID: nil))
            }
            do {
                let result = try partition.append(stream: stream, expected: expected, events: events, recordedAt: Date())
                if fixture.document["expectRetry"] as? Bool == true {
                    #expect(result.wasDuplicate && result.positions == 1...1, "\(fixture): \(result)")
                } else {
                    Issue.record("\(fixture): the append was accepted: \(result)")
                }
            } catch let error as EventLogError {
                let expectedCase = fixture.document["expectError"] as? String ?? "(none)"
                #expect(Self.caseName(error) == expectedCase, "\(fixture): \(error)")
            }
            #expect(try dataFiles(under: path) == before, "\(fixture): the store changed")
        }
    }

    static func caseName(_ error: EventLogError) -> String {
        switch error {
        case .duplicateEventID: return "duplicateEventID"
        case .invalidAppend: return "invalidAppend"
        case .versionConflict: return "versionConflict"
        default: return "\(error)"
        }
    }
}
