import BulkheadCore
import Foundation

/// `season.define`: defines a season (name unique within the tenant, inclusive dates). Seasons of
/// a tenant never overlap.
public struct DefineSeason: Command {
    public static let name = "season.define"
    /// The season's id; generated when omitted.
    public var seasonId: UUID?
    /// Its name (1 to 100 bytes), e.g. `2025/26`.
    public var name: String
    /// Its first day, `YYYY-MM-DD`.
    public var startDate: LocalDate
    /// Its last day, `YYYY-MM-DD`, not before the first.
    public var endDate: LocalDate

    /// Creates the command.
    public init(seasonId: UUID? = nil, name: String, startDate: LocalDate, endDate: LocalDate) {
        self.seasonId = seasonId
        self.name = name
        self.startDate = startDate
        self.endDate = endDate
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        try Check.text(name, "name", max: 100)
        guard startDate <= endDate else {
            throw CommandError.invalid(field: "endDate", reason: "\(endDate) is before the start date \(startDate)")
        }
        let seasons = try state.seasons()
        if let same = seasons.first(where: { $0.name.lowercased() == name.lowercased() }) {
            throw CommandError.refused("a season named '\(same.name)' already exists (\(same.seasonId.lowercased))")
        }
        if let overlap = seasons.first(where: { $0.startDate <= endDate && startDate <= $0.endDate }) {
            throw CommandError.refused("\(startDate)...\(endDate) overlaps season '\(overlap.name)' (\(overlap.startDate)...\(overlap.endDate))")
        }
        let id = context.id(seasonId)
        if seasons.contains(where: { $0.seasonId == id }) { throw CommandError.refused("season id \(id.lowercased) is already used") }
        var decision = Decision()
        decision.ids["seasonId"] = id
        decision.append(Streams.season(id), new: true, .seasonDefined(SeasonDefined(seasonId: id, name: name, startDate: startDate, endDate: endDate)))
        return decision
    }
}

/// `player.register`: registers a player.
public struct RegisterPlayer: Command {
    public static let name = "player.register"
    /// The player's id; generated when omitted.
    public var playerId: UUID?
    /// The player's name (1 to 100 bytes).
    public var name: String

    /// Creates the command.
    public init(playerId: UUID? = nil, name: String) {
        self.playerId = playerId
        self.name = name
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        try Check.text(name, "name", max: 100)
        let id = context.id(playerId)
        if try state.player(id) != nil { throw CommandError.refused("player id \(id.lowercased) is already used") }
        var decision = Decision()
        decision.ids["playerId"] = id
        decision.append(Streams.player(id), new: true, .playerRegistered(PlayerRegistered(playerId: id, name: name)))
        return decision
    }
}

/// One team of a match as a command gives it: players and score (the name comes from the
/// tenant's configuration).
public struct TeamInput: Codable, Equatable, Sendable {
    /// The players (1 to 50, registered, each in one team only).
    public var players: [UUID]
    /// Goals scored (0 to 99).
    public var score: Int

    /// Creates a team.
    public init(players: [UUID], score: Int) {
        self.players = players
        self.score = score
    }
}

/// The facts of a match as a command gives them, checked against each other and the tenant.
struct MatchInput {
    let date: LocalDate
    let teamA: TeamInput
    let teamB: TeamInput
    let goals: [GoalTally]

    /// Checks the facts and returns the season containing the date.
    func check(_ state: any TenantState) throws -> SeasonRecord {
        for (field, team) in [("teamA", teamA), ("teamB", teamB)] {
            try Check.integer(team.score, "\(field).score", 0...99)
            guard (1...50).contains(team.players.count) else {
                throw CommandError.invalid(field: "\(field).players", reason: "a team has 1 to 50 players, got \(team.players.count)")
            }
        }
        var seen = Set<UUID>()
        for (field, team) in [("teamA", teamA), ("teamB", teamB)] {
            for (i, player) in team.players.enumerated() where !seen.insert(player).inserted {
                throw CommandError.invalid(field: "\(field).players[\(i)]", reason: "player \(player.lowercased) is listed twice")
            }
        }
        var scorers = Set<UUID>()
        var goalsA = 0, goalsB = 0
        for (i, tally) in goals.enumerated() {
            try Check.integer(tally.goals, "goals[\(i)].goals", 1...99)
            guard scorers.insert(tally.playerId).inserted else {
                throw CommandError.invalid(field: "goals[\(i)].playerId", reason: "player \(tally.playerId.lowercased) is listed twice")
            }
            if teamA.players.contains(tally.playerId) {
                goalsA += tally.goals
            } else if teamB.players.contains(tally.playerId) {
                goalsB += tally.goals
            } else {
                throw CommandError.invalid(field: "goals[\(i)].playerId", reason: "player \(tally.playerId.lowercased) did not play in this match")
            }
        }
        if goalsA > teamA.score {
            throw CommandError.invalid(field: "goals", reason: "team A's players scored \(goalsA) goals but team A's score is \(teamA.score)")
        }
        if goalsB > teamB.score {
            throw CommandError.invalid(field: "goals", reason: "team B's players scored \(goalsB) goals but team B's score is \(teamB.score)")
        }
        for player in teamA.players + teamB.players where try state.player(player) == nil {
            throw CommandError.notFound(entity: "player", id: player.lowercased)
        }
        guard let season = try state.seasons().first(where: { $0.contains(date) }) else {
            throw CommandError.refused("no season of tenant \(state.tenant) contains \(date); define one with season.define")
        }
        return season
    }
}

