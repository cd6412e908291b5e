import BulkheadCore
import Domain
import Foundation
import Projections
import Testing

@Suite struct AnalysisGuardTests {
    @Test func aRequestWhileARunIsActiveIsSkippedNamingTheRunAndWritesNothing() throws {
        let h = try Harness()
        let project = try h.project()
        let run = try #require(try h.run(RequestAnalysis(projectId: project, trigger: .manual)).ids["runId"])
        h.clock.advance(by: 5)
        let before = try h.fingerprint()
        let second = try h.run(RequestAnalysis(projectId: project, trigger: .projectSync))
        #expect(second.skipped?.runId == run)
        #expect(second.events.isEmpty)
        #expect(try h.fingerprint() == before)
    }

    @Test(arguments: [(179.999, true), (180.0, false), (240.0, false)])
    func aRequestWithinThreeMinutesOfACompletedRunIsSkipped(after seconds: Double, skipped: Bool) throws {
        let h = try Harness()
        let project = try h.project()
        let run = try #require(try h.run(RequestAnalysis(projectId: project, trigger: .manual)).ids["runId"])
        h.clock.advance(by: 60)
        try h.run(CompleteAnalysis(runId: run))
        h.clock.advance(by: seconds)
        let outcome = try h.run(RequestAnalysis(projectId: project, trigger: .projectSync))
        #expect((outcome.skipped?.runId == run) == skipped)
        #expect(outcome.events.map(\.type) == (skipped ? [] : [AnalysisStarted.type]))
    }

    @Test func aFailedRunDoesNotHoldTheCooldown() throws {
        let h = try Harness()
        let project = try h.project()
        let run = try #require(try h.run(RequestAnalysis(projectId: project, trigger: .manual)).ids["runId"])
        try h.run(FailAnalysis(runId: run, reason: "crash"))
        #expect(try h.run(RequestAnalysis(projectId: project, trigger: .manual)).skipped == nil)
    }

    @Test(arguments: [(600.0, false), (600.001, true)])
    func runsActiveForMoreThanTenMinutesAreExpired(after seconds: Double, expired: Bool) throws {
        let h = try Harness()
        let project = try h.project()
        let other = try h.project(name: "Other")
        let run = try #require(try h.run(RequestAnalysis(projectId: project, trigger: .manual)).ids["runId"])
        h.clock.advance(by: 300)
        let young = try #require(try h.run(RequestAnalysis(projectId: other, trigger: .manual)).ids["runId"])
        h.clock.advance(by: seconds - 300)
        let outcome = try h.run(ExpireStaleAnalyses())
        #expect(outcome.events.map(\.type) == (expired ? [AnalysisExpired.type] : []))
        #expect(try h.view { try $0.run(run)?.status } == (expired ? .expired : .active))
        #expect(try h.view { try $0.run(young)?.status } == .active)
        if expired {
            // With the stale run gone, a new request starts at once.
            #expect(try h.run(RequestAnalysis(projectId: project, trigger: .manual)).skipped == nil)
        }
    }

    @Test func completingARunThatIsNotActiveIsRefused() throws {
        let h = try Harness()
        let project = try h.project()
        let run = try #require(try h.run(RequestAnalysis(projectId: project, trigger: .manual)).ids["runId"])
        try h.run(CompleteAnalysis(runId: run))
        try h.expectRefusal(.refused("analysis run \(run.lowercased) is completed, not active")) { try h.run(CompleteAnalysis(runId: run)) }
        let unknown = UUID()
        try h.expectRefusal(.notFound(entity: "analysis run", id: unknown.lowercased)) { try h.run(CompleteAnalysis(runId: unknown)) }
    }
}

@Suite struct SyncGuardTests {
    @Test(arguments: [(600.0, false), (600.001, true)])
    func aSecondStartIsRefusedUnlessTheRunningSyncIsOlderThanTenMinutes(after seconds: Double, orphans: Bool) throws {
        let h = try Harness()
        let project = try h.project()
        let first = try #require(try h.run(StartSync(projectId: project)).ids["syncId"])
        h.clock.advance(by: seconds)
        if orphans {
            let outcome = try h.run(StartSync(projectId: project))
            #expect(outcome.ids["orphanedSyncId"] == first)
            #expect(outcome.events.map(\.type) == [SyncOrphaned.type, SyncStarted.type])
            #expect(try h.view { try $0.sync(first)?.status } == .orphaned)
        } else {
            let before = try h.fingerprint()
            #expect(throws: CommandError.self) { try h.run(StartSync(projectId: project)) }
            #expect(try h.fingerprint() == before)
        }
    }

