import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections

/// Makes the seed corpus of `Tests/Fixtures/fuzz/`: real inputs, produced through the code.
///
/// A throwaway data directory gets one tenant and a run of commands touching every area (users,
/// configuration, model preferences, projects, sources, notes, blog posts, knowledge, analysis,
/// syncs, seasons, players, matches). Each command's JSON body, as it was executed through
/// `TenantEngine.execute(name:json:...)`, is a `command` seed; the first stored event of each type
/// is an `envelope` seed, its bytes re-made with `StoredRecord.encode` and checked against the
/// stored hash (equal hashes: equal bytes). A hand-made `project.created` v1 record covers the
/// upcast path. Run with `swift run fuzz-envelope --write-seeds Tests/Fixtures/fuzz`.
public enum FuzzSeeds {
    /// Replaces the `seed-*` files of `root/envelope` and `root/command`; crash inputs stay.
    /// - Returns: How many seeds were written per target.
    @discardableResult
    public static func write(into root: String) throws -> (envelope: Int, command: Int) {
        let scratch = (NSTemporaryDirectory() as NSString).appendingPathComponent("bulkhead-fuzz-seeds-\(UUID().uuidString.lowercased())")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        let data = try DataDirectory(path: scratch)
        let clock = ManualClock(Date(timeIntervalSince1970: 1_767_600_000))
        let engine = TenantEngine(data: data, clock: clock)
        // Every command's actor must be a user: the organiser is the tenant's owner.
        let tenant = try engine.createTenant(
            slug: "fuzz-seeds", name: "Fuzz Seeds", owner: "organiser@fuzz.example", ownerName: "Organiser",
            at: clock.now
        ).record.id
        var commands: [(name: String, json: Data)] = []
        func run(_ command: some Command, _ actor: String = "organiser@fuzz.example") throws -> [String: UUID] {
            let json = try FuzzTargets.encode(command)
            commands.append((type(of: command).name, json))
            clock.advance(by: 61)
            return try engine.execute(name: type(of: command).name, json: json, tenant: tenant, actor: actor).ids
        }
        func id(_ ids: [String: UUID], _ key: String) throws -> UUID {
            guard let value = ids[key] else { throw FuzzFailure("seed command returned no \(key)") }
            return value
        }

        _ = try run(AddUser(email: "ana@fuzz.example", displayName: "Ana Ålvarez"))
        _ = try run(
            RemoveUser(userId: try id(try run(AddUser(email: "leaver@fuzz.example", displayName: "Leaver")), "userId")))
        _ = try run(SetConfig(key: .teamAName, value: .text("Bibs")))
        _ = try run(SetConfig(key: .heavyWinThreshold, value: .integer(3)))
        _ = try run(SetConfig(key: .teamBName, value: .text("Non-Bibs")))
        let key = try id(try run(IssueAPIKey(label: "ci")), "keyId")
        // A command submitted with the key, as over HTTP: its event is stored in record format 2.
        clock.advance(by: 61)
        _ = try engine.execute(
            batch: [(AddUser(email: "http@fuzz.example", displayName: "Over HTTP"), "organiser@fuzz.example", key)],
            tenant: tenant)[0].get()
        _ = try run(RevokeAPIKey(keyId: key))
        _ = try run(SetModelPreference(feature: .enrichment, provider: "anthropic", model: "claude-sonnet-4-6"))
        let project = try id(try run(CreateProject(name: "CodeMCP", githubRepository: "codemcp/codemcp", scanPath: "/packages/")), "projectId")
        _ = try run(UpdateProject(projectId: project, name: "CodeMCP (v2)"))
        _ = try run(ImportSource(projectId: project, repository: "codemcp/memory", path: "entries"))
        _ = try run(CreateNote(projectId: project, title: "Enrichment gap", body: "Only consolidation patterns.\nSee the run."))
        let post = try id(try run(PublishBlogPost(projectId: project, title: "Debugging the fabric", body: "A multi-tenant odyssey.")), "postId")
        _ = try run(UpdateBlogPost(postId: post, title: "Debugging the fabric, again"))
        _ = try run(DeleteBlogPost(postId: post))
        _ = try run(RecordKnowledge(projectId: project, kind: .codePattern, content: "Guards check tenantId only"))
        let analysis = try id(try run(RequestAnalysis(projectId: project, trigger: .manual)), "runId")
        _ = try run(CompleteAnalysis(runId: analysis))
        clock.advance(by: 240)  // past the cooldown after a completed run
        let failed = try id(try run(RequestAnalysis(projectId: project, trigger: .projectSync)), "runId")
        _ = try run(FailAnalysis(runId: failed, reason: "model timed out"))
        _ = try run(RequestAnalysis(projectId: project, trigger: .manual))
        clock.advance(by: 3600)
        _ = try run(ExpireStaleAnalyses())
        let sync = try id(try run(StartSync(projectId: project)), "syncId")
        _ = try run(CompleteSync(syncId: sync))
        let broken = try id(try run(StartSync(projectId: project)), "syncId")
        _ = try run(FailSync(syncId: broken, reason: "remote hung up"))
        _ = try run(StartSync(projectId: project))
        clock.advance(by: 3600)
        _ = try run(CleanupOrphanSyncs())
        _ = try run(DeleteProject(projectId: project))
        guard let start = LocalDate("2025-08-01"), let end = LocalDate("2026-05-31"), let day = LocalDate("2025-09-14") else {
            throw FuzzFailure("seed dates do not parse")
        }
        _ = try run(DefineSeason(name: "2025/26", startDate: start, endDate: end))
        var players: [UUID] = []
        for name in ["Ana", "Ben", "Caro", "Dev"] {
            players.append(try id(try run(RegisterPlayer(name: name)), "playerId"))
        }
        let teamA = TeamInput(players: [players[0], players[1]], score: 2), teamB = TeamInput(players: [players[2], players[3]], score: 1)
        let match = try id(try run(RecordMatch(
            date: day, teamA: teamA, teamB: teamB,
            goals: [GoalTally(playerId: players[0], goals: 2), GoalTally(playerId: players[2], goals: 1)])), "matchId")
        _ = try run(CorrectMatch(
            matchId: match, date: day, teamA: teamA, teamB: TeamInput(players: teamB.players, score: 0),
            goals: [GoalTally(playerId: players[0], goals: 1), GoalTally(playerId: players[1], goals: 1)]))
        _ = try run(DeleteMatch(matchId: match))

        // Stored events: the first of each type, re-made byte for byte.
        var envelopes: [(name: String, bytes: [UInt8])] = []
        var seen: Set<String> = []
        try data.partition(for: tenant).read { log in
            var failure: FuzzFailure?
            try log.scanRecords(from: 1) { view, previous, hash in
                // The first of each type, and the first record of format 2 (with an API key id).
                guard seen.insert(view.apiKeyID == nil ? view.type : "api-key").inserted else { return true }
                let value = StoredRecord.encode(
                    NewEvent(eventID: view.eventID, type: view.type, schemaVersion: view.schemaVersion, payload: Array(view.payload),
                             actor: view.actor, correlationID: view.correlationID, causationID: view.causationID,
                             apiKeyID: view.apiKeyID),
                    position: view.position, streamID: view.streamID, streamVersion: view.streamVersion,
                    recordedAtMicros: view.recordedAtMicros, previousHash: Array(previous))
                guard value.suffix(StoredRecord.hashSize).elementsEqual(hash) else {
                    failure = FuzzFailure("re-made record of #\(view.position) does not match the stored hash")
                    return false
                }
                let suffix = view.apiKeyID == nil ? "" : "-api-key"
                envelopes.append((String(format: "seed-%02d-%@%@.bin", Int(view.position), view.type, suffix), value))
                return true
            }
            if let failure { throw failure }
        }
        // A version-1 `project.created`, read by upcasting.
        let v1 = ProjectCreatedV1(projectId: UUID(), name: "Legacy", githubRepository: "codemcp/legacy").encodedBytes()
        envelopes.append(("seed-v1-project.created.bin", StoredRecord.encode(
            NewEvent(eventID: UUID(), type: ProjectCreated.type, schemaVersion: 1, payload: v1, actor: "importer@fuzz.example",
                     correlationID: UUID(), causationID: UUID()),
            position: 1, streamID: "project-legacy", streamVersion: 1, recordedAtMicros: 1_500_000_000_000_000,
            previousHash: try data.partition(for: tenant).genesisHash)))

        var byName: [String: Data] = [:]
        for (name, json) in commands where byName[name] == nil { byName[name] = json }
        let commandSeeds = byName.sorted { $0.key < $1.key }.map { ("seed-\($0.key).txt", Array($0.key.utf8) + [UInt8(ascii: "\n")] + Array($0.value)) }

        try replaceSeeds(in: (root as NSString).appendingPathComponent("envelope"), with: envelopes)
        try replaceSeeds(in: (root as NSString).appendingPathComponent("command"), with: commandSeeds)
        // libFuzzer dictionaries: the names the decoders compare against, which mutation alone
        // takes long to spell.
        let fieldNames = Set(commands.flatMap { command -> [String] in
            guard let object = try? JSONSerialization.jsonObject(with: command.json) else { return [] }
            return keys(object)
        })
        try dictionary(EventCatalog.typeNames, to: (root as NSString).appendingPathComponent("envelope.dict"))
        try dictionary(CommandCatalog.names + fieldNames.sorted().map { "\"\($0)\":" }
                       + ["null", "true", "false", "\\u0000", "\"2025-09-14\"", "\"3F2504E0-4F89-41D3-9A0C-0305E82C3301\""],
                       to: (root as NSString).appendingPathComponent("command.dict"))
        return (envelopes.count, commandSeeds.count)
    }

