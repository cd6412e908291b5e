import BulkheadCore
import Domain
import Foundation

/// Aggregated match reports: per match the teams as recorded, score, winner, goal difference,
/// heavy win by the tenant's threshold, season, and each player's running season totals and
/// streaks; season tables; per-season bests that make the Hall of Fame.
///
/// Reports are completed at the end of each transaction (``finish(_:)``). A match recorded after
/// every other match of its season (the usual case: matches are recorded once played) extends the
/// season from its stored table rows and bests, at the cost of the one match. Anything else — a
/// match recorded out of order, a correction, a deletion, a threshold change — recomputes the
/// season from its matches in order. Both give the same bytes (tested).
///
/// Keys: `c`+config key → ``ConfigValue``; `s`+season → ``SeasonRecord``; `p`+player →
/// ``PlayerRecord``; `m`+match → ``MatchFacts``; `x`+match → marker (id used);
/// `M`+season+date+position+match → marker (season order); `r`+match → ``MatchReport``;
/// `t`+season+player → ``SeasonTableRow``; `b`+season → ``SeasonBests``; `u`+player → marker (a
/// report names the player by id: no name was registered yet). Until the transaction's end:
/// `a`+season → how many matches were recorded in the season and the first of them in season
/// order (4 bytes big-endian + its `M` key); `d`+season → the season must be recomputed; `D` →
/// every season must be.
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
    static let appendedAll = Key("a")
    static func appended(_ season: UUID) -> Key { Key("a", .uuid(season)) }
    static func unnamed(_ player: UUID) -> Key { Key("u", .uuid(player)) }

    public func apply(_ event: Event, _ meta: EventMeta, _ store: ProjectionStore) throws {
        switch event {
        case .configSet(let e) where e.key == .heavyWinThreshold:
            try store.setRecord(Self.config(e.key), e.value)
            // Every season's reports carry the threshold: one marker says so, rather than a scan
            // of the seasons (which would flush the store's cache) at every change.
            try store.setBytes(Self.everySeasonDirty, [])
        case .seasonDefined(let e):
            try store.setRecord(Self.season(e.seasonId), SeasonRecord(seasonId: e.seasonId, name: e.name, startDate: e.startDate, endDate: e.endDate))
            // Commands define a season once, before its matches; an imported log may not. Either
            // way the season's reports follow its current definition.
            try store.setBytes(Self.dirty(e.seasonId), [])
        case .playerRegistered(let e):
            // Reports carry player names: a player named in reports before being registered, or
            // registered again under another name (possible only in an imported log), is named
            // anew everywhere.
            let old = try store.record(Self.player(e.playerId), as: PlayerRecord.self)
            if try old.map({ $0.name != e.name }) ?? (store.bytes(Self.unnamed(e.playerId)) != nil) {
                try store.setBytes(Self.everySeasonDirty, [])
                try store.setBytes(Self.unnamed(e.playerId), nil)
            }
            try store.setRecord(Self.player(e.playerId), PlayerRecord(playerId: e.playerId, name: e.name))
        case .matchRecorded(let e):
            let facts = MatchFacts(matchId: e.matchId, seasonId: e.seasonId, date: e.date, teamA: e.teamA, teamB: e.teamB, goals: e.goals, recordedPosition: meta.position)
            try store.setRecord(Self.match(e.matchId), facts)
            try store.setBytes(Self.matchUsed(e.matchId), [])
            let order = Self.seasonMatch(facts)
            try store.setBytes(Self.seasonMatch(facts), [])
            try Self.noteAppended(order, season: e.seasonId, store)
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

    /// Counts a recorded match in its season's pending extension, keeping the first in order.
    static func noteAppended(_ order: Key, season: UUID, _ store: ProjectionStore) throws {
        var (count, first) = try pendingExtension(store.bytes(appended(season))) ?? (0, order)
        count += 1
        if order < first { first = order }
        var value = withUnsafeBytes(of: count.bigEndian) { Array($0) }
        value += first.bytes
        try store.setBytes(appended(season), value)
    }

    /// The count and first key of a pending extension's bytes.
    static func pendingExtension(_ bytes: [UInt8]?) -> (count: UInt32, first: Key)? {
        guard let bytes, bytes.count > 4 else { return nil }
        let count = bytes.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return (count, Key(raw: bytes.dropFirst(4)))
    }

    public func finish(_ store: ProjectionStore) throws {
        // Player names, read once for every season completed.
        var names: [UUID: String] = [:]
        // Seasons with recorded matches: how many, and the first in season order.
        var appended: [UUID: (count: UInt32, first: Key)] = [:]
        try store.scan(prefix: Self.appendedAll) { key, value in
            if let seasonId = key.uuid(at: 1), let pending = Self.pendingExtension(value) { appended[seasonId] = pending }
            return true
        }
        for seasonId in appended.keys { try store.setBytes(Self.appended(seasonId), nil) }
        let everySeason = try store.bytes(Self.everySeasonDirty) != nil
        if everySeason {
            for season in try store.records(prefix: Self.seasons, as: SeasonRecord.self) {
                try recompute(season: season, store, names: &names)
            }
            try store.setBytes(Self.everySeasonDirty, nil)
            appended = [:]
        }
        for key in try store.keys(prefix: Self.dirtyAll) {
            guard let seasonId = key.uuid(at: 1) else { continue }
            if !everySeason, let season = try store.record(Self.season(seasonId), as: SeasonRecord.self) {
                try recompute(season: season, store, names: &names)
            }
            appended[seasonId] = nil
            try store.setBytes(key, nil)
        }
        for (seasonId, pending) in appended {
            guard let season = try store.record(Self.season(seasonId), as: SeasonRecord.self) else { continue }
            if try !extend(season: season, count: Int(pending.count), first: pending.first, store, names: &names) {
                try recompute(season: season, store, names: &names)
            }
        }
    }

    /// Extends a season with its `count` recorded matches, from its stored table rows and bests,
    /// when they are the last `count` of the season's order (the first of them is `first`) and
    /// every player has a name. Returns false, having changed nothing, otherwise: the season is
    /// then recomputed instead.
    func extend(season: SeasonRecord, count: Int, first: Key, _ store: ProjectionStore, names: inout [UUID: String]) throws -> Bool {
        let order = try store.keys(prefix: Self.seasonMatches(season.seasonId))
        guard count > 0, order.count >= count, order[order.count - count] == first else { return false }
        var matches: [MatchFacts] = []
        for key in order.suffix(count) {
            guard let matchId = key.trailingUUID,
                  let facts = try store.record(Self.match(matchId), as: MatchFacts.self) else { return false }
            for player in facts.teamA.players + facts.teamB.players where names[player] == nil {
                guard let name = try store.record(Self.player(player), as: PlayerRecord.self)?.name else { return false }
                names[player] = name
            }
            matches.append(facts)
        }
        var state = SeasonState(season: season, threshold: try heavyWinThreshold(store))
        state.bests = try store.record(Self.bests(season.seasonId), as: SeasonBests.self) ?? SeasonBests()
        state.number = order.count - count
        for facts in matches {
            for player in facts.teamA.players + facts.teamB.players where state.totals[player] == nil {
                state.totals[player] = try store.record(Self.tableRow(season.seasonId, player), as: SeasonTableRow.self)?.totals ?? PlayerTotals()
            }
            try store.setRecord(Self.report(facts.matchId), state.add(facts, names: names))
        }
        for (player, totals) in state.totals {
            let name = names[player] ?? player.lowercased
            if totals.longestWinStreak > 0 {
                // The player's streak can only have grown: its old entry gives way to the new one.
                state.bests.longestWinStreaks.removeAll { $0.playerId == player }
                state.bests.offer(WinStreak(playerId: player, name: name, seasonName: season.name, length: totals.longestWinStreak))
            }
            try store.setRecord(Self.tableRow(season.seasonId, player), SeasonTableRow(playerId: player, name: name, totals: totals))
        }
        try store.setRecord(Self.bests(season.seasonId), state.bests)
        return true
    }

    private func heavyWinThreshold(_ store: ProjectionStore) throws -> Int? {
        if case .integer(let t)? = try store.record(Self.config(.heavyWinThreshold), as: ConfigValue.self) { return t }
        return nil
    }

    /// Recomputes every report, table row and best of a season from its matches, in order.
    /// `names` caches player names across the seasons of one ``finish(_:)``.
    func recompute(season: SeasonRecord, _ store: ProjectionStore, names: inout [UUID: String]) throws {
        let seasonId = season.seasonId
        for key in try store.keys(prefix: Self.tableRows(seasonId)) { try store.setBytes(key, nil) }
        var state = SeasonState(season: season, threshold: try heavyWinThreshold(store))
        for key in try store.keys(prefix: Self.seasonMatches(seasonId)) {
            guard let matchId = key.trailingUUID,
                  let facts = try store.record(Self.match(matchId), as: MatchFacts.self) else { continue }
            for player in facts.teamA.players + facts.teamB.players where names[player] == nil {
                if let name = try store.record(Self.player(player), as: PlayerRecord.self)?.name {
                    names[player] = name
                } else {
                    // Named by id until a registration names the player (see `playerRegistered`).
                    names[player] = player.lowercased
                    try store.setBytes(Self.unnamed(player), [])
                }
            }
            try store.setRecord(Self.report(matchId), state.add(facts, names: names))
        }
        for (player, totals) in state.totals {
            let name = names[player] ?? player.lowercased
            if totals.longestWinStreak > 0 {
                state.bests.offer(WinStreak(playerId: player, name: name, seasonName: season.name, length: totals.longestWinStreak))
            }
            try store.setRecord(Self.tableRow(seasonId, player), SeasonTableRow(playerId: player, name: name, totals: totals))
        }
        try store.setRecord(Self.bests(seasonId), state.number == 0 ? nil : state.bests)
    }

    public func describe(key: Key, value: [UInt8]) -> String {
        switch key.kind {
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

/// A season being completed match by match: each player's running totals, the bests so far and
/// how many matches were counted. A full recompute starts it empty; an extension starts it from
/// the season's stored table rows and bests.
struct SeasonState {
    let season: SeasonRecord
    let threshold: Int?
    var totals: [UUID: PlayerTotals] = [:]
    var bests = SeasonBests()
    var number = 0

    init(season: SeasonRecord, threshold: Int?) {
        self.season = season
        self.threshold = threshold
    }

    /// Counts the next match of the season (every player's totals must be in ``totals`` or
    /// start from zero) and returns its report; win streaks are offered to the bests by the caller
    /// once the season's totals are final.
    mutating func add(_ facts: MatchFacts, names: [UUID: String]) -> MatchReport {
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
                let name = names[player] ?? player.lowercased
                lines.append(PlayerLine(playerId: player, name: name, team: team, goals: scored, result: result, totals: total))
                if scored > 0 {
                    bests.offer(GoalsInMatch(playerId: player, name: name, matchId: facts.matchId, date: facts.date, goals: scored))
                }
            }
        }
        if winner != "draw", bests.wouldKeepWin(difference: difference, date: facts.date, matchId: facts.matchId) {
            let score = "\(facts.teamA.name) \(facts.teamA.score) - \(facts.teamB.score) \(facts.teamB.name)"
            bests.offer(BigWin(matchId: facts.matchId, date: facts.date, score: score, goalDifference: difference))
        }
        return MatchReport(
            matchId: facts.matchId, seasonId: season.seasonId, seasonName: season.name, date: facts.date,
            teamA: facts.teamA, teamB: facts.teamB, winner: winner, goalDifference: difference,
            heavyWin: threshold.map { winner != "draw" && difference >= $0 }, heavyWinThreshold: threshold,
            players: lines, matchNumber: number)
    }
}
