import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections
import Testing

/// One file of `Tests/Fixtures/bad-commands/`: `<command name>--<case>.json`.
struct BadCommandFixture: CustomStringConvertible {
    let file: String
    let command: String
    /// The field path the refusal must name, as StrictJSON and `Check` name it.
    let expectField: String
    /// `decode`: the strict decoder refuses; `decide`: it decodes, and the command's decision refuses.
    let stage: String
    /// False when the rule is one the JSON Schema cannot express.
    let schemaCatches: Bool
    /// A bug of the decoder this fixture shows, if any: its field expectation is then a known issue,
    /// and the test fails once the bug is fixed, so that the marker is removed.
    let knownIssue: String?
    /// The bad body, re-serialized.
    let body: Data
    /// The fixture document as read, for the schema checker.
    let document: [String: Any]

    var description: String { file }

    /// Runs `body`, whose failure is a known issue when the fixture names one.
    func expectingKnownIssue(_ body: () -> Void) {
        if let knownIssue {
            withKnownIssue(Comment(rawValue: knownIssue)) { body() }
        } else {
            body()
        }
    }

    static func all() throws -> [BadCommandFixture] {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repository.badCommands.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        return try files.map { file in
            let url = Repository.badCommands.appendingPathComponent(file)
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url), options: [.fragmentsAllowed])
            let document = try #require(object as? [String: Any], "\(file) is not a JSON object")
            let unknown = Set(document.keys).subtracting(["expectField", "stage", "schemaCatches", "knownIssue", "body"])
            #expect(unknown.isEmpty, "\(file) has unknown keys \(unknown.sorted())")
            let command = try #require(file.components(separatedBy: "--").first, "\(file) is not named <command>--<case>.json")
            let body = try #require(document["body"], "\(file) has no body")
            return BadCommandFixture(
                file: file,
                command: command,
                expectField: try #require(document["expectField"] as? String, "\(file) has no expectField"),
                stage: try #require(document["stage"] as? String, "\(file) has no stage"),
                schemaCatches: document["schemaCatches"] as? Bool ?? true,
                knownIssue: document["knownIssue"] as? String,
                body: try JSONSerialization.data(withJSONObject: body, options: [.fragmentsAllowed]),
                document: document)
        }
    }
}

/// Ids the fixtures use: they exist in the world each decide-stage fixture runs against, so a
/// refusal can only come from the bad field.
enum FixtureIDs {
    static let player = UUID(uuidString: "3F2504E0-4F89-41D3-9A0C-0305E82C3301")!
    static let otherPlayer = UUID(uuidString: "7C9E6679-7425-40DE-944B-E07FC1F90AE7")!
    static let match = UUID(uuidString: "B1E7A6D2-0C4F-4E59-8A6B-2F3C4D5E6F70")!
}

@Suite struct BadCommandTests {
    @Test func theCorpusCoversTheKindsOfBadInput() throws {
        let fixtures = try BadCommandFixture.all()
        #expect(fixtures.count >= 30)
        for fixture in fixtures {
            #expect(CommandCatalog.names.contains(fixture.command), "\(fixture): no command named \(fixture.command)")
            #expect(["decode", "decide"].contains(fixture.stage), "\(fixture): stage is \(fixture.stage)")
        }
        let cases = fixtures.map { $0.file }
        for kind in ["unknown-field", "wrong-type", "missing", "malformed", "february-30", "out-of-range", "too-long", "null", "body-is", "unknown-kind", "repository"] {
            #expect(cases.contains { $0.contains(kind) }, "no fixture for \(kind)")
        }
    }

    @Test func everyBadBodyIsRefusedNamingItsField() throws {
        let world = try SchemaWorld()
        // A world in which the fixtures' ids exist.
        try world.run(SetConfig(key: .teamAName, value: .text("Reds")))
        try world.run(SetConfig(key: .teamBName, value: .text("Blues")))
        try world.run(RegisterPlayer(playerId: FixtureIDs.player, name: "Ada"))
        try world.run(RegisterPlayer(playerId: FixtureIDs.otherPlayer, name: "Bo"))
        try world.run(DefineSeason(name: "2025/26", startDate: LocalDate("2025-08-01")!, endDate: LocalDate("2026-06-30")!))
        try world.run(CreateProject(projectId: FixtureIDs.player, name: "CodeMCP"))
        try world.run(RecordMatch(matchId: FixtureIDs.match, date: LocalDate("2026-03-14")!,
                                  teamA: TeamInput(players: [FixtureIDs.player], score: 1),
                                  teamB: TeamInput(players: [FixtureIDs.otherPlayer], score: 0),
                                  goals: [GoalTally(playerId: FixtureIDs.player, goals: 1)]))
        let head = try world.partition().head()

        for fixture in try BadCommandFixture.all() {
            switch fixture.stage {
            case "decode":
                do {
                    _ = try CommandCatalog.decode(name: fixture.command, json: fixture.body)
                    Issue.record("\(fixture): the decoder accepted the body")
                } catch let CommandError.invalid(field, reason) {
                    fixture.expectingKnownIssue {
                        #expect(field == fixture.expectField, "\(fixture): refused at '\(field)' (\(reason)), expected '\(fixture.expectField)'")
                    }
                } catch {
                    Issue.record("\(fixture): expected CommandError.invalid naming '\(fixture.expectField)', got \(error)")
                }
            default:
                let command: any Command
                do {
                    command = try CommandCatalog.decode(name: fixture.command, json: fixture.body)
                } catch {
                    Issue.record("\(fixture): a decide-stage body must decode, but: \(error)")
                    continue
                }
                do {
                    try world.run(command)
                    Issue.record("\(fixture): the command was accepted")
                } catch let CommandError.invalid(field, reason) {
                    fixture.expectingKnownIssue {
                        #expect(field == fixture.expectField, "\(fixture): refused at '\(field)' (\(reason)), expected '\(fixture.expectField)'")
                    }
                } catch {
                    Issue.record("\(fixture): expected CommandError.invalid naming '\(fixture.expectField)', got \(error)")
                }
            }
        }
        #expect(try world.partition().head() == head, "a refused command changed the log")
    }

    @Test func everyBadBodyTheSchemaCanJudgeIsRefusedByItsSchema() throws {
        let fixtures = try BadCommandFixture.all()
        let samples = try TemporaryDirectory("bad-commands")
        for fixture in fixtures {
            let data = try JSONSerialization.data(withJSONObject: fixture.document, options: [.fragmentsAllowed, .sortedKeys])
            try samples.write(data, to: "commands/\(fixture.command)/\(fixture.file)")
        }
        let result = try SchemaChecker.run("bad", samples.url)
        print("check-schemas.py bad: \(result.summary)")
        #expect(result.status == 0, "\(result)")
        let judged = fixtures.filter(\.schemaCatches).count
        #expect(result.output.contains("\(fixtures.count - judged) fixtures skipped") || judged == fixtures.count, "\(result)")
        #expect(result.summary.hasSuffix(" 0 failed"), "\(result)")
    }
}
