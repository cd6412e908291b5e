import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections

/// Generates a random but plausible history for a tenant through the real engine: every command
/// kind, with the clock moving so that the time guards come into play. Used by isolation tests and
/// the projection benchmark.
public struct RandomHistory {
    /// The engine commands go through (its clock must be a ``ManualClock``).
    public let engine: TenantEngine
    /// The clock the engine uses.
    public let clock: ManualClock
    var rng: SplitMix64
    /// What each tenant's history holds so far: later runs go on from it.
    var states: [TenantID: State] = [:]

    /// Creates a generator with a seed.
    public init(engine: TenantEngine, clock: ManualClock, seed: UInt64) {
        self.engine = engine
        self.clock = clock
        self.rng = SplitMix64(seed: seed)
    }

    struct State {
        var projects: [UUID] = []
        var notes: [UUID] = []
        var posts: [UUID] = []
        var runs: [UUID] = []
        var syncs: [UUID] = []
        var players: [UUID] = []
        var matches: [UUID] = []
        var keys: [UUID] = []
        var seasonsDefined = 0
    }

    /// Runs `commands` random commands for `tenant` in batches of `batchSize` per transaction,
    /// going on from this generator's earlier runs for the tenant (the first run configures it,
    /// defines its seasons and registers players).
    /// - Returns: How many were applied and how many refused.
    @discardableResult
    public mutating func run(tenant: TenantID, commands: Int, batchSize: Int = 1, actors: [String] = ["ana@example.com", "ana+alias@example.com"]) throws -> (applied: Int, refused: Int) {
        var state = try states[tenant] ?? setUp(tenant: tenant, actors: actors)
        defer { states[tenant] = state }
        var applied = 0, refused = 0
        var remaining = commands
        while remaining > 0 {
            // Commands are drawn before their batch runs, from what earlier batches created: until
            // a project exists every draw would create one, so batches are single commands then.
            let n = min(state.projects.isEmpty ? 1 : batchSize, remaining)
            var batch: [(command: any Command, actor: String)] = []
            for _ in 0..<n { batch.append((randomCommand(&state), actors[Int(next(UInt64(actors.count)))])) }
            for result in try engine.execute(batch: batch, tenant: tenant) {
                switch result {
                case .success(let outcome):
                    applied += 1
                    remember(outcome, &state)
                case .failure:
                    refused += 1
                }
            }
            remaining -= n
            clock.advance(by: Double(next(240)))
        }
        return (applied, refused)
    }

    /// Configures `tenant`, defines seasons 2020 to 2030 and registers twelve players.
    mutating func setUp(tenant: TenantID, actors: [String]) throws -> State {
        var state = State()
        // Every actor must be a user of the tenant: the first becomes its owner if it has none.
        let actor = actors[0]
        let known = try engine.read(tenant: tenant) { view in try actors.map { try view.user(email: $0) != nil } }
        if try !engine.read(tenant: tenant, { try $0.hasUsers() }) {
            try engine.addOwner(tenant: tenant, email: actor, displayName: "Owner")
        }
        var setup: [(command: any Command, actor: String)] = []
        for (index, other) in actors.enumerated() where index > 0 && !known[index] {
            setup.append((AddUser(email: other, displayName: "User \(index)"), actor))
        }
        setup += [
            (SetConfig(key: .teamAName, value: .text("Team \(tenant.description.prefix(4)) A")), actor),
            (SetConfig(key: .teamBName, value: .text("Team \(tenant.description.prefix(4)) B")), actor),
            (SetConfig(key: .heavyWinThreshold, value: .integer(2 + Int(next(4)))), actor),
        ]
        for year in 2020...2030 {
            if let start = LocalDate(year: year, month: 1, day: 1), let end = LocalDate(year: year, month: 12, day: 31) {
                setup.append((DefineSeason(seasonId: UUID(), name: "Season \(year)", startDate: start, endDate: end), actor))
            }
        }
        for i in 0..<12 { setup.append((RegisterPlayer(playerId: nil, name: "Player \(i)"), actor)) }
        for r in try engine.execute(batch: setup, tenant: tenant) {
            if case .success(let o) = r, let p = o.ids["playerId"] { state.players.append(p) }
        }
        return state
    }

    mutating func next(_ bound: UInt64) -> UInt64 { bound == 0 ? 0 : rng.next() % bound }

    mutating func pick(_ ids: [UUID]) -> UUID { ids.isEmpty ? UUID() : ids[Int(next(UInt64(ids.count)))] }

