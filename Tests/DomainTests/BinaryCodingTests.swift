import BulkheadCore
import Domain
import Foundation
@testable import Projections
import Testing

/// The generated `BinaryCodable` conformances write exactly the bytes the Codable `BinaryEncoder`
/// writes, for every event and record type, and each reads the other's bytes; bad bytes are
/// errors naming the field.
@Suite struct BinaryCodingTests {
    @Test(arguments: BinarySample.events + BinarySample.records)
    func binaryCodableAndCodableWriteAndReadTheSameBytes(sample: BinarySample) throws {
        try sample.check()
    }

    @Test func everyEventTypeHasASampleWithItsOptionalsPresentAndOneWithThemAbsent() {
        let sampled = Set(BinarySample.events.map(\.typeName))
        let catalogue = Set(EventCatalog.payloadTypes.map { "\($0)" })
        #expect(catalogue.subtracting(sampled).isEmpty, "no sample for \(catalogue.subtracting(sampled).sorted())")
        for name in sampled {
            #expect(BinarySample.events.filter { $0.typeName == name }.count >= 2, "\(name) needs a present and an absent sample")
        }
    }

    /// A type added to the generated files without a sample here would escape the byte comparison
    /// above: every conformance the generator wrote must be sampled.
    @Test func everyGeneratedConformanceHasASample() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let files = [
            "Sources/Domain/Generated/BinaryCoding+Events.swift", "Sources/Domain/Generated/BinaryCoding+Records.swift",
            "Sources/Projections/Generated/BinaryCoding+Reports.swift",
        ]
        var generated = Set<String>()
        for file in files {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n")
            where line.hasPrefix("extension ") && line.contains(": BinaryCodable") {
                generated.insert(String(line.dropFirst("extension ".count).prefix { $0 != ":" }))
            }
        }
        #expect(generated.count > 50, "read \(generated.count) generated conformances from \(files)")
        let sampled = Set((BinarySample.events + BinarySample.records).map(\.typeName))
        #expect(generated.subtracting(sampled).isEmpty, "no sample for \(generated.subtracting(sampled).sorted())")
    }

    @Test func eventsRoundTripThroughTheCatalogue() throws {
        for sample in BinarySample.events {
            guard let event = sample.event else { continue }
            let bytes = try event.encodedPayload()
            let decoded = try bytes.withUnsafeBytes {
                try EventCatalog.decode(type: event.type, schemaVersion: event.schemaVersion, payload: $0)
            }
            #expect(decoded == event)
            let byType = try #require(EventCatalog.eventType(named: event.type))
            #expect(byType.name == event.type)
            let stored = Array(event.type.utf8)
            #expect(stored.withUnsafeBytes { EventCatalog.eventType(named: $0) } == byType)
        }
        #expect(Array("project.nothing".utf8).withUnsafeBytes { EventCatalog.eventType(named: $0) } == nil)
    }

    @Test func aVersionOneProjectCreatedIsReadAsVersionTwo() throws {
        let v1 = ProjectCreatedV1(projectId: Fixtures.id1, name: "CodeMCP", githubRepository: "example/codemcp")
        let bytes = v1.encodedBytes()
        #expect(bytes == (try BinaryEncoder.encode(v1)))
        let event = try bytes.withUnsafeBytes { try EventCatalog.decode(type: ProjectCreated.type, schemaVersion: 1, payload: $0) }
        #expect(event == .projectCreated(v1.upcast))
    }

    // MARK: - Refused bytes

    @Test func invalidUTF8InAStringFieldIsAnErrorNamingTheField() throws {
        // PlayerRegistered: a UUID, then the name.
        let bytes = Array(Fixtures.id1.uuidBytes) + [2, 0xC3, 0x28]
        let error = #expect(throws: ByteFormatError.self) { try PlayerRegistered.decode(from: bytes) }
        #expect(error?.reason.contains("name") == true, "\(String(describing: error))")
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(PlayerRegistered.self, from: bytes) }
    }

    @Test func anUnknownEnumValueIsAnErrorNamingTheField() throws {
        var bad = KnowledgeRecorded(projectId: Fixtures.id1, entryId: Fixtures.id2, kind: .codePattern, content: "x").encodedBytes()
        // The kind sits after the two UUIDs: a length byte and "codePattern"; make it "codePatterX".
        bad[32 + 11] = UInt8(ascii: "X")
        let error = #expect(throws: ByteFormatError.self) { try KnowledgeRecorded.decode(from: bad) }
        #expect(error?.reason.contains("kind") == true, "\(String(describing: error))")
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(KnowledgeRecorded.self, from: bad) }
    }

    @Test(arguments: ["2025-02-29", "2025-13-01", "25-01-01xx", "2025/01/01", "１９９９-01-01"])
    func anInvalidLocalDateIsAnError(text: String) throws {
        var writer = ByteWriter()
        writer.write(uuid: Fixtures.id1)
        writer.writeString("Autumn")
        writer.writeString(text)
        writer.writeString("2025-12-31")
        let error = #expect(throws: ByteFormatError.self) { try SeasonDefined.decode(from: writer.bytes) }
        #expect(error?.reason.contains("startDate") == true, "\(String(describing: error))")
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(SeasonDefined.self, from: writer.bytes) }
    }

    @Test(arguments: [UInt8(2), 0x80, 0xFF])
    func aPresenceOrBoolByteOtherThanZeroOrOneIsAnError(byte: UInt8) throws {
        var created = ProjectCreated(projectId: Fixtures.id1, name: "n", githubRepository: nil, scanPath: "").encodedBytes()
        // The presence byte of githubRepository follows the UUID and the one-byte name.
        created[16 + 2] = byte
        let presence = #expect(throws: ByteFormatError.self) { try ProjectCreated.decode(from: created) }
        #expect(presence?.reason.contains("githubRepository") == true, "\(String(describing: presence))")
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(ProjectCreated.self, from: created) }

        var report = Fixtures.report(heavyWin: true).encodedBytes()
        let heavyWin = try #require(Fixtures.offsetOfHeavyWin(in: report))
        report[heavyWin] = byte
        let bool = #expect(throws: ByteFormatError.self) { try MatchReport.decode(from: report) }
        #expect(bool?.reason.contains("heavyWin") == true, "\(String(describing: bool))")
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(MatchReport.self, from: report) }
    }

    @Test func anIntegerOutOfRangeForItsFieldIsAnError() throws {
        var writer = ByteWriter()
        writer.writeVarint(UInt64(UInt32.max) + 1)  // generation: a UInt32
        writer.writeInt(1)
        writer.writeVarint(7)
        writer.write(0)
        let error = #expect(throws: ByteFormatError.self) { try ProjectionMeta.decode(from: writer.bytes) }
        #expect(error?.reason.contains("generation") == true, "\(String(describing: error))")
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(ProjectionMeta.self, from: writer.bytes) }
    }

    @Test func aConfigValueWithBothOrNeitherValueIsAnError() throws {
        for bytes: [UInt8] in [[1, 1, 0x41, 1, 2], [0, 0]] {
            #expect(throws: ByteFormatError.self) { try ConfigValue.decode(from: bytes) }
            #expect(throws: DecodingError.self) { try BinaryDecoder.decode(ConfigValue.self, from: bytes) }
        }
    }

    @Test func anErrorInsideANestedValueNamesTheFieldThatHoldsIt() throws {
        let match = MatchRecorded(matchId: Fixtures.id1, seasonId: Fixtures.id2, date: Fixtures.day, teamA: Fixtures.teamA, teamB: Fixtures.teamB, goals: Fixtures.goals)
        let bytes = match.encodedBytes()
        // Cut inside teamB.
        let teamB = Fixtures.teamB.encodedBytes()
        let end = bytes.count - Fixtures.goalsBytes.count
        let cut = Array(bytes.prefix(end - teamB.count + 10))
        let error = #expect(throws: ByteFormatError.self) { try MatchRecorded.decode(from: cut) }
        #expect(error?.reason.hasPrefix("teamB: ") == true, "\(String(describing: error))")
    }

    @Test func bestsOrderIdsAsTheirStringsDo() {
        var ids = [Fixtures.id1, Fixtures.id2, Fixtures.id3] + (0..<200).map { _ in UUID() }
        ids += ids.map { id in var u = id.uuid; u.15 ^= 0x0A; return UUID(uuid: u) }
        for a in ids.prefix(60) {
            for b in ids {
                #expect(a.precedes(b) == (a.uuidString < b.uuidString), "\(a) \(b)")
            }
        }
    }

    @Test func aForgedElementCountIsAnError() throws {
        var writer = ByteWriter()
        writer.writeString("A")
        writer.write(bigEndian: UInt32.max)
        let error = #expect(throws: ByteFormatError.self) { try TeamSheet.decode(from: writer.bytes + [0]) }
        #expect(error?.reason.contains("players") == true, "\(String(describing: error))")
    }
}

