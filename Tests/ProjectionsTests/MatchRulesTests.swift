import BulkheadCore
import Domain
import Foundation
import Testing

@testable import Projections

/// The match rules as `Schemas/README.md` ("Match rules") states them, each with its example:
/// heavy wins, the Hall of Fame, same-date order, the score text, corrections and deletions.
@Suite struct MatchRulesTests {
    /// A club with team names Reds and Blues, seasons 2025 and 2026, and six players.
    final class Club {
        let w: ReadModelWorld
        let players: [UUID]

        init(threshold: Int? = 3) throws {
            let world = try ReadModelWorld()
            let day = MatchRulesTests.day
            try world.run(SetConfig(key: .teamAName, value: .text("Reds")))
            try world.run(SetConfig(key: .teamBName, value: .text("Blues")))
            if let threshold { try world.run(SetConfig(key: .heavyWinThreshold, value: .integer(threshold))) }
            try world.run(DefineSeason(name: "2025", startDate: try day("2025-01-01"), endDate: try day("2025-12-31")))
            try world.run(DefineSeason(name: "2026", startDate: try day("2026-01-01"), endDate: try day("2026-12-31")))
            players = try ["Ana", "Ben", "Caro", "Dev", "Eli", "Fay"].map {
                try world.id(RegisterPlayer(name: $0), "playerId")
            }
            w = world
        }

        /// Player `a` (team A) against player `b` (team B); every goal of a team to its player.
        @discardableResult
        func match(_ date: String, _ a: Int, _ b: Int, score: (Int, Int), id: UUID? = nil) throws -> UUID {
            let goals = [(a, score.0), (b, score.1)].filter { $0.1 > 0 }.map {
                GoalTally(playerId: players[$0.0], goals: $0.1)
            }
            return try w.id(
                RecordMatch(
                    matchId: id, date: try MatchRulesTests.day(date),
                    teamA: TeamInput(players: [players[a]], score: score.0),
                    teamB: TeamInput(players: [players[b]], score: score.1), goals: goals), "matchId")
        }

        func reports(_ season: String? = nil) throws -> [MatchReport] {
            try w.view { try $0.matchReports(season: season) }
        }
    }

    static func day(_ text: String) throws -> LocalDate { try #require(LocalDate(text)) }

    @Test func aHeavyWinIsAGoalDifferenceOfAtLeastTheThreshold() throws {
        let club = try Club(threshold: 3)
        try club.match("2025-03-01", 0, 1, score: (4, 1))  // difference 3: heavy
        try club.match("2025-03-02", 0, 1, score: (3, 1))  // difference 2: not heavy
        try club.match("2025-03-03", 0, 1, score: (0, 5))  // team B wins by 5: heavy
        try club.match("2025-03-04", 0, 1, score: (2, 2))  // a draw is never heavy
        #expect(try club.reports().map(\.heavyWin) == [true, false, true, false])
        #expect(try club.reports().map(\.heavyWinThreshold) == [3, 3, 3, 3])
        let unset = try Club(threshold: nil)
        try unset.match("2025-03-01", 0, 1, score: (9, 0))
        #expect(try unset.reports().map(\.heavyWin) == [nil], "no threshold, no answer: never a default")
    }

    @Test func matchesOfOneDateAreInTheOrderTheyWereRecorded() throws {
        let club = try Club()
        // Ids chosen so that id order is the reverse of recording order.
        let late = try club.match(
            "2025-05-10", 0, 1, score: (1, 0), id: UUID(uuidString: "ffffffff-0000-4000-8000-000000000000"))
        let early = try club.match(
            "2025-05-10", 2, 3, score: (2, 0), id: UUID(uuidString: "00000000-0000-4000-8000-000000000000"))
        let before = try club.match("2025-05-09", 4, 5, score: (0, 1))
        #expect(try club.reports().map(\.matchId) == [before, late, early])
        #expect(try club.reports().map(\.matchNumber) == [1, 2, 3])
        // A correction keeps the match's place among the matches of its date.
        try club.w.run(
            CorrectMatch(
                matchId: late, date: try Self.day("2025-05-10"), teamA: TeamInput(players: [club.players[0]], score: 3),
                teamB: TeamInput(players: [club.players[1]], score: 0), goals: []))
        #expect(try club.reports().map(\.matchId) == [before, late, early])
    }

    @Test func theScoreTextNamesTheTeamsAsRecorded() throws {
        let club = try Club()
        let id = try club.match("2025-03-01", 0, 1, score: (5, 1))
        try club.w.run(SetConfig(key: .teamAName, value: .text("Lions")))
        let win = try #require(try club.w.view { try $0.hallOfFame() }.biggestWins.first)
        #expect(win.matchId == id)
        #expect(win.score == "Reds 5 - 1 Blues")
    }

    @Test func theHallOfFameKeepsTheFiveBestOfEachCategoryWithTiesToTheEarlierDate() throws {
        let club = try Club()
        // Seven wins by 2 goals: Ana scores 2 in each; the five earliest are kept.
        for day in 1...7 { try club.match("2025-04-0\(day)", 0, 1, score: (2, 0)) }
        let fame = try club.w.view { try $0.hallOfFame() }
        #expect(fame.mostGoalsInMatch.count == 5)
        #expect(fame.mostGoalsInMatch.map(\.date.description) == (1...5).map { "2025-04-0\($0)" })
        #expect(fame.biggestWins.map(\.date.description) == (1...5).map { "2025-04-0\($0)" })
        #expect(fame.longestWinStreaks.map(\.length) == [7])
        // More goals rank first whatever the date; in 2026, a 3-goal match.
        try club.match("2026-02-01", 2, 3, score: (3, 0))
        let after = try club.w.view { try $0.hallOfFame() }
        let pushed = ["2026-02-01"] + (1...4).map { "2025-04-0\($0)" }
        #expect(after.mostGoalsInMatch.first?.name == "Caro")
        #expect(after.mostGoalsInMatch.map(\.date.description) == pushed)
        #expect(after.biggestWins.first?.goalDifference == 3)
        #expect(after.biggestWins.map(\.date.description) == pushed)
        // Streaks: the longest first, one entry per player and season.
        #expect(
            after.longestWinStreaks.map { "\($0.seasonName) \($0.name) \($0.length)" } == ["2025 Ana 7", "2026 Caro 1"])
    }