    @Test func aNewSyncLinksToTheLastCompletedOneAndNoTwoSyncsShareAPredecessor() throws {
        let h = try Harness()
        let project = try h.project()
        let first = try #require(try h.run(StartSync(projectId: project)).ids["syncId"])
        try h.run(CompleteSync(syncId: first))
        let second = try #require(try h.run(StartSync(projectId: project)).ids["syncId"])
        #expect(try h.view { try $0.sync(second)?.previousSyncId } == first)
        // The second sync dies mid-way: its failure releases the link, so the third can take it.
        try h.run(FailSync(syncId: second, reason: "network"))
        let third = try #require(try h.run(StartSync(projectId: project)).ids["syncId"])
        #expect(try h.view { try $0.sync(third)?.previousSyncId } == first)
        #expect(try h.view { try $0.successor(of: first) } == third)
        // A sync that hangs is orphaned after 10 minutes and its link released to the next one.
        h.clock.advance(by: 601)
        let fourth = try #require(try h.run(StartSync(projectId: project)).ids["syncId"])
        #expect(try h.view { try $0.sync(third)?.status } == .orphaned)
        #expect(try h.view { try $0.sync(third)?.previousSyncId } == nil)
        #expect(try h.view { try $0.successor(of: first) } == fourth)
        try h.run(CompleteSync(syncId: fourth))
        let chain = try h.view { try $0.syncChain(project: project) }
        #expect(chain.chain.map(\.syncId) == [first, fourth])
        #expect(Set(chain.detached.map(\.syncId)) == [second, third])
    }

    @Test(arguments: [(600.0, 0), (600.001, 1)])
    func cleanupOrphansEverySyncRunningForMoreThanTenMinutes(after seconds: Double, orphaned: Int) throws {
        let h = try Harness()
        let project = try h.project()
        let other = try h.project(name: "Other")
        try h.run(StartSync(projectId: project))
        h.clock.advance(by: 200)
        try h.run(StartSync(projectId: other))
        h.clock.advance(by: seconds - 200)
        let outcome = try h.run(CleanupOrphanSyncs())
        #expect(outcome.events.filter { $0.type == SyncOrphaned.type }.count == orphaned)
        #expect(try h.view { try $0.runningSyncs() }.count == 2 - orphaned)
    }

    @Test func completingAnOrphanedSyncIsRefused() throws {
        let h = try Harness()
        let project = try h.project()
        let sync = try #require(try h.run(StartSync(projectId: project)).ids["syncId"])
        h.clock.advance(by: 601)
        try h.run(CleanupOrphanSyncs())
        try h.expectRefusal(.refused("sync \(sync.lowercased) is orphaned, not running")) { try h.run(CompleteSync(syncId: sync)) }
    }
}