/// One value checked both ways: the same bytes from `BinaryEncoder` and `BinaryCodable`, each
/// decoding the other's bytes to an equal value, every truncation and a trailing byte refused.
struct BinarySample: Sendable, CustomTestStringConvertible {
    let typeName: String
    let label: String
    let event: Event?
    let check: @Sendable () throws -> Void

    var testDescription: String { "\(typeName) (\(label))" }

    static func of<T: Codable & BinaryCodable & Equatable & Sendable>(_ value: T, _ label: String = "", event: Event? = nil) -> BinarySample {
        BinarySample(typeName: "\(T.self)", label: label, event: event) {
            let codable = try BinaryEncoder.encode(value)
            let fast = value.encodedBytes()
            #expect(fast == codable, "\(T.self) \(label): BinaryCodable and BinaryEncoder bytes differ")
            #expect(try T.decode(from: codable) == value)
            #expect(try BinaryDecoder.decode(T.self, from: fast) == value)
            for length in 0..<fast.count {
                #expect(throws: ByteFormatError.self, "\(T.self) \(label): the first \(length) of \(fast.count) bytes") {
                    try T.decode(from: Array(fast.prefix(length)))
                }
            }
            #expect(throws: ByteFormatError.self) { try T.decode(from: fast + [0]) }
        }
    }

    static func payload<P: EventPayload>(_ payload: P, _ label: String, _ wrap: (P) -> Event) -> BinarySample {
        of(payload, label, event: wrap(payload))
    }

    static let events: [BinarySample] = {
        typealias F = Fixtures
        return [
            payload(UserAdded(userId: F.id1, email: "oliver.baer+alias@example.com", displayName: "Olivér Bär ⚽️"), "unicode", Event.userAdded),
            payload(UserAdded(userId: F.id2, email: "", displayName: ""), "empty", Event.userAdded),
            payload(UserRemoved(userId: F.id1, email: "oliver.baer+alias@example.com"), "", Event.userRemoved),
            payload(UserRemoved(userId: F.id2, email: ""), "empty", Event.userRemoved),
            payload(ConfigSet(key: .teamAName, value: .text("Berko TNF")), "text", Event.configSet),
            payload(ConfigSet(key: .heavyWinThreshold, value: .integer(-3)), "integer", Event.configSet),
            payload(ConfigSet(key: .teamBName, value: .text("")), "empty text", Event.configSet),
            payload(APIKeyIssued(keyId: F.id1, keyHash: String(repeating: "ab", count: 32), label: "ci"), "", Event.apiKeyIssued),
            payload(APIKeyIssued(keyId: F.id2, keyHash: "", label: ""), "empty", Event.apiKeyIssued),
            payload(APIKeyRevoked(keyId: F.id1), "", Event.apiKeyRevoked),
            payload(APIKeyRevoked(keyId: F.id2), "other", Event.apiKeyRevoked),
            payload(ModelPreferenceSet(feature: .docsPipeline, provider: "anthropic", model: "claude"), "", Event.modelPreferenceSet),
            payload(ModelPreferenceSet(feature: .enrichment, provider: "", model: ""), "empty", Event.modelPreferenceSet),
            payload(ProjectCreated(projectId: F.id1, name: "CodeMCP", githubRepository: "example/codemcp", scanPath: "src/app"), "present", Event.projectCreated),
            payload(ProjectCreated(projectId: F.id2, name: "", githubRepository: nil, scanPath: ""), "absent", Event.projectCreated),
            of(ProjectCreatedV1(projectId: F.id1, name: "CodeMCP", githubRepository: "example/codemcp"), "present"),
            of(ProjectCreatedV1(projectId: F.id1, name: "CodeMCP", githubRepository: nil), "absent"),
            payload(ProjectUpdated(projectId: F.id1, name: "Code MCP", githubRepository: "", scanPath: "/"), "present", Event.projectUpdated),
            payload(ProjectUpdated(projectId: F.id1, name: "Code MCP", githubRepository: nil, scanPath: ""), "absent", Event.projectUpdated),
            payload(ProjectDeleted(projectId: F.id1), "", Event.projectDeleted),
            payload(ProjectDeleted(projectId: F.id2), "other", Event.projectDeleted),
            payload(SourceImported(projectId: F.id1, sourceId: F.id2, repository: "example/codemcp", path: "docs"), "", Event.sourceImported),
            payload(SourceImported(projectId: F.id1, sourceId: F.id2, repository: "", path: ""), "empty", Event.sourceImported),
            payload(NoteCreated(projectId: F.id1, noteId: F.id2, title: "Import", body: String(repeating: "long body ", count: 40)), "long", Event.noteCreated),
            payload(NoteCreated(projectId: F.id1, noteId: F.id2, title: "", body: "東京"), "unicode", Event.noteCreated),
            payload(BlogPublished(projectId: F.id1, postId: F.id2, title: "Hello", body: "World"), "", Event.blogPublished),
            payload(BlogPublished(projectId: F.id1, postId: F.id2, title: "", body: ""), "empty", Event.blogPublished),
            payload(BlogUpdated(projectId: F.id1, postId: F.id2, title: "Hello again", body: "Wörld"), "", Event.blogUpdated),
            payload(BlogUpdated(projectId: F.id1, postId: F.id2, title: "", body: ""), "empty", Event.blogUpdated),
            payload(BlogDeleted(projectId: F.id1, postId: F.id2), "", Event.blogDeleted),
            payload(BlogDeleted(projectId: F.id2, postId: F.id1), "other", Event.blogDeleted),
            payload(KnowledgeRecorded(projectId: F.id1, entryId: F.id2, kind: .consolidationPattern, content: "merge"), "", Event.knowledgeRecorded),
            payload(KnowledgeRecorded(projectId: F.id1, entryId: F.id2, kind: .memoryEntry, content: ""), "empty", Event.knowledgeRecorded),
            payload(AnalysisStarted(runId: F.id1, projectId: F.id2, trigger: .manual), "manual", Event.analysisStarted),
            payload(AnalysisStarted(runId: F.id1, projectId: F.id2, trigger: .projectSync), "sync", Event.analysisStarted),
            payload(AnalysisCompleted(runId: F.id1, projectId: F.id2), "", Event.analysisCompleted),
            payload(AnalysisCompleted(runId: F.id2, projectId: F.id1), "other", Event.analysisCompleted),
            payload(AnalysisFailed(runId: F.id1, projectId: F.id2, reason: "timeout"), "", Event.analysisFailed),
            payload(AnalysisFailed(runId: F.id1, projectId: F.id2, reason: ""), "empty", Event.analysisFailed),
            payload(AnalysisExpired(runId: F.id1, projectId: F.id2, startedAt: F.time), "", Event.analysisExpired),
            payload(AnalysisExpired(runId: F.id1, projectId: F.id2, startedAt: F.before1970), "before 1970", Event.analysisExpired),
            payload(SyncStarted(syncId: F.id1, projectId: F.id2, previousSyncId: F.id3), "present", Event.syncStarted),
            payload(SyncStarted(syncId: F.id1, projectId: F.id2, previousSyncId: nil), "absent", Event.syncStarted),
            payload(SyncCompleted(syncId: F.id1, projectId: F.id2), "", Event.syncCompleted),
            payload(SyncCompleted(syncId: F.id2, projectId: F.id1), "other", Event.syncCompleted),
            payload(SyncFailed(syncId: F.id1, projectId: F.id2, reason: "rate limited"), "", Event.syncFailed),
            payload(SyncFailed(syncId: F.id1, projectId: F.id2, reason: ""), "empty", Event.syncFailed),
            payload(SyncOrphaned(syncId: F.id1, projectId: F.id2, startedAt: F.time), "", Event.syncOrphaned),
            payload(SyncOrphaned(syncId: F.id1, projectId: F.id2, startedAt: Date(timeIntervalSince1970: 0)), "epoch", Event.syncOrphaned),
            payload(SeasonDefined(seasonId: F.id1, name: "Autumn 2025", startDate: F.day, endDate: F.lastDay), "", Event.seasonDefined),
            payload(SeasonDefined(seasonId: F.id1, name: "", startDate: F.day, endDate: F.day), "one day", Event.seasonDefined),
            payload(PlayerRegistered(playerId: F.id1, name: "Ada"), "", Event.playerRegistered),
            payload(PlayerRegistered(playerId: F.id1, name: ""), "empty", Event.playerRegistered),
            of(F.teamA, "players"),
            of(TeamSheet(name: "", players: [], score: 0), "no players"),
            of(GoalTally(playerId: F.id1, goals: 3), ""),
            of(GoalTally(playerId: F.id2, goals: -1), "negative"),
            payload(MatchRecorded(matchId: F.id1, seasonId: F.id2, date: F.day, teamA: F.teamA, teamB: F.teamB, goals: F.goals), "goals", Event.matchRecorded),
            payload(MatchRecorded(matchId: F.id1, seasonId: F.id2, date: F.day, teamA: F.teamB, teamB: F.teamB, goals: []), "no goals", Event.matchRecorded),
            payload(MatchCorrected(matchId: F.id1, seasonId: F.id2, date: F.lastDay, teamA: F.teamA, teamB: F.teamB, goals: F.goals), "goals", Event.matchCorrected),
            payload(MatchCorrected(matchId: F.id1, seasonId: F.id2, date: F.day, teamA: F.teamB, teamB: F.teamA, goals: []), "no goals", Event.matchCorrected),
            payload(MatchDeleted(matchId: F.id1, seasonId: F.id2), "", Event.matchDeleted),
            payload(MatchDeleted(matchId: F.id2, seasonId: F.id1), "other", Event.matchDeleted),
        ]
    }()

    static let records: [BinarySample] = {
        typealias F = Fixtures
        var counts = KnowledgeCounts()
        counts[.codePattern] = 3
        counts[.consolidationPattern] = 1_000_000
        var totals = PlayerTotals()
        totals.add(result: "win", goals: 2)
        totals.add(result: "win", goals: 0)
        var bests = SeasonBests()
        bests.mostGoalsInMatch = [GoalsInMatch(playerId: F.id1, name: "Ada", matchId: F.id2, date: F.day, goals: 4)]
        bests.longestWinStreaks = [WinStreak(playerId: F.id1, name: "Ada", seasonName: "Autumn", length: 3)]
        bests.biggestWins = [BigWin(matchId: F.id2, date: F.day, score: "A 7 - 1 B", goalDifference: 6)]
        let source = SourceRecord(sourceId: F.id3, repository: "example/codemcp", path: "", importedAt: F.time)
        return [
            of(UserRecord(userId: F.id1, email: "a@example.com", displayName: "Ada", addedAt: F.time)),
            of(APIKeyInfo(keyId: F.id1, label: "ci", keyHash: "ab", issuedAt: F.time, revokedAt: F.time.addingTimeInterval(60)), "present"),
            of(APIKeyInfo(keyId: F.id1, label: "ci", keyHash: "ab", issuedAt: F.time, revokedAt: nil), "absent"),
            of(ModelPreference(feature: .refactor, provider: "p", model: "m")),
            of(KnowledgeCounts(), "zero"),
            of(counts, "counted"),
            of(source),
            of(ProjectRecord(projectId: F.id1, name: "CodeMCP", githubRepository: "example/codemcp", scanPath: "src", createdAt: F.time,
                             createdBy: "oliver@example.com", updatedAt: F.time, sources: [source, source], noteCount: 2, blogPostCount: -1, knowledge: counts), "present"),
            of(ProjectRecord(projectId: F.id1, name: "", githubRepository: nil, scanPath: "", createdAt: F.before1970,
                             createdBy: "", updatedAt: F.time, sources: [], noteCount: 0, blogPostCount: 0, knowledge: KnowledgeCounts()), "absent"),
            of(NoteRecord(noteId: F.id1, projectId: F.id2, title: "t", body: "b", createdAt: F.time)),
            of(BlogPostRecord(postId: F.id1, projectId: F.id2, title: "t", body: "b", publishedAt: F.time, updatedAt: F.time)),
            of(KnowledgeRecord(entryId: F.id1, projectId: F.id2, kind: .workflowInsight, content: "c", recordedAt: F.time)),
            of(RunRecord(runId: F.id1, projectId: F.id2, trigger: .projectSync, status: .failed, startedAt: F.time, endedAt: F.time, reason: "boom"), "present"),
            of(RunRecord(runId: F.id1, projectId: F.id2, trigger: .manual, status: .active, startedAt: F.time, endedAt: nil, reason: nil), "absent"),
            of(SyncRecord(syncId: F.id1, projectId: F.id2, previousSyncId: F.id3, status: .orphaned, startedAt: F.time, endedAt: F.time, reason: "r"), "present"),
            of(SyncRecord(syncId: F.id1, projectId: F.id2, previousSyncId: nil, status: .running, startedAt: F.time, endedAt: nil, reason: nil), "absent"),
            of(SeasonRecord(seasonId: F.id1, name: "Autumn", startDate: F.day, endDate: F.lastDay)),
            of(PlayerRecord(playerId: F.id1, name: "Ada")),
            of(MatchFacts(matchId: F.id1, seasonId: F.id2, date: F.day, teamA: F.teamA, teamB: F.teamB, goals: F.goals, recordedPosition: UInt64.max), "max position"),
            of(MatchFacts(matchId: F.id1, seasonId: F.id2, date: F.day, teamA: F.teamA, teamB: F.teamB, goals: [], recordedPosition: 1), "no goals"),
            of(ConfigValue.text("Berko"), "text"),
            of(ConfigValue.integer(Int.min), "integer"),
            of(F.id1, "UUID record"),
            of(PlayerTotals(), "zero"),
            of(totals, "present"),
            of(PlayerLine(playerId: F.id1, name: "Ada", team: "A", goals: 2, result: "win", totals: totals)),
            of(F.report(heavyWin: true), "present"),
            of(F.report(heavyWin: nil), "absent"),
            of(SeasonTableRow(playerId: F.id1, name: "Ada", totals: totals)),
            of(GoalsInMatch(playerId: F.id1, name: "Ada", matchId: F.id2, date: F.day, goals: 4)),
            of(WinStreak(playerId: F.id1, name: "Ada", seasonName: "Autumn", length: 3)),
            of(BigWin(matchId: F.id2, date: F.day, score: "A 7 - 1 B", goalDifference: 6)),
            of(SeasonBests(), "empty"),
            of(bests, "full"),
            of(ProjectionMeta(generation: UInt32.max, version: 1, position: UInt64.max, building: 7), "present"),
            of(ProjectionMeta(generation: 1, version: 0, position: 0, building: nil), "absent"),
        ] + KnowledgeKind.allCases.map { of($0, $0.rawValue) }
            + AnalysisTrigger.allCases.map { of($0, $0.rawValue) }
            + ModelFeature.allCases.map { of($0, $0.rawValue) }
            + ConfigKey.allCases.map { of($0, $0.rawValue) }
            + [RunStatus.active, .completed, .failed, .expired].map { of($0, $0.rawValue) }
            + [SyncStatus.running, .completed, .failed, .orphaned].map { of($0, $0.rawValue) }
    }()
}

