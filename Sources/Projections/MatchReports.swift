import BulkheadCore
import Domain
import Foundation

/// A player's running season totals after a match (or at the end of the season).
public struct PlayerTotals: Codable, Equatable, Sendable {
    /// Matches played.
    public var appearances = 0
    /// Matches won.
    public var wins = 0
    /// Matches drawn.
    public var draws = 0
    /// Matches lost.
    public var losses = 0
    /// Goals scored.
    public var goals = 0
    /// The current streak's result (`win`, `draw`, `loss`) and length.
    public var streakResult: String?
    /// The current streak's length.
    public var streakLength = 0
    /// The longest run of consecutive wins so far in the season.
    public var longestWinStreak = 0

    /// Three points a win, one a draw.
    public var points: Int { wins * 3 + draws }

    /// Creates zero totals.
    public init() {}

    mutating func add(result: String, goals scored: Int) {
        appearances += 1
        goals += scored
        switch result {
        case "win": wins += 1
        case "draw": draws += 1
        default: losses += 1
        }
        if streakResult == result { streakLength += 1 } else {
            streakResult = result
            streakLength = 1
        }
        if result == "win" { longestWinStreak = max(longestWinStreak, streakLength) }
    }
}

/// One player's line in a match report.
public struct PlayerLine: Codable, Equatable, Sendable {
    /// The player.
    public var playerId: UUID
    /// The player's name.
    public var name: String
    /// `A` or `B`.
    public var team: String
    /// Goals in this match.
    public var goals: Int
    /// `win`, `draw` or `loss`.
    public var result: String
    /// Season totals and streaks after this match.
    public var totals: PlayerTotals
}

/// The aggregated report of one match.
public struct MatchReport: Codable, Equatable, Sendable {
    /// The match.
    public var matchId: UUID
    /// Its season.
    public var seasonId: UUID
    /// The season's name.
    public var seasonName: String
    /// The day it was played.
    public var date: LocalDate
    /// The first team as recorded.
    public var teamA: TeamSheet
    /// The second team as recorded.
    public var teamB: TeamSheet
    /// `A`, `B` or `draw`.
    public var winner: String
    /// The absolute goal difference.
    public var goalDifference: Int
    /// Whether the win is heavy by the tenant's threshold; `nil` while no threshold is configured.
    public var heavyWin: Bool?
    /// The threshold used, if configured.
    public var heavyWinThreshold: Int?
    /// Each player's line.
    public var players: [PlayerLine]
    /// The match's place in its season (1-based).
    public var matchNumber: Int
}

/// A row of a season table: a player's totals at the end of the season so far.
public struct SeasonTableRow: Codable, Equatable, Sendable {
    /// The player.
    public var playerId: UUID
    /// The player's name.
    public var name: String
    /// The totals.
    public var totals: PlayerTotals
}

/// A Hall of Fame entry: most goals in a match.
public struct GoalsInMatch: Codable, Equatable, Sendable {
    /// The player.
    public var playerId: UUID
    /// The player's name.
    public var name: String
    /// The match.
    public var matchId: UUID
    /// Its date.
    public var date: LocalDate
    /// Goals scored.
    public var goals: Int
}

/// A Hall of Fame entry: a win streak.
public struct WinStreak: Codable, Equatable, Sendable {
    /// The player.
    public var playerId: UUID
    /// The player's name.
    public var name: String
    /// The season.
    public var seasonName: String
    /// Consecutive wins.
    public var length: Int
}

/// A Hall of Fame entry: a big win.
public struct BigWin: Codable, Equatable, Sendable {
    /// The match.
    public var matchId: UUID
    /// Its date.
    public var date: LocalDate
    /// `A 7 - 1 B` with the recorded names.
    public var score: String
    /// The goal difference.
    public var goalDifference: Int
}

/// A season's bests, merged across seasons into the tenant's Hall of Fame.
public struct SeasonBests: Codable, Equatable, Sendable {
    /// Most goals by one player in one match (top 5).
    public var mostGoalsInMatch: [GoalsInMatch] = []
    /// Longest win streaks (top 5).
    public var longestWinStreaks: [WinStreak] = []
    /// Biggest wins (top 5).
    public var biggestWins: [BigWin] = []

