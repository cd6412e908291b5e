import BulkheadCore
import Domain
import Foundation

/// Aggregated match reports: per match the teams as recorded, score, winner, goal difference,
/// heavy win by the tenant's threshold, season, and each player's running season totals and
/// streaks; season tables; per-season bests that make the Hall of Fame. A recorded, corrected or
/// deleted match marks its season for recomputation at the end of the transaction.
///
/// Keys: `c`+config key → ``ConfigValue``; `s`+season → ``SeasonRecord``; `p`+player →
/// ``PlayerRecord``; `m`+match → ``MatchFacts``; `x`+match → marker (id used);
/// `M`+season+date+position+match → marker (season order); `r`+match → ``MatchReport``;
/// `t`+season+player → ``SeasonTableRow``; `b`+season → ``SeasonBests``; `d`+season → dirty marker.
public struct MatchProjector: Projector {
    public let name = "matches"
    public let version = 1

    /// Creates the projector.
    public init() {}

    public func handles(_ type: String) -> Bool {
        type.hasPrefix("match.") || type.hasPrefix("season.") || type.hasPrefix("player.") || type == ConfigSet.type
    }

    static func config(_ key: ConfigKey) -> Key { Key("c", .text(key.rawValue)) }
    static let seasons = Key("s")
    static func season(_ id: UUID) -> Key { Key("s", .uuid(id)) }
    static func player(_ id: UUID) -> Key { Key("p", .uuid(id)) }
    static func match(_ id: UUID) -> Key { Key("m", .uuid(id)) }
    static func matchUsed(_ id: UUID) -> Key { Key("x", .uuid(id)) }
    static func seasonMatches(_ season: UUID) -> Key { Key("M", .uuid(season)) }
    static func seasonMatch(_ facts: MatchFacts) -> Key {
        Key("M", .uuid(facts.seasonId), .uint32(UInt32(facts.date.ordinal)), .uint64(facts.recordedPosition), .uuid(facts.matchId))
    }
    static func report(_ match: UUID) -> Key { Key("r", .uuid(match)) }
    static func tableRows(_ season: UUID) -> Key { Key("t", .uuid(season)) }
    static func tableRow(_ season: UUID, _ player: UUID) -> Key { Key("t", .uuid(season), .uuid(player)) }
    static let allBests = Key("b")
    static func bests(_ season: UUID) -> Key { Key("b", .uuid(season)) }
    static let dirtyAll = Key("d")
    static func dirty(_ season: UUID) -> Key { Key("d", .uuid(season)) }
    static let everySeasonDirty = Key("D")

    public func apply(_ event: Event, _ meta: EventMeta, _ store: ProjectionStore) throws {
        switch event {
        case .configSet(let e) where e.key == .heavyWinThreshold:
            try store.setRecord(Self.config(e.key), e.value)
            // Every season's reports carry the threshold: one marker says so, rather than a scan
            // of the seasons (which would flush the store's cache) at every change.
            try store.setBytes(Self.everySeasonDirty, [])
        case .seasonDefined(let e):
            try store.setRecord(Self.season(e.seasonId), SeasonRecord(seasonId: e.seasonId, name: e.name, startDate: e.startDate, endDate: e.endDate))
        case .playerRegistered(let e):
            try store.setRecord(Self.player(e.playerId), PlayerRecord(playerId: e.playerId, name: e.name))
        case .matchRecorded(let e):
            let facts = MatchFacts(matchId: e.matchId, seasonId: e.seasonId, date: e.date, teamA: e.teamA, teamB: e.teamB, goals: e.goals, recordedPosition: meta.position)
            try store.setRecord(Self.match(e.matchId), facts)
            try store.setBytes(Self.matchUsed(e.matchId), [])
            try store.setBytes(Self.seasonMatch(facts), [])
            try store.setBytes(Self.dirty(e.seasonId), [])
        case .matchCorrected(let e):
            guard let old = try store.record(Self.match(e.matchId), as: MatchFacts.self) else { return }
            let facts = MatchFacts(matchId: e.matchId, seasonId: e.seasonId, date: e.date, teamA: e.teamA, teamB: e.teamB, goals: e.goals, recordedPosition: old.recordedPosition)
            try store.setBytes(Self.seasonMatch(old), nil)
            try store.setRecord(Self.match(e.matchId), facts)
            try store.setBytes(Self.seasonMatch(facts), [])
            try store.setBytes(Self.dirty(old.seasonId), [])
            try store.setBytes(Self.dirty(e.seasonId), [])
        case .matchDeleted(let e):
            guard let old = try store.record(Self.match(e.matchId), as: MatchFacts.self) else { return }
            try store.setBytes(Self.seasonMatch(old), nil)
            try store.setRecord(Self.match(e.matchId), MatchFacts?.none)
            try store.setRecord(Self.report(e.matchId), MatchReport?.none)
            try store.setBytes(Self.dirty(old.seasonId), [])
        default:
            break
        }
    }