    @Test func aCorrectionChangesDatePlayersScoresAndScorersButNotTheTeamNames() throws {
        let club = try Club()
        let id = try club.match("2025-03-01", 0, 1, score: (1, 0))
        try club.w.run(SetConfig(key: .teamAName, value: .text("Lions")))
        // Moved to another season, other players, another score.
        try club.w.run(
            CorrectMatch(
                matchId: id, date: try Self.day("2026-03-01"), teamA: TeamInput(players: [club.players[2]], score: 0),
                teamB: TeamInput(players: [club.players[3]], score: 2),
                goals: [GoalTally(playerId: club.players[3], goals: 2)]))
        #expect(try club.reports("2025").isEmpty)
        let report = try #require(try club.reports("2026").first)
        #expect(report.matchId == id)
        #expect(
            report.teamA.name == "Reds" && report.teamB.name == "Blues", "the names recorded, not the renamed config")
        #expect(report.winner == "B" && report.players.map(\.name) == ["Caro", "Dev"])
        #expect(try club.w.view { try $0.seasonTable("2025") }.isEmpty)
    }

    @Test func aDeletionRecountsItsSeasonAsIfTheMatchHadNeverBeenPlayed() throws {
        let club = try Club()
        try club.match("2025-03-01", 0, 1, score: (1, 0))
        let deleted = try club.match("2025-03-02", 0, 1, score: (4, 0))
        try club.match("2025-03-03", 0, 1, score: (2, 0))
        try club.w.run(DeleteMatch(matchId: deleted))
        let ana = try #require(try club.w.view { try $0.seasonTable("2025") }.first { $0.name == "Ana" })
        #expect(ana.totals.appearances == 2 && ana.totals.wins == 2 && ana.totals.goals == 3 && ana.totals.points == 6)
        #expect(ana.totals.longestWinStreak == 2)
        #expect(try club.reports().map(\.matchNumber) == [1, 2])
        let fame = try club.w.view { try $0.hallOfFame() }
        #expect(fame.mostGoalsInMatch.first?.goals == 2, "the deleted match's four goals are gone")
        #expect(try club.w.view { try $0.seasonSummaries() }.first?.matchCount == 2)
    }
}