/// Reads a text configuration value or refuses, naming the tenant and the key.
func requiredText(_ state: any TenantState, _ key: ConfigKey) throws -> String {
    guard let value = try state.config(key) else { throw CommandError.missingConfig(tenant: state.tenant, key: key) }
    guard case .text(let text) = value else {
        throw CommandError.refused("tenant \(state.tenant)'s configuration value '\(key.rawValue)' is not text")
    }
    return text
}

/// `match.record`: records a match. The team names are copied from the tenant's configuration
/// (`teamAName`, `teamBName`) at record time; without them the command is refused.
public struct RecordMatch: Command {
    public static let name = "match.record"
    /// The match's id; generated when omitted.
    public var matchId: UUID?
    /// The day it was played, `YYYY-MM-DD`; a season must contain it.
    public var date: LocalDate
    /// The first team.
    public var teamA: TeamInput
    /// The second team.
    public var teamB: TeamInput
    /// Goal scorers (players of the match; each team's scorers' goals at most its score).
    public var goals: [GoalTally]

    /// Creates the command.
    public init(matchId: UUID? = nil, date: LocalDate, teamA: TeamInput, teamB: TeamInput, goals: [GoalTally]) {
        self.matchId = matchId
        self.date = date
        self.teamA = teamA
        self.teamB = teamB
        self.goals = goals
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        let season = try MatchInput(date: date, teamA: teamA, teamB: teamB, goals: goals).check(state)
        let nameA = try requiredText(state, .teamAName)
        let nameB = try requiredText(state, .teamBName)
        let id = context.id(matchId)
        if try state.matchIDUsed(id) { throw CommandError.refused("match id \(id.lowercased) is already used") }
        var decision = Decision()
        decision.ids["matchId"] = id
        decision.ids["seasonId"] = season.seasonId
        decision.append(Streams.match(id), new: true, .matchRecorded(MatchRecorded(
            matchId: id, seasonId: season.seasonId, date: date,
            teamA: TeamSheet(name: nameA, players: teamA.players, score: teamA.score),
            teamB: TeamSheet(name: nameB, players: teamB.players, score: teamB.score),
            goals: goals)))
        return decision
    }
}

/// `match.correct`: corrects a match's date, players, scores or scorers; the team names stay as
/// recorded.
public struct CorrectMatch: Command {
    public static let name = "match.correct"
    /// The match.
    public var matchId: UUID
    /// The day it was played.
    public var date: LocalDate
    /// The first team.
    public var teamA: TeamInput
    /// The second team.
    public var teamB: TeamInput
    /// Goal scorers.
    public var goals: [GoalTally]

    /// Creates the command.
    public init(matchId: UUID, date: LocalDate, teamA: TeamInput, teamB: TeamInput, goals: [GoalTally]) {
        self.matchId = matchId
        self.date = date
        self.teamA = teamA
        self.teamB = teamB
        self.goals = goals
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        guard let match = try state.match(matchId) else { throw CommandError.notFound(entity: "match", id: matchId.lowercased) }
        let season = try MatchInput(date: date, teamA: teamA, teamB: teamB, goals: goals).check(state)
        var decision = Decision()
        decision.ids["matchId"] = matchId
        decision.ids["seasonId"] = season.seasonId
        decision.append(Streams.match(matchId), .matchCorrected(MatchCorrected(
            matchId: matchId, seasonId: season.seasonId, date: date,
            teamA: TeamSheet(name: match.teamA.name, players: teamA.players, score: teamA.score),
            teamB: TeamSheet(name: match.teamB.name, players: teamB.players, score: teamB.score),
            goals: goals)))
        return decision
    }
}

/// `match.delete`: deletes a match; its season's reports no longer count it.
public struct DeleteMatch: Command {
    public static let name = "match.delete"
    /// The match.
    public var matchId: UUID

    /// Creates the command.
    public init(matchId: UUID) { self.matchId = matchId }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        guard let match = try state.match(matchId) else { throw CommandError.notFound(entity: "match", id: matchId.lowercased) }
        var decision = Decision()
        decision.ids["matchId"] = matchId
        decision.ids["seasonId"] = match.seasonId
        decision.append(Streams.match(matchId), .matchDeleted(MatchDeleted(matchId: matchId, seasonId: match.seasonId)))
        return decision
    }
}