    /// The object keys anywhere in a JSON tree.
    static func keys(_ node: Any) -> [String] {
        if let object = node as? [String: Any] { return object.keys.sorted() + object.values.flatMap(keys) }
        if let array = node as? [Any] { return array.flatMap(keys) }
        return []
    }

    /// Writes a libFuzzer dictionary: one quoted token a line.
    static func dictionary(_ tokens: [String], to path: String) throws {
        let lines = tokens.map { token in
            "\"" + token.utf8.map { byte in
                byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte > 0x7E
                    ? String(format: "\\x%02X", byte) : String(UnicodeScalar(byte))
            }.joined() + "\""
        }
        try Data(("# Made by fuzz-envelope --write-seeds (Sources/FuzzHarness/FuzzSeeds.swift).\n" + lines.joined(separator: "\n") + "\n").utf8)
            .write(to: URL(fileURLWithPath: path))
    }

    static func replaceSeeds(in directory: String, with files: [(name: String, bytes: [UInt8])]) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for old in try manager.contentsOfDirectory(atPath: directory) where old.hasPrefix("seed-") {
            try manager.removeItem(atPath: (directory as NSString).appendingPathComponent(old))
        }
        for (name, bytes) in files {
            try Data(bytes).write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent(name)))
        }
    }
}
