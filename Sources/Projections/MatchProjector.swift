import BulkheadCore
import Domain
import Foundation

/// Aggregated match reports: per match the teams as recorded, score, winner, goal difference,
/// heavy win by the tenant's threshold, season, and each player's running season totals and
/// streaks; season tables; per-season bests that make the Hall of Fame.
///
/// Reports are completed at the end of each transaction (``finish(_:budget:)``). Each season keeps
/// a cursor: how many of its matches, in season order, its reports, table rows and bests count,
/// and the last of them. Matches recorded after the cursor (the usual case: matches are recorded
/// once played) are counted on from the stored table rows and bests, at the cost of those matches
/// alone. Anything else — a match recorded before the cursor, a correction, a deletion, a
/// threshold change — resets the season and counts its matches again from the first. Either way
/// the work goes in steps of a bounded number of matches, so a rebuild finishes a season of any
/// size in transactions of bounded size. Both give the same bytes as counting every match afresh
/// (tested).
///
/// Keys: `c`+config key → ``ConfigValue``; `s`+season → ``SeasonRecord``; `p`+player →
/// ``PlayerRecord``; `m`+match → ``MatchFacts``; `x`+match → marker (id used);
/// `M`+season+date+position+match → marker (season order); `r`+match → ``MatchReport``;
/// `t`+season+player → ``SeasonTableRow``; `b`+season → ``SeasonBests``; `n`+season → the cursor
/// (4 bytes big-endian: matches counted, then the last one's `M` key); `u`+player → marker (a
/// report names the player by id: no name was registered yet). Until the work is done:
/// `a`+season → the first match recorded since, in season order (its `M` key); `d`+season →
/// empty: reset the season, then count on; `01`: count on from the cursor; `D` → reset every
/// season.
public struct MatchProjector: Projector {
    public let name = "matches"
    /// 2: seasons keep a cursor (`n` keys) and are completed in bounded steps.
    public let version = 2

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
    static func cursor(_ season: UUID) -> Key { Key("n", .uuid(season)) }
    /// A `d` marker's value: reset the season, then count its matches from the first.
    static let reset: [UInt8] = []
    /// A `d` marker's value: count the season's matches on from its cursor.
    static let countOn: [UInt8] = [1]

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

    /// Notes a recorded match in its season's `a` marker, which keeps the first in season order.
    static func noteAppended(_ order: Key, season: UUID, _ store: ProjectionStore) throws {
        if let first = try store.bytes(appended(season)).map({ Key(raw: $0) }), first < order { return }
        try store.setBytes(appended(season), order.bytes)
    }

    /// A season's cursor: matches counted and the last of them, from a `n` key's bytes.
    static func decodeCursor(_ bytes: [UInt8]?) -> (count: Int, last: Key)? {
        guard let bytes, bytes.count > 4 else { return nil }
        let count = bytes.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return (Int(count), Key(raw: bytes.dropFirst(4)))
    }

    static func encodeCursor(count: Int, last: Key) -> [UInt8] {
        withUnsafeBytes(of: UInt32(count).bigEndian) { Array($0) } + last.bytes
    }

    public func finish(_ store: ProjectionStore, budget: Int) throws -> Bool {
        try plan(store)
        var work: [(Key, [UInt8])] = []
        try store.scan(prefix: Self.dirtyAll) { key, value in
            work.append((key, value))
            return true
        }
        // Player names, read once for every season counted.
        var names: [UUID: String] = [:]
        var left = budget
        var complete = true
        for (key, value) in work {
            guard left > 0 else { return false }
            guard let seasonId = key.uuid(at: 1),
                  let season = try store.record(Self.season(seasonId), as: SeasonRecord.self) else {
                // No season (only an imported log can record a match in an undefined season):
                // nothing to count until it is defined, which marks it again.
                try store.setBytes(key, nil)
                continue
            }
            if value == Self.reset {
                try reset(season: seasonId, store)
                try store.setBytes(key, Self.countOn)
            }
            let (done, counted) = try countOn(season: season, store, names: &names, budget: left)
            left -= counted
            if done { try store.setBytes(key, nil) } else { complete = false }
        }
        return complete
    }

