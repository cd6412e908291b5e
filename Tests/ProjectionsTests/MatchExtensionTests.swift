import BulkheadCore
import Domain
import Foundation
@testable import Projections
import Testing

/// A match recorded after every match a season has counted is counted on from the season's stored
/// table rows and bests instead of recounting the season; and seasons are completed in steps of a
/// bounded number of matches. These tests hold both to the bytes of counting every match afresh
/// in one go, and check that counting on is chosen only when it applies.
@Suite struct MatchExtensionTests {
    /// Matches and events fed straight to the projector over an in-memory table, one transaction
    /// (apply, then finish and flush) at a time.
    final class Season {
        let projector = MatchProjector()
        let table = MemoryTable()
        let store: ProjectionStore
        let seasonId = UUID()
        var players: [UUID] = []
        var matches: [UUID] = []
        var position: UInt64 = 0
        var random: UInt64

        init(seed: UInt64, players count: Int = 14) throws {
            random = seed
            store = ProjectionStore(.memory(table))
            try transaction(.seasonDefined(SeasonDefined(
                seasonId: seasonId, name: "Season 2026", startDate: LocalDate(year: 2026, month: 1, day: 1)!,
                endDate: LocalDate(year: 2026, month: 12, day: 31)!)))
            for i in 0..<count {
                let id = UUID()
                players.append(id)
                // Names that tie, so the bests' tie-breaks are exercised.
                try transaction(.playerRegistered(PlayerRegistered(playerId: id, name: "Player \(i % 5)")))
            }
        }

        func next(_ bound: Int) -> Int {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            return Int((random >> 33) % UInt64(bound))
        }

        /// Applies `events` in one transaction.
        func transaction(_ events: Event...) throws {
            for event in events {
                position += 1
                try projector.apply(event, EventMeta(position: position, recordedAt: Date(timeIntervalSince1970: 0), actor: "ana@example.com"), store)
            }
            try projector.finish(store)
            try store.flush()
        }

        /// A random match on `day` of the season.
        func match(day: Int, id: UUID = UUID()) -> MatchRecorded {
            var pool = players
            var a: [UUID] = [], b: [UUID] = []
            for _ in 0..<(2 + next(4)) { a.append(pool.remove(at: next(pool.count))) }
            for _ in 0..<(2 + next(4)) { b.append(pool.remove(at: next(pool.count))) }
            let scoreA = next(6), scoreB = next(6)
            var goals: [GoalTally] = []
            for (team, score) in [(a, scoreA), (b, scoreB)] where score > 0 {
                // All of a team's goals to one or two of its players.
                let first = team[next(team.count)]
                let split = next(score + 1)
                if split > 0 { goals.append(GoalTally(playerId: first, goals: split)) }
                if score - split > 0, let other = team.first(where: { $0 != first }) {
                    goals.append(GoalTally(playerId: other, goals: score - split))
                } else if score - split > 0 {
                    goals[goals.count - 1].goals += score - split
                }
            }
            return MatchRecorded(
                matchId: id, seasonId: seasonId, date: LocalDate(year: 2026, month: 1 + day / 28, day: 1 + day % 28)!,
                teamA: TeamSheet(name: "Red", players: a, score: scoreA), teamB: TeamSheet(name: "Blue", players: b, score: scoreB), goals: goals)
        }

        func record(day: Int) throws {
            let m = match(day: day)
            matches.append(m.matchId)
            try transaction(.matchRecorded(m))
        }

        /// Whether the season counts on from its cursor (rather than being reset) after `events`,
        /// asked of the projector's plan before the transaction's finish.
        func countsOn(_ events: Event...) throws -> Bool {
            for event in events {
                position += 1
                try projector.apply(event, EventMeta(position: position, recordedAt: Date(timeIntervalSince1970: 0), actor: "ana@example.com"), store)
            }
            try projector.plan(store)
            let marker = try store.bytes(MatchProjector.dirty(seasonId))
            try projector.finish(store)
            try store.flush()
            return marker == MatchProjector.countOn
        }