    mutating func randomCommand(_ s: inout State) -> any Command {
        let roll = next(100)
        if s.projects.isEmpty || roll < 4 {
            return CreateProject(name: "Project \(next(1000))", githubRepository: "example/repo-\(next(50))", scanPath: ["", "src", "/packages/core/"][Int(next(3))])
        }
        let project = pick(s.projects)
        switch roll {
        case 4..<8: return UpdateProject(projectId: project, name: "Renamed \(next(1000))", scanPath: next(2) == 0 ? "lib" : nil)
        case 8..<9: return DeleteProject(projectId: project)
        case 9..<12: return ImportSource(projectId: project, repository: "example/src-\(next(10_000))", path: "dir\(next(5))")
        case 12..<20: return CreateNote(projectId: project, title: "Note \(next(1000))", body: "Body \(next(1_000_000))")
        case 20..<24: return PublishBlogPost(projectId: project, title: "Post \(next(100))", body: "Text")
        case 24..<26: return UpdateBlogPost(postId: pick(s.posts), title: "Edited \(next(100))")
        case 26..<27: return DeleteBlogPost(postId: pick(s.posts))
        case 27..<45: return RecordKnowledge(projectId: project, kind: KnowledgeKind.allCases[Int(next(4))], content: "Insight \(next(1_000_000))")
        case 45..<52: return RequestAnalysis(projectId: project, trigger: next(2) == 0 ? .manual : .projectSync)
        case 52..<56: return CompleteAnalysis(runId: pick(s.runs))
        case 56..<57: return FailAnalysis(runId: pick(s.runs), reason: "tool crashed")
        case 57..<59: return ExpireStaleAnalyses()
        case 59..<65: return StartSync(projectId: project)
        case 65..<69: return CompleteSync(syncId: pick(s.syncs))
        case 69..<70: return FailSync(syncId: pick(s.syncs), reason: "network")
        case 70..<72: return CleanupOrphanSyncs()
        case 72..<73: return AddUser(email: "user\(next(1_000_000))@example.com", displayName: "User")
        case 73..<74: return SetModelPreference(feature: ModelFeature.allCases[Int(next(4))], provider: "openai", model: "gpt-4.1-mini")
        case 74..<75: return next(2) == 0 ? IssueAPIKey(label: "key \(next(100))") : RevokeAPIKey(keyId: pick(s.keys))
        case 75..<76: return SetConfig(key: .heavyWinThreshold, value: .integer(1 + Int(next(6))))
        case 76..<92: return match(nil, &s)
        case 92..<96: return s.matches.isEmpty ? match(nil, &s) : match(pick(s.matches), &s)
        default: return s.matches.isEmpty ? RegisterPlayer(name: "Late \(next(100))") : DeleteMatch(matchId: pick(s.matches))
        }
    }

    mutating func match(_ correcting: UUID?, _ s: inout State) -> any Command {
        let shuffled = s.players.shuffled(using: &rng)
        let size = min(3 + Int(next(3)), shuffled.count / 2)
        let a = Array(shuffled.prefix(size)), b = Array(shuffled.dropFirst(size).prefix(size))
        let scoreA = Int(next(7)), scoreB = Int(next(6))
        var goals: [UUID: Int] = [:]
        for _ in 0..<scoreA where !a.isEmpty { goals[a[Int(next(UInt64(a.count)))], default: 0] += 1 }
        for _ in 0..<scoreB where !b.isEmpty { goals[b[Int(next(UInt64(b.count)))], default: 0] += 1 }
        let date = LocalDate(year: 2020 + Int(next(11)), month: 1 + Int(next(12)), day: 1 + Int(next(28))) ?? LocalDate(year: 2024, month: 1, day: 1)
        let tallies = goals.sorted { $0.key.uuidString < $1.key.uuidString }.map { GoalTally(playerId: $0.key, goals: $0.value) }
        guard let date else { return RegisterPlayer(name: "Fallback") }
        if let correcting {
            return CorrectMatch(matchId: correcting, date: date, teamA: TeamInput(players: a, score: scoreA), teamB: TeamInput(players: b, score: scoreB), goals: tallies)
        }
        return RecordMatch(date: date, teamA: TeamInput(players: a, score: scoreA), teamB: TeamInput(players: b, score: scoreB), goals: tallies)
    }

    func remember(_ o: CommandOutcome, _ s: inout State) {
        let types = Set(o.events.map(\.type))
        if types.contains(ProjectCreated.type), let id = o.ids["projectId"] { s.projects.append(id) }
        if types.contains(ProjectDeleted.type), let id = o.ids["projectId"] { s.projects.removeAll { $0 == id } }
        if types.contains(NoteCreated.type), let id = o.ids["noteId"] { s.notes.append(id) }
        if types.contains(BlogPublished.type), let id = o.ids["postId"] { s.posts.append(id) }
        if types.contains(BlogDeleted.type), let id = o.ids["postId"] { s.posts.removeAll { $0 == id } }
        if types.contains(AnalysisStarted.type), let id = o.ids["runId"] { s.runs.append(id) }
        if types.contains(SyncStarted.type), let id = o.ids["syncId"] { s.syncs.append(id) }
        if types.contains(PlayerRegistered.type), let id = o.ids["playerId"] { s.players.append(id) }
        if types.contains(MatchRecorded.type), let id = o.ids["matchId"] { s.matches.append(id) }
        if types.contains(MatchDeleted.type), let id = o.ids["matchId"] { s.matches.removeAll { $0 == id } }
        if types.contains(APIKeyIssued.type), let id = o.ids["keyId"] { s.keys.append(id) }
    }
}