    /// Turns the transaction's notes (`D`, `a`) into `d` markers: a season whose new matches all
    /// come after its cursor counts on; any other is reset.
    func plan(_ store: ProjectionStore) throws {
        if try store.bytes(Self.everySeasonDirty) != nil {
            for season in try store.records(prefix: Self.seasons, as: SeasonRecord.self) {
                try store.setBytes(Self.dirty(season.seasonId), Self.reset)
            }
            try store.setBytes(Self.everySeasonDirty, nil)
        }
        var appended: [(UUID, Key)] = []
        try store.scan(prefix: Self.appendedAll) { key, value in
            if let seasonId = key.uuid(at: 1) { appended.append((seasonId, Key(raw: value))) }
            return true
        }
        for (seasonId, first) in appended {
            try store.setBytes(Self.appended(seasonId), nil)
            // A reset counts every match anyway.
            if try store.bytes(Self.dirty(seasonId)) == Self.reset { continue }
            let countsOn: Bool
            if let cursor = Self.decodeCursor(try store.bytes(Self.cursor(seasonId))) {
                countsOn = cursor.last < first
            } else {
                // Nothing counted yet, unless a projection built before cursors has bests.
                countsOn = try store.bytes(Self.bests(seasonId)) == nil
            }
            try store.setBytes(Self.dirty(seasonId), countsOn ? Self.countOn : Self.reset)
        }
    }

    /// Forgets what a season counted: its table rows, bests and cursor (its reports are
    /// rewritten as its matches are counted again).
    func reset(season seasonId: UUID, _ store: ProjectionStore) throws {
        for key in try store.keys(prefix: Self.tableRows(seasonId)) { try store.setBytes(key, nil) }
        try store.setRecord(Self.bests(seasonId), SeasonBests?.none)
        try store.setBytes(Self.cursor(seasonId), nil)
    }

    /// Counts at most `budget` of a season's matches after its cursor, on from its table rows and
    /// bests, and moves the cursor. Returns whether the season is complete and how many matches
    /// were counted.
    func countOn(season: SeasonRecord, _ store: ProjectionStore, names: inout [UUID: String], budget: Int) throws -> (done: Bool, counted: Int) {
        let seasonId = season.seasonId
        let cursor = Self.decodeCursor(try store.bytes(Self.cursor(seasonId)))
        let keys = try store.keys(prefix: Self.seasonMatches(seasonId), after: cursor?.last, limit: budget == .max ? .max : budget + 1)
        let batch = keys.prefix(budget)
        guard !batch.isEmpty else { return (true, 0) }
        var state = SeasonState(season: season, threshold: try heavyWinThreshold(store))
        state.number = cursor?.count ?? 0
        if cursor != nil { state.bests = try store.record(Self.bests(seasonId), as: SeasonBests.self) ?? SeasonBests() }
        for key in batch {
            guard let matchId = key.trailingUUID,
                  let facts = try store.record(Self.match(matchId), as: MatchFacts.self) else { continue }
            for player in facts.teamA.players + facts.teamB.players {
                if names[player] == nil {
                    if let name = try store.record(Self.player(player), as: PlayerRecord.self)?.name {
                        names[player] = name
                    } else {
                        // Named by id until a registration names the player (see `playerRegistered`).
                        names[player] = player.lowercased
                        try store.setBytes(Self.unnamed(player), [])
                    }
                }
                if state.totals[player] == nil {
                    state.totals[player] = try store.record(Self.tableRow(seasonId, player), as: SeasonTableRow.self)?.totals ?? PlayerTotals()
                }
            }
            try store.setRecord(Self.report(matchId), state.add(facts, names: names))
        }
        for (player, totals) in state.totals {
            let name = names[player] ?? player.lowercased
            if totals.longestWinStreak > 0 {
                // A streak only grows as matches are counted: the player's old entry gives way.
                state.bests.longestWinStreaks.removeAll { $0.playerId == player }
                state.bests.offer(WinStreak(playerId: player, name: name, seasonName: season.name, length: totals.longestWinStreak))
            }
            try store.setRecord(Self.tableRow(seasonId, player), SeasonTableRow(playerId: player, name: name, totals: totals))
        }
        if state.number > 0 { try store.setRecord(Self.bests(seasonId), state.bests) }
        if let last = batch.last { try store.setBytes(Self.cursor(seasonId), Self.encodeCursor(count: state.number, last: last)) }
        return (keys.count <= budget, batch.count)
    }

    private func heavyWinThreshold(_ store: ProjectionStore) throws -> Int? {
        if case .integer(let t)? = try store.record(Self.config(.heavyWinThreshold), as: ConfigValue.self) { return t }
        return nil
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
        case UInt8(ascii: "n"):
            guard let cursor = Self.decodeCursor(value) else { return value.hexString }
            return "{\"counted\":\(cursor.count),\"last\":\"\(cursor.last.bytes.hexString)\"}"
        default: return value.isEmpty ? "(marker)" : value.hexString
        }
    }
}

/// A season being completed match by match: each player's running totals, the bests so far and
/// how many matches were counted. A reset season starts it empty; counting on starts it from
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
