import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections
import Testing
import Workflows

/// Builds a random but valid history through the real engine, with every event type and every
/// command, and checks each event payload, envelope and command body against `Schemas/`.
@Suite struct HistorySchemaTests {
    @Test func everyEventEnvelopeAndCommandOfARandomHistoryMatchesItsSchema() throws {
        let seed = UInt64.random(in: .min ... .max)
        let world = try SchemaWorld()
        let samples = try TemporaryDirectory("schema-samples")
        var history = RandomHistory(world: world, samples: samples, random: SeededRandom(seed: seed))
        try history.build()
        // A command submitted with one of the tenant's API keys, as over HTTP: its envelope carries
        // `apiKeyId` (record format 2), which the envelope schema must accept.
        let key = try #require(try world.run(IssueAPIKey(label: "schema samples")).ids["keyId"])
        _ = try world.engine.execute(
            batch: [(RegisterPlayer(name: "Keyed"), SchemaWorld.owner, key)], tenant: world.tenant)[0].get()
        var keyed = 0

        // Events and envelopes, read back from the stored log.
        var types: Set<String> = []
        let count = try world.partition().read { log in
            try log.scanRecords(from: 1) { view, previousHash, hash in
                let event = try EventCatalog.decode(type: view.type, schemaVersion: view.schemaVersion, payload: view.payload)
                types.insert(event.type)
                let position = view.position
                try samples.write(try event.jsonPayload(), to: "events/\(event.type).v\(event.schemaVersion)/\(position).json")
                let envelope = try EnvelopeJSON.render(view, previousHash: previousHash, hash: hash)
                if view.apiKeyID != nil { keyed += 1 }
                try samples.write(Data(envelope.utf8), to: "envelopes/\(event.type)/\(position).json")
                return true
            }
        }
        #expect(count == Int(try world.partition().head().position))
        #expect(keyed == 1)
        // Version 1 of project.created is only ever read (and upcast), never written: show its shape.
        let v1 = ProjectCreatedV1(projectId: UUID(), name: "Legacy \u{1F3DF}", githubRepository: "example/legacy")
        try samples.write(try EventCatalog.jsonEncoder.encode(v1), to: "events/project.created.v1/1.json")
        try samples.write(try EventCatalog.jsonEncoder.encode(ProjectCreatedV1(projectId: UUID(), name: "No repo", githubRepository: nil)),
                          to: "events/project.created.v1/2.json")

        #expect(types == Set(EventCatalog.typeNames), "seed \(seed): event types missing from the history: \(Set(EventCatalog.typeNames).subtracting(types).sorted())")
        #expect(history.commandNames == Set(CommandCatalog.names), "seed \(seed): commands missing from the history: \(Set(CommandCatalog.names).subtracting(history.commandNames).sorted())")

        let result = try SchemaChecker.run("good", samples.url)
        print("check-schemas.py good: \(result.summary)")
        #expect(result.status == 0, "seed \(seed): \(result)")
        #expect(result.summary.hasSuffix(" 0 failed"), "\(result)")
    }
}

/// A random history of one tenant covering every command and event type. Each command goes through
/// its JSON form (encoded, strictly decoded, executed), and that JSON is kept as a command sample.
struct RandomHistory {
    let world: SchemaWorld
    let samples: TemporaryDirectory
    var random: SeededRandom
    private(set) var commandNames: Set<String> = []
    private var commandCount = 0

    init(world: SchemaWorld, samples: TemporaryDirectory, random: SeededRandom) {
        self.world = world
        self.samples = samples
        self.random = random
    }

    static let words = ["Import", "Ünïcödé", "CodeMCP", "数据", "café", "Team \u{26BD}", "notes", "O'Brien", "x", "a \"quoted\" word", "back\\slash", "slash/ed"]

    mutating func word() -> String { Self.words.randomElement(using: &random) ?? "x" }

    mutating func text(words count: ClosedRange<Int>) -> String {
        (0..<Int.random(in: count, using: &random)).map { _ in word() }.joined(separator: " ")
    }

    mutating func multiline() -> String {
        (0..<Int.random(in: 1...4, using: &random)).map { _ in text(words: 1...6) }.joined(separator: Bool.random(using: &random) ? "\n" : "\r\n\t")
    }

    private var presentAt: Set<Int> = [], absentAt: Set<Int> = []

    /// `make`'s value or nil: the first call at a line gives a value, the second nil, later ones
    /// either at random, so every optional field is seen both present and omitted.
    mutating func maybe<T>(line: Int = #line, _ make: (inout RandomHistory) -> T) -> T? {
        let present = !presentAt.contains(line) ? true : !absentAt.contains(line) ? false : Bool.random(using: &random)
        if present {
            presentAt.insert(line)
            return make(&self)
        }
        absentAt.insert(line)
        return nil
    }