enum Fixtures {
    static let id1 = UUID(uuidString: "0190f0c2-7d1e-7a3b-9c4d-5e6f708192a3")!
    static let id2 = UUID(uuidString: "00000000-0000-7000-8000-000000000001")!
    static let id3 = UUID(uuidString: "ffffffff-ffff-7fff-bfff-ffffffffffff")!
    static let time = Date(timeIntervalSince1970: 1_717_171_717.123456)
    static let before1970 = Date(timeIntervalSince1970: -86_400.000_001)
    static let day = LocalDate(year: 2025, month: 9, day: 4)!
    static let lastDay = LocalDate(year: 2025, month: 12, day: 31)!
    static let teamA = TeamSheet(name: "Bibs", players: [id1, id2], score: 7)
    static let teamB = TeamSheet(name: "Skins ⚽️", players: [id3], score: 1)
    static let goals = [GoalTally(playerId: id1, goals: 5), GoalTally(playerId: id2, goals: 2)]
    static var goalsBytes: [UInt8] {
        var writer = ByteWriter()
        writer.writeCount(goals.count)
        for goal in goals { goal.write(to: &writer) }
        return writer.bytes
    }

    static func report(heavyWin: Bool?) -> MatchReport {
        MatchReport(
            matchId: id1, seasonId: id2, seasonName: "Autumn", date: day, teamA: teamA, teamB: teamB, winner: "A",
            goalDifference: 6, heavyWin: heavyWin, heavyWinThreshold: heavyWin == nil ? nil : 5,
            players: [PlayerLine(playerId: id1, name: "Ada", team: "A", goals: 5, result: "win", totals: PlayerTotals())],
            matchNumber: 1)
    }

    /// The offset of `heavyWin`'s bool byte in a report encoded with `heavyWin` present: after the
    /// fields before it, then its presence byte.
    static func offsetOfHeavyWin(in bytes: [UInt8]) -> Int? {
        let r = report(heavyWin: true)
        var writer = ByteWriter()
        writer.write(uuid: r.matchId)
        writer.write(uuid: r.seasonId)
        writer.writeString(r.seasonName)
        r.date.write(to: &writer)
        r.teamA.write(to: &writer)
        r.teamB.write(to: &writer)
        writer.writeString(r.winner)
        writer.writeInt(r.goalDifference)
        let offset = writer.bytes.count + 1
        return bytes.starts(with: writer.bytes) && bytes[offset - 1] == 1 ? offset : nil
    }
}

extension UUID {
    var uuidBytes: [UInt8] { withUnsafeBytes(of: uuid) { Array($0) } }
}