@Suite struct MatchGuardTests {
    func configured(_ h: Harness, _ slug: String = "alpha") throws -> [UUID] {
        try h.run(SetConfig(key: .teamAName, value: .text("Lions")), slug)
        try h.run(SetConfig(key: .teamBName, value: .text("Tigers")), slug)
        try h.run(DefineSeason(name: "2025", startDate: date("2025-01-01"), endDate: date("2025-12-31")), slug)
        return try (0..<4).map { i in try #require(try h.run(RegisterPlayer(name: "P\(i)"), slug).ids["playerId"]) }
    }

    func date(_ text: String) -> LocalDate { LocalDate(text) ?? LocalDate(year: 1900, month: 1, day: 1)! }

    func match(_ p: [UUID], on day: String = "2025-03-01", scores: (Int, Int) = (2, 1)) -> RecordMatch {
        RecordMatch(date: date(day), teamA: TeamInput(players: [p[0], p[1]], score: scores.0), teamB: TeamInput(players: [p[2], p[3]], score: scores.1),
                    goals: [GoalTally(playerId: p[0], goals: scores.0)] + (scores.1 > 0 ? [GoalTally(playerId: p[2], goals: scores.1)] : []))
    }

    @Test(arguments: [
        ("2025-12-31", "2026-06-30", true), ("2024-06-01", "2025-01-01", true), ("2025-03-01", "2025-04-01", true),
        ("2026-01-01", "2026-12-31", false), ("2024-01-01", "2024-12-31", false),
    ])
    func seasonsNeverOverlap(start: String, end: String, refused: Bool) throws {
        let h = try Harness()
        try h.run(DefineSeason(name: "2025", startDate: date("2025-01-01"), endDate: date("2025-12-31")))
        let command = DefineSeason(name: "Next", startDate: date(start), endDate: date(end))
        if refused {
            try h.expectRefusal(.refused("\(start)...\(end) overlaps season '2025' (2025-01-01...2025-12-31)")) { try h.run(command) }
        } else {
            #expect(try h.run(command).events.count == 1)
        }
    }

    @Test func aSeasonEndingBeforeItStartsOrWithATakenNameIsRefused() throws {
        let h = try Harness()
        try h.expectRefusal(.invalid(field: "endDate", reason: "2025-01-01 is before the start date 2025-02-01")) {
            try h.run(DefineSeason(name: "X", startDate: date("2025-02-01"), endDate: date("2025-01-01")))
        }
        try h.run(DefineSeason(name: "2025", startDate: date("2025-01-01"), endDate: date("2025-12-31")))
        #expect(throws: CommandError.self) { try h.run(DefineSeason(name: "2025", startDate: date("2026-01-01"), endDate: date("2026-12-31"))) }
    }

    @Test func recordingAMatchWithoutTeamNamesIsRefusedNamingTheTenantAndTheKey() throws {
        let h = try Harness(tenants: ["alpha", "beta"])
        _ = try configured(h, "beta")
        try h.run(DefineSeason(name: "2025", startDate: date("2025-01-01"), endDate: date("2025-12-31")))
        let players = try (0..<4).map { i in try #require(try h.run(RegisterPlayer(name: "A\(i)")).ids["playerId"]) }
        let alpha = try h.tenant("alpha")
        // Beta's team names are never used for alpha: there is no default and no other tenant's value.
        try h.expectRefusal(.missingConfig(tenant: alpha, key: .teamAName)) { try h.run(match(players)) }
        try h.run(SetConfig(key: .teamAName, value: .text("Orcas")))
        try h.expectRefusal(.missingConfig(tenant: alpha, key: .teamBName)) { try h.run(match(players)) }
        #expect(CommandError.missingConfig(tenant: alpha, key: .teamBName).description.contains(alpha.description))
    }

    @Test func teamNamesAreCopiedAtRecordTimeAndHeavyWinsFollowTheThreshold() throws {
        let h = try Harness()
        let p = try configured(h)
        let heavy = try #require(try h.run(match(p, scores: (5, 1))).ids["matchId"])
        let close = try #require(try h.run(match(p, on: "2025-03-02", scores: (2, 1))).ids["matchId"])
        var reports = try h.view { try $0.matchReports(season: "2025") }
        #expect(reports.map(\.heavyWin) == [nil, nil], "no threshold configured: heavy win is unknown, not a default")
        try h.run(SetConfig(key: .heavyWinThreshold, value: .integer(3)))
        try h.run(SetConfig(key: .teamAName, value: .text("Renamed")))
        reports = try h.view { try $0.matchReports(season: "2025") }
        #expect(reports.map(\.matchId) == [heavy, close])
        #expect(reports.map(\.heavyWin) == [true, false])
        #expect(reports.map(\.teamA.name) == ["Lions", "Lions"])
        #expect(reports[1].players.first { $0.playerId == p[0] }?.totals.wins == 2)
        #expect(reports[1].players.first { $0.playerId == p[0] }?.totals.streakLength == 2)
    }

    @Test func correctionsAndDeletionsAreReflectedInReportsTablesAndTheHallOfFame() throws {
        let h = try Harness()
        let p = try configured(h)
        let first = try #require(try h.run(match(p, scores: (6, 0))).ids["matchId"])
        try h.run(match(p, on: "2025-03-08", scores: (1, 0)))
        #expect(try h.view { try $0.hallOfFame() }.mostGoalsInMatch.first?.goals == 6)
        try h.run(CorrectMatch(matchId: first, date: date("2025-03-01"), teamA: TeamInput(players: [p[0], p[1]], score: 0),
                               teamB: TeamInput(players: [p[2], p[3]], score: 3), goals: [GoalTally(playerId: p[2], goals: 3)]))
        var table = try h.view { try $0.seasonTable("2025") }
        #expect(table.first { $0.playerId == p[0] }?.totals.wins == 1)
        #expect(table.first { $0.playerId == p[0] }?.totals.losses == 1)
        #expect(try h.view { try $0.hallOfFame() }.mostGoalsInMatch.first?.goals == 3)
        try h.run(DeleteMatch(matchId: first))
        table = try h.view { try $0.seasonTable("2025") }
        #expect(table.first { $0.playerId == p[0] }?.totals.appearances == 1)
        #expect(try h.view { try $0.matchReports(season: nil) }.count == 1)
        try h.expectRefusal(.notFound(entity: "match", id: first.lowercased)) { try h.run(DeleteMatch(matchId: first)) }
    }

    @Test func aMatchNeedsASeasonRegisteredPlayersAndConsistentGoals() throws {
        let h = try Harness()
        let p = try configured(h)
        try h.expectRefusal(.refused("no season of tenant \(try h.tenant("alpha")) contains 2026-03-01; define one with season.define")) {
            try h.run(match(p, on: "2026-03-01"))
        }
        let stranger = UUID()
        try h.expectRefusal(.notFound(entity: "player", id: stranger.lowercased)) {
            try h.run(RecordMatch(date: date("2025-03-01"), teamA: TeamInput(players: [stranger], score: 0), teamB: TeamInput(players: [p[0]], score: 0), goals: []))
        }
        try h.expectRefusal(.invalid(field: "goals", reason: "team A's players scored 3 goals but team A's score is 2")) {
            try h.run(RecordMatch(date: date("2025-03-01"), teamA: TeamInput(players: [p[0]], score: 2), teamB: TeamInput(players: [p[1]], score: 0),
                                  goals: [GoalTally(playerId: p[0], goals: 3)]))
        }
        try h.expectRefusal(.invalid(field: "teamB.players[0]", reason: "player \(p[0].lowercased) is listed twice")) {
            try h.run(RecordMatch(date: date("2025-03-01"), teamA: TeamInput(players: [p[0]], score: 0), teamB: TeamInput(players: [p[0]], score: 0), goals: []))
        }
    }
}