    mutating func repository() -> String {
        let owners = ["example", "capo-fc", "a.b_c", "Org-9"], names = ["codemcp", "stats.web", "x_y", ".github"]
        return "\(owners.randomElement(using: &random) ?? "o")/\(names.randomElement(using: &random) ?? "n")"
    }

    mutating func path() -> String {
        ["", "/", "src", "/packages/core/", "docs/api", ".config/x", "a/b/c/"].randomElement(using: &random) ?? ""
    }

    /// Runs `command` through its JSON form and keeps that JSON as a sample.
    @discardableResult
    mutating func run(_ command: any Command) throws -> CommandOutcome {
        let name = type(of: command).name
        let json = try command.json()
        let decoded = try CommandCatalog.decode(name: name, json: json)
        commandCount += 1
        try samples.write(json, to: "commands/\(name)/\(commandCount).json")
        // Clients may send ids in lowercase: the decoder and the schema take either case.
        let lowercased = String(decoding: json, as: UTF8.self)
            .replacing(/[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}/) { $0.output.lowercased() }
        if lowercased.utf8.elementsEqual(json) == false {
            #expect(try CommandCatalog.decode(name: name, json: Data(lowercased.utf8)).json() == json, "\(name): \(lowercased)")
            try samples.write(Data(lowercased.utf8), to: "commands/\(name)/\(commandCount)-lowercase.json")
        }
        commandNames.insert(name)
        return try world.run(
            decoded, actor: [SchemaWorld.owner, SchemaWorld.alias].randomElement(using: &random) ?? SchemaWorld.owner)
    }

    func id(_ outcome: CommandOutcome, _ key: String) throws -> UUID {
        try #require(outcome.ids[key], "\(outcome.command) returned no \(key)")
    }

    mutating func build() throws {
        try tenancy()
        let projects = try projects()
        try analysis(projects[0])
        try syncs(projects[1 % projects.count])
        try matches()
    }

    mutating func tenancy() throws {
        for i in 0..<Int.random(in: 1...3, using: &random) {
            try run(AddUser(userId: maybe { _ in UUID() }, email: "user\(i)+\(word().filter(\.isLetter).prefix(4))@example.com", displayName: text(words: 1...3)))
        }
        // The contract's e-mail pattern works on scalars: a '.' followed by a combining mark is a '.'.
        try run(AddUser(email: "0@.\u{1a1b},?", displayName: "Combining"))
        try run(
            RemoveUser(
                userId: try id(
                    try run(
                        AddUser(
                            email: "leaver+\(word().filter(\.isLetter).prefix(4))@example.com",
                                                            displayName: text(words: 1...2))), "userId")))
        try run(SetConfig(key: .teamAName, value: .text(text(words: 1...2))))
        try run(SetConfig(key: .teamBName, value: .text(text(words: 1...2))))
        try run(SetConfig(key: .heavyWinThreshold, value: .integer(Int.random(in: 1...99, using: &random))))
        let key = try id(try run(IssueAPIKey(keyId: maybe { _ in UUID() }, label: text(words: 1...3))), "keyId")
        try run(IssueAPIKey(label: "CI"))
        try run(RevokeAPIKey(keyId: key))
        for feature in ModelFeature.allCases {
            let model = ModelCatalog.current.models.randomElement(using: &random) ?? ModelCatalog.current.models[0]
            try run(SetModelPreference(feature: feature, provider: model.provider, model: model.id))
        }
    }

    mutating func projects() throws -> [UUID] {
        var ids: [UUID] = []
        for _ in 0..<Int.random(in: 2...4, using: &random) {
            let outcome = try run(CreateProject(projectId: maybe { _ in UUID() }, name: text(words: 1...3), githubRepository: maybe { $0.repository() }, scanPath: maybe { $0.path() }))
            ids.append(try id(outcome, "projectId"))
        }
        try run(UpdateProject(projectId: ids[0], name: maybe { $0.text(words: 1...2) }, githubRepository: repository(), scanPath: maybe { $0.path() }))
        try run(UpdateProject(projectId: ids[0], githubRepository: ""))
        // A '/' followed by a combining mark is trimmed like any '/': the event records "\u{301}".
        try run(ImportSource(projectId: ids[0], repository: "example/marks", path: "/\u{301}"))
        try run(UpdateProject(projectId: ids[0], scanPath: "..\u{301}/x/"))
        for project in ids {
            try run(ImportSource(projectId: project, sourceId: maybe { _ in UUID() }, repository: repository(), path: maybe { $0.path() }))
            try run(CreateNote(projectId: project, noteId: maybe { _ in UUID() }, title: text(words: 1...4), body: multiline()))
            let post = try id(try run(PublishBlogPost(projectId: project, postId: maybe { _ in UUID() }, title: text(words: 1...4), body: multiline())), "postId")
            try run(UpdateBlogPost(postId: post, title: maybe { $0.text(words: 1...3) }, body: multiline()))
            try run(UpdateBlogPost(postId: post, title: text(words: 1...3)))
            if Bool.random(using: &random) { try run(DeleteBlogPost(postId: post)) }
            for kind in KnowledgeKind.allCases.shuffled(using: &random) {
                try run(RecordKnowledge(projectId: project, entryId: maybe { _ in UUID() }, kind: kind, content: multiline()))
            }
        }
        let doomed = try id(try run(CreateProject(name: "Doomed", githubRepository: repository())), "projectId")
        try run(DeleteBlogPost(postId: try id(try run(PublishBlogPost(projectId: doomed, title: "t", body: "b")), "postId")))
        try run(DeleteProject(projectId: doomed))
        return ids
    }