        /// The table after recomputing every season from its matches.
        func recomputed() throws -> [Key: [UInt8]] {
            let copy = MemoryTable()
            copy.entries = table.entries
            let other = ProjectionStore(.memory(copy))
            try other.setBytes(MatchProjector.everySeasonDirty, [])
            // One step, however large the season.
            #expect(try projector.finish(other, budget: .max))
            try other.flush()
            return copy.entries
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func countingOnWritesTheBytesOfARecount(seed: UInt64) throws {
        let season = try Season(seed: seed)
        // In order, one per transaction: each one counts on.
        for day in 0..<40 { try season.record(day: day * 2) }
        #expect(try season.table.entries == season.recomputed())
        // A correction and a deletion reset the season; the next matches in order count on again.
        let corrected = season.match(day: 7, id: season.matches[5])
        try season.transaction(.matchCorrected(MatchCorrected(
            matchId: corrected.matchId, seasonId: season.seasonId, date: corrected.date,
            teamA: corrected.teamA, teamB: corrected.teamB, goals: corrected.goals)))
        try season.transaction(.matchDeleted(MatchDeleted(matchId: season.matches[9], seasonId: season.seasonId)))
        for day in 80..<100 { try season.record(day: day) }
        #expect(try season.table.entries == season.recomputed())
        // A threshold set midway: every report after it shows heavy wins.
        try season.transaction(.configSet(ConfigSet(key: .heavyWinThreshold, value: .integer(3))))
        for day in 100..<130 { try season.record(day: day) }
        // Several in one transaction, in order.
        try season.transaction(.matchRecorded(season.match(day: 131)), .matchRecorded(season.match(day: 132)), .matchRecorded(season.match(day: 132)))
        let entries = season.table.entries
        #expect(try entries == season.recomputed())
        let reports = entries.keys.filter { $0.bytes.first == UInt8(ascii: "r") }.count
        #expect(reports == 40 + 20 + 30 + 3 - 1)
        // Nothing of the transactions' bookkeeping is left behind.
        #expect(entries.keys.allSatisfy { !"adDu".utf8.contains($0.bytes[0]) })
        // Each season's cursor counts its matches.
        let cursor = MatchProjector.decodeCursor(entries[MatchProjector.cursor(season.seasonId)])
        #expect(cursor?.count == reports)
    }

    @Test func onlyMatchesAfterEveryCountedMatchCountOn() throws {
        let season = try Season(seed: 9)
        #expect(try season.countsOn(.matchRecorded(season.match(day: 10))))
        #expect(try season.countsOn(.matchRecorded(season.match(day: 20))))
        // The same day, recorded later: after the others in season order.
        #expect(try season.countsOn(.matchRecorded(season.match(day: 20))))
        // Earlier than the last match: the season is reset and recounted, with the same result.
        #expect(try !season.countsOn(.matchRecorded(season.match(day: 15))))
        // Two in one transaction, one of them out of order.
        #expect(try !season.countsOn(.matchRecorded(season.match(day: 30)), .matchRecorded(season.match(day: 5))))
        #expect(try season.countsOn(.matchRecorded(season.match(day: 40)), .matchRecorded(season.match(day: 41))))
        #expect(try season.table.entries == season.recomputed())
    }

    @Test(arguments: [1, 2, 7])
    func finishingInStepsWritesTheBytesOfOneStep(budget: Int) throws {
        // Matches out of order in one transaction, then a correction: resets, counted in steps of
        // `budget` matches, each step flushed like a rebuild's transaction.
        let season = try Season(seed: UInt64(budget))
        let days = (0..<25).map { ($0 * 7) % 25 }
        for day in days {
            let m = season.match(day: day)
            season.matches.append(m.matchId)
            season.position += 1
            try season.projector.apply(.matchRecorded(m), EventMeta(position: season.position, recordedAt: Date(timeIntervalSince1970: 0), actor: "ana@example.com"), season.store)
        }
        var steps = 0
        while try !season.projector.finish(season.store, budget: budget) {
            try season.store.flush()
            steps += 1
        }
        try season.store.flush()
        #expect(steps >= 25 / budget - 1)
        #expect(try season.table.entries == season.recomputed())
        #expect(season.table.entries.keys.allSatisfy { !"adD".utf8.contains($0.bytes[0]) })
    }

    @Test func aPlayerNamedBeforeRegisteringIsRenamedEverywhere() throws {
        // Only an imported log can name an unregistered player in a match; the reports then carry
        // the id, until the registration arrives and names the player in every report.
        let season = try Season(seed: 4)
        var match = season.match(day: 3)
        let stranger = UUID()
        let replaced = match.teamA.players[0]
        match.teamA.players[0] = stranger
        match.goals.removeAll { $0.playerId == replaced }
        match.teamA.score = match.goals.filter { match.teamA.players.contains($0.playerId) }.reduce(0) { $0 + $1.goals }
        try season.transaction(.matchRecorded(match))
        let before = try #require(try season.store.record(MatchProjector.report(match.matchId), as: MatchReport.self))
        #expect(before.players.contains { $0.name == stranger.lowercased })
        try season.transaction(.playerRegistered(PlayerRegistered(playerId: stranger, name: "Late Arrival")))
        let after = try #require(try season.store.record(MatchProjector.report(match.matchId), as: MatchReport.self))
        #expect(after.players.contains { $0.playerId == stranger && $0.name == "Late Arrival" })
        #expect(try season.table.entries == season.recomputed())
    }
}