    public func finish(_ store: ProjectionStore) throws {
        // Player names, read once for every season recomputed.
        var names: [UUID: String] = [:]
        let everySeason = try store.bytes(Self.everySeasonDirty) != nil
        if everySeason {
            for season in try store.records(prefix: Self.seasons, as: SeasonRecord.self) {
                try recompute(season: season, store, names: &names)
            }
            try store.setBytes(Self.everySeasonDirty, nil)
        }
        for key in try store.keys(prefix: Self.dirtyAll) {
            if !everySeason, let seasonId = key.uuid(at: 1),
               let season = try store.record(Self.season(seasonId), as: SeasonRecord.self) {
                try recompute(season: season, store, names: &names)
            }
            try store.setBytes(key, nil)
        }
    }

    /// Recomputes every report, table row and best of a season from its matches, in order.
    /// `names` caches player names across the seasons of one ``finish(_:)``.
    func recompute(season: SeasonRecord, _ store: ProjectionStore, names: inout [UUID: String]) throws {
        let seasonId = season.seasonId
        let threshold: Int? = {
            if case .integer(let t)? = try? store.record(Self.config(.heavyWinThreshold), as: ConfigValue.self) { return t }
            return nil
        }()
        for key in try store.keys(prefix: Self.tableRows(seasonId)) { try store.setBytes(key, nil) }
        var totals: [UUID: PlayerTotals] = [:]
        var bests = SeasonBests()
        var number = 0
        for key in try store.keys(prefix: Self.seasonMatches(seasonId)) {
            guard let matchId = key.uuid(at: key.bytes.count - 16),
                  let facts = try store.record(Self.match(matchId), as: MatchFacts.self) else { continue }
            number += 1
            let difference = abs(facts.teamA.score - facts.teamB.score)
            let winner = facts.teamA.score == facts.teamB.score ? "draw" : (facts.teamA.score > facts.teamB.score ? "A" : "B")
            var lines: [PlayerLine] = []
            lines.reserveCapacity(facts.teamA.players.count + facts.teamB.players.count)
            for team in ["A", "B"] {
                let sheet = team == "A" ? facts.teamA : facts.teamB
                let result = winner == "draw" ? "draw" : (winner == team ? "win" : "loss")
                for player in sheet.players {
                    let scored = facts.goals.first { $0.playerId == player }?.goals ?? 0
                    var total = totals[player] ?? PlayerTotals()
                    total.add(result: result, goals: scored)
                    totals[player] = total
                    let name: String
                    if let known = names[player] {
                        name = known
                    } else {
                        name = try store.record(Self.player(player), as: PlayerRecord.self)?.name ?? player.lowercased
                        names[player] = name
                    }
                    lines.append(PlayerLine(playerId: player, name: name, team: team, goals: scored, result: result, totals: total))
                    if scored > 0 {
                        bests.offer(GoalsInMatch(playerId: player, name: name, matchId: matchId, date: facts.date, goals: scored))
                    }
                }
            }
            if winner != "draw", bests.wouldKeepWin(difference: difference, date: facts.date, matchId: matchId) {
                let score = "\(facts.teamA.name) \(facts.teamA.score) - \(facts.teamB.score) \(facts.teamB.name)"
                bests.offer(BigWin(matchId: matchId, date: facts.date, score: score, goalDifference: difference))
            }
            try store.setRecord(Self.report(matchId), MatchReport(
                matchId: matchId, seasonId: seasonId, seasonName: season.name, date: facts.date,
                teamA: facts.teamA, teamB: facts.teamB, winner: winner, goalDifference: difference,
                heavyWin: threshold.map { winner != "draw" && difference >= $0 }, heavyWinThreshold: threshold,
                players: lines, matchNumber: number))
        }
        for (player, t) in totals {
            let name = names[player] ?? player.lowercased
            if t.longestWinStreak > 0 {
                bests.offer(WinStreak(playerId: player, name: name, seasonName: season.name, length: t.longestWinStreak))
            }
            try store.setRecord(Self.tableRow(seasonId, player), SeasonTableRow(playerId: player, name: name, totals: t))
        }
        try store.setRecord(Self.bests(seasonId), number == 0 ? nil : bests)
    }

    public func describe(key: Key, value: [UInt8]) -> String {
        switch key.bytes.first {
        case UInt8(ascii: "c"): return describeRecord(ConfigValue.self, value)
        case UInt8(ascii: "s"): return describeRecord(SeasonRecord.self, value)
        case UInt8(ascii: "p"): return describeRecord(PlayerRecord.self, value)
        case UInt8(ascii: "m"): return describeRecord(MatchFacts.self, value)
        case UInt8(ascii: "r"): return describeRecord(MatchReport.self, value)
        case UInt8(ascii: "t"): return describeRecord(SeasonTableRow.self, value)
        case UInt8(ascii: "b"): return describeRecord(SeasonBests.self, value)
        default: return value.isEmpty ? "(marker)" : value.hexString
        }
    }
}