    mutating func analysis(_ project: UUID) throws {
        let first = try id(try run(RequestAnalysis(projectId: project, runId: maybe { _ in UUID() }, trigger: .manual)), "runId")
        try run(RequestAnalysis(projectId: project, trigger: .projectSync))  // skipped: a run is active
        try run(CompleteAnalysis(runId: first))
        world.clock.advance(by: Guards.analysisCooldown + 1)
        let failing = try id(try run(RequestAnalysis(projectId: project, trigger: .projectSync)), "runId")
        try run(FailAnalysis(runId: failing, reason: multiline()))
        try run(RequestAnalysis(projectId: project, trigger: .manual))
        world.clock.advance(by: Guards.analysisExpiry + 1)
        try run(ExpireStaleAnalyses())
    }

    mutating func syncs(_ project: UUID) throws {
        let first = try id(try run(StartSync(projectId: project, syncId: maybe { _ in UUID() })), "syncId")
        try run(CompleteSync(syncId: first))
        let second = try id(try run(StartSync(projectId: project)), "syncId")
        try run(FailSync(syncId: second, reason: multiline()))
        try run(StartSync(projectId: project))
        world.clock.advance(by: Guards.syncOrphanAfter + 1)
        try run(CleanupOrphanSyncs())
        try run(StartSync(projectId: project))
        world.clock.advance(by: Guards.syncOrphanAfter + 1)
        try run(StartSync(projectId: project))  // orphans the stuck sync in the same transaction
    }

    mutating func team(_ pool: inout [UUID]) -> TeamInput {
        let size = Int.random(in: 1...min(5, pool.count - 1), using: &random)
        let players = Array(pool.prefix(size))
        pool.removeFirst(size)
        return TeamInput(players: players, score: Int.random(in: 0...6, using: &random))
    }

    mutating func goals(_ team: TeamInput) -> [GoalTally] {
        var left = team.score
        var tallies: [GoalTally] = []
        for player in team.players where left > 0 && Bool.random(using: &random) {
            let goals = Int.random(in: 1...left, using: &random)
            tallies.append(GoalTally(playerId: player, goals: goals))
            left -= goals
        }
        return tallies
    }

    mutating func matches() throws {
        let year = Int.random(in: 2000...2090, using: &random)
        let start = try #require(LocalDate(year: year, month: 8, day: 1))
        let end = try #require(LocalDate(year: year + 1, month: 6, day: 30))
        try run(DefineSeason(seasonId: maybe { _ in UUID() }, name: "\(year)/\(String(year + 1).suffix(2))", startDate: start, endDate: end))
        var players: [UUID] = []
        for _ in 0..<12 {
            players.append(try id(try run(RegisterPlayer(playerId: maybe { _ in UUID() }, name: text(words: 1...2))), "playerId"))
        }
        var matches: [UUID] = []
        for _ in 0..<Int.random(in: 2...4, using: &random) {
            var pool = players.shuffled(using: &random)
            let a = team(&pool), b = team(&pool)
            let date = try #require(LocalDate(year: year + 1, month: Int.random(in: 1...5, using: &random), day: Int.random(in: 1...28, using: &random)))
            let outcome = try run(RecordMatch(matchId: maybe { _ in UUID() }, date: date, teamA: a, teamB: b, goals: goals(a) + goals(b)))
            matches.append(try id(outcome, "matchId"))
        }
        var pool = players.shuffled(using: &random)
        let a = team(&pool), b = team(&pool)
        try run(CorrectMatch(matchId: matches[0], date: try #require(LocalDate(year: year, month: 12, day: 31)), teamA: a, teamB: b, goals: goals(a) + goals(b)))
        try run(DeleteMatch(matchId: matches[1]))
    }
}