    /// Creates empty bests.
    public init() {}

    /// How many entries each list keeps.
    public static let size = 5

    /// The order of ``mostGoalsInMatch``: most goals first; ties broken by date, name and id, so
    /// that the lists do not depend on the order in which entries were found.
    static func ranks(_ a: GoalsInMatch, before b: GoalsInMatch) -> Bool {
        if a.goals != b.goals { return a.goals > b.goals }
        if a.date != b.date { return a.date < b.date }
        if a.name != b.name { return a.name < b.name }
        return a.matchId.precedes(b.matchId)
    }

    /// The order of ``longestWinStreaks``: longest first, then by season name, name and id.
    static func ranks(_ a: WinStreak, before b: WinStreak) -> Bool {
        if a.length != b.length { return a.length > b.length }
        if a.seasonName != b.seasonName { return a.seasonName < b.seasonName }
        if a.name != b.name { return a.name < b.name }
        return a.playerId.precedes(b.playerId)
    }

    /// The order of ``biggestWins``: biggest difference first, then by date and id.
    static func ranks(_ a: BigWin, before b: BigWin) -> Bool {
        if a.goalDifference != b.goalDifference { return a.goalDifference > b.goalDifference }
        if a.date != b.date { return a.date < b.date }
        return a.matchId.precedes(b.matchId)
    }

    /// The bests of `self` and `other` together.
    public func merged(with other: SeasonBests) -> SeasonBests {
        var out = self
        for entry in other.mostGoalsInMatch { out.offer(entry) }
        for entry in other.longestWinStreaks { out.offer(entry) }
        for entry in other.biggestWins { out.offer(entry) }
        return out
    }

    /// Adds `entry` to ``mostGoalsInMatch`` if it ranks among the best.
    mutating func offer(_ entry: GoalsInMatch) { mostGoalsInMatch.insert(ranked: entry, keeping: Self.size, by: Self.ranks) }
    /// Adds `entry` to ``longestWinStreaks`` if it ranks among the best.
    mutating func offer(_ entry: WinStreak) { longestWinStreaks.insert(ranked: entry, keeping: Self.size, by: Self.ranks) }
    /// Adds `entry` to ``biggestWins`` if it ranks among the best.
    mutating func offer(_ entry: BigWin) { biggestWins.insert(ranked: entry, keeping: Self.size, by: Self.ranks) }

    /// Whether a win by `difference` goals on `date` in match `matchId` would enter
    /// ``biggestWins``: asked before the entry's score text is formatted.
    func wouldKeepWin(difference: Int, date: LocalDate, matchId: UUID) -> Bool {
        guard biggestWins.count == Self.size, let last = biggestWins.last else { return true }
        return Self.ranks(BigWin(matchId: matchId, date: date, score: "", goalDifference: difference), before: last)
    }
}

extension Array {
    /// Inserts `element` at its place in this list, sorted by `ranks(_:before:)`, after any equal
    /// elements, and keeps the first `limit` elements.
    mutating func insert(ranked element: Element, keeping limit: Int, by ranks: (Element, Element) -> Bool) {
        if count == limit, let last, !ranks(element, last) { return }
        var index = count
        while index > 0, ranks(element, self[index - 1]) { index -= 1 }
        insert(element, at: index)
        if count > limit { removeLast(count - limit) }
    }
}

/// The tenant's Hall of Fame.
public typealias HallOfFame = SeasonBests

extension UUID {
    /// Whether this id sorts before `other` as their `uuidString`s do. The string's hex digits
    /// spell the bytes in order, so comparing the bytes gives the same order without formatting
    /// two strings per comparison (which dominated recomputing a season's bests).
    func precedes(_ other: UUID) -> Bool {
        withUnsafeBytes(of: uuid) { a in withUnsafeBytes(of: other.uuid) { b in a.lexicographicallyPrecedes(b) } }
    }
}
