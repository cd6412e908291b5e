import BulkheadCore
import Crypto
import Domain
import EventLog
import Foundation
import Projections

/// `bulkhead demo`: fills a data directory with realistic tenants and tours what Bulkhead does.
///
/// A code-intelligence tenant (two e-mail aliases of one person, projects with sources, syncs with
/// one orphaned, analysis runs with a duplicate request skipped, notes and all four knowledge
/// kinds) and two football clubs with their own team names, heavy-win thresholds, seasons and a
/// few hundred matches. Then an audit replay, queries, a rebuild of one club's match reports with
/// the other club's file hashes before and after, and a verify of every tenant.
public struct DemoScenario {
    /// Where the tour is printed.
    public let out: (String) -> Void
    let data: DataDirectory
    let clock: ManualClock
    let engine: TenantEngine
    /// The key the tour signs checkpoints with, or `nil`: then nothing is signed, and it says so.
    let signingKey: SigningKey?

    /// The demo's tenants: slug, display name.
    public static let tenants = [
        ("codemcp-labs", "CodeMCP Labs", "oliver.baer@codemcp.example", "Oliver Baer"),
        ("berko-tnf", "Berko TNF", "organiser@berko-tnf.example", "Berko organiser"),
        ("capo-fc", "Capo FC", "organiser@capo-fc.example", "Capo organiser"),
    ]

    /// Creates the demo over `data`; with `signingKey`, the tour signs a checkpoint of every tenant
    /// and proves one event against it.
    public init(data: DataDirectory, signingKey: SigningKey? = nil, out: @escaping (String) -> Void) {
        self.data = data
        self.signingKey = signingKey
        self.out = out
        clock = ManualClock(Date(timeIntervalSince1970: 1_767_600_000))  // 2026-01-05
        engine = TenantEngine(data: data, clock: clock)
    }

    /// Generates the data (unless the demo tenants exist already) and prints the tour.
    public func run() throws {
        let existing = try data.catalog.allTenants().map(\.slug)
        if Self.tenants.allSatisfy({ existing.contains($0.0) }) {
            out("The demo tenants already exist in \(data.path); touring them again.\n")
        } else if !existing.isEmpty {
            throw DemoError.notEmpty(data.path, existing)
        } else {
            try generate()
        }
        try tour()
    }

    // MARK: - Data

    func generate() throws {
        out("Creating the demo data in \(data.path) ...")
        for (slug, name, owner, ownerName) in Self.tenants {
            try engine.createTenant(slug: slug, name: name, owner: owner, ownerName: ownerName, at: clock.now)
        }
        try codeIntelligence()
        try club("berko-tnf", teams: ("Bibs", "Non-Bibs"), threshold: 5,
                 seasons: [("2024", "2024-01-01", "2024-12-31"), ("2025", "2025-01-01", "2025-12-31")], matches: 140, seed: 7)
        try club("capo-fc", teams: ("Lions", "Tigers"), threshold: 3,
                 seasons: [("2024/25", "2024-08-01", "2025-05-31"), ("2025/26", "2025-08-01", "2026-05-31")], matches: 160, seed: 11)
        out("")
    }

    @discardableResult
    func run(_ slug: String, _ actor: String, _ command: any Command) throws -> CommandOutcome {
        try engine.execute(command, tenant: try data.resolveTenant(slug).id, actor: actor)
    }

    func codeIntelligence() throws {
        let t = "codemcp-labs"
        let oliver = "oliver.baer@codemcp.example", alias = "oliver.baer+ckbnyx@codemcp.example"
        try run(t, oliver, AddUser(email: alias, displayName: "Oliver Baer (import account)"))
        try run(t, oliver, SetModelPreference(feature: .enrichment, provider: "anthropic", model: "claude-sonnet-4-6"))
        try run(t, oliver, SetModelPreference(feature: .docsPipeline, provider: "openai", model: "gpt-4.1-mini"))
        let codemcp = try run(t, oliver, CreateProject(name: "CodeMCP", githubRepository: "codemcp/codemcp", scanPath: "")).ids["projectId"]
        let pipeline = try run(t, oliver, CreateProject(name: "Docs Pipeline", githubRepository: "codemcp/docs-pipeline", scanPath: "/packages/pipeline/")).ids["projectId"]
        guard let codemcp, let pipeline else { throw DemoError.missingID("projectId") }
        // The second account of the same person changes the first account's project: same tenant, allowed.
        try run(t, alias, ImportSource(projectId: codemcp, repository: "codemcp/codemcp", path: ""))
        try run(t, alias, ImportSource(projectId: codemcp, repository: "codemcp/memory", path: "entries"))
        try run(t, alias, UpdateProject(projectId: pipeline, name: "Docs Pipeline (v2)"))
        let kinds: [(KnowledgeKind, [String])] = [
            (.codePattern, ["Repositories wrap Prisma calls", "tRPC routers validate with zod", "Services never read ctx.user.id for ownership"]),
            (.memoryEntry, ["CodeMCP scans the whole repository (scan path root)", "Deploys pull from the remote: push first"]),
            (.workflowInsight, ["Guards check tenantId only", "Raw SQL is the escape hatch for batch relation updates"]),
            (.consolidationPattern, ["Duplicate analysis runs come from click + sync", "Orphaned syncs block the chain"]),
        ]
        for (kind, contents) in kinds {
            for content in contents { try run(t, oliver, RecordKnowledge(projectId: codemcp, kind: kind, content: content)) }
        }
        try run(t, oliver, CreateNote(projectId: codemcp, title: "Enrichment gap", body: "Enrichment loaded only consolidation patterns."))
        clock.advance(by: 60)
        try run(t, alias, CreateNote(projectId: codemcp, title: "Guard audit", body: "Guards filter by tenant."))
        clock.advance(by: 60)
        try run(t, oliver, CreateNote(projectId: codemcp, title: "Sync chain", body: "Orphans block nothing."))
        try run(t, alias, PublishBlogPost(projectId: codemcp, title: "Debugging the fabric", body: "A multi-tenant odyssey."))
        clock.advance(by: 60)
        try run(t, oliver, PublishBlogPost(projectId: codemcp, title: "Loud failures", body: "Wrong data is worse."))
        // Syncs: one completes, the next dies mid-way and is orphaned by the following start.
        let first = try run(t, oliver, StartSync(projectId: codemcp)).ids["syncId"]
        clock.advance(by: 60)
        if let first { try run(t, oliver, CompleteSync(syncId: first)) }
        try run(t, oliver, StartSync(projectId: codemcp))
        clock.advance(by: 11 * 60)
        let third = try run(t, oliver, StartSync(projectId: codemcp)).ids["syncId"]
        clock.advance(by: 90)
        if let third { try run(t, oliver, CompleteSync(syncId: third)) }
        // Analysis: a manual run and, seconds later, the sync's duplicate request: skipped.
        let runId = try run(t, oliver, RequestAnalysis(projectId: codemcp, trigger: .manual)).ids["runId"]
        clock.advance(by: 5)
        try run(t, oliver, RequestAnalysis(projectId: codemcp, trigger: .projectSync))
        clock.advance(by: 120)
        if let runId { try run(t, oliver, CompleteAnalysis(runId: runId)) }
        clock.advance(by: 4 * 60)
        // A run and a sync of the pipeline that never finish: the tour's maintenance pass finds them.
        try run(t, oliver, RequestAnalysis(projectId: pipeline, trigger: .manual))
        try run(t, oliver, StartSync(projectId: pipeline))
    }

    func club(_ slug: String, teams: (String, String), threshold: Int, seasons: [(String, String, String)], matches: Int, seed: UInt64) throws {
        let organiser = "organiser@\(slug).example"
        try run(slug, organiser, SetConfig(key: .teamAName, value: .text(teams.0)))
        try run(slug, organiser, SetConfig(key: .teamBName, value: .text(teams.1)))
        try run(slug, organiser, SetConfig(key: .heavyWinThreshold, value: .integer(threshold)))
        var seasonRanges: [(LocalDate, LocalDate)] = []
        for (name, start, end) in seasons {
            guard let s = LocalDate(start), let e = LocalDate(end) else { throw DemoError.missingID("season dates") }
            try run(slug, organiser, DefineSeason(name: name, startDate: s, endDate: e))
            seasonRanges.append((s, e))
        }
        let names = ["Ana", "Ben", "Caro", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo", "Kai", "Lena", "Milo", "Nia", "Otto", "Pia", "Quin", "Rui"]
        var players: [UUID] = []
        for name in names {
            if let id = try run(slug, organiser, RegisterPlayer(name: "\(name) \(slug.prefix(1).uppercased())")).ids["playerId"] { players.append(id) }
        }
        var rng = SplitMix64(seed: seed)
        for i in 0..<matches {
            let (start, end) = seasonRanges[i * seasonRanges.count / matches]
            let span = max(1, daysBetween(start, end))
            let date = addDays(start, Int(rng.next() % UInt64(span)))
            let shuffled = players.shuffled(using: &rng)
            let size = 5 + Int(rng.next() % 3)
            let teamA = Array(shuffled[0..<size]), teamB = Array(shuffled[size..<(2 * size)])
            let scoreA = Int(rng.next() % 9), scoreB = Int(rng.next() % 7)
            var goals: [UUID: Int] = [:]
            for _ in 0..<scoreA { goals[teamA[Int(rng.next() % UInt64(teamA.count))], default: 0] += 1 }
            for _ in 0..<scoreB { goals[teamB[Int(rng.next() % UInt64(teamB.count))], default: 0] += 1 }
            try run(slug, organiser, RecordMatch(
                date: date, teamA: TeamInput(players: teamA, score: scoreA), teamB: TeamInput(players: teamB, score: scoreB),
                goals: goals.sorted { $0.key.uuidString < $1.key.uuidString }.map { GoalTally(playerId: $0.key, goals: $0.value) }))
            clock.advance(by: 30)
        }
    }

    // MARK: - Tour

    func tour() throws {
        out("== Tenants (one LMDB environment each, in a directory named by the tenant's UUID)")
        for tenant in try data.catalog.allTenants() {
            let counts = try data.partition(for: tenant.id).read { try $0.counts() }
            out("  \(tenant.slug.padding(toLength: 14, withPad: " ", startingAt: 0)) \(tenant.id)  \(counts.events) events, \(counts.streams) streams")
        }
        let labs = try data.resolveTenant("codemcp-labs").id
        out("\n== Audit replay of codemcp-labs (first 12 of its events)")
        try data.partition(for: labs).read { log in
            try log.scan(from: 1, limit: 12) { e in
                out("  #\(String(e.position).padding(toLength: 3, withPad: " ", startingAt: 0)) \(Timestamp.format(e.recordedAt))  \(e.type.padding(toLength: 26, withPad: " ", startingAt: 0)) \(e.actor)")
                return true
            }
        }
        try engine.read(tenant: labs) { view in
            out("\n== Projects of codemcp-labs (knowledge counts: code patterns / memory entries / workflow insights / consolidation patterns)")
            for p in try view.projects() {
                let k = p.knowledge
                out("  \(p.name.padding(toLength: 20, withPad: " ", startingAt: 0)) repo \(p.githubRepository ?? "-")  scan path '\(p.scanPath)'  sources \(p.sources.count)  notes \(p.noteCount)  posts \(p.blogPostCount)  knowledge \(k.codePattern)/\(k.memoryEntry)/\(k.workflowInsight)/\(k.consolidationPattern)")
            }
            guard let codemcp = try view.projects().first(where: { $0.name == "CodeMCP" }) else { return }
            let chain = try view.syncChain(project: codemcp.projectId)
            out("\n== Sync chain of CodeMCP")
            for s in chain.chain { out("  \(s.syncId.lowercased.prefix(8))  \(s.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) after \(s.previousSyncId.map { String($0.lowercased.prefix(8)) } ?? "(first)")") }
            for s in chain.detached { out("  \(s.syncId.lowercased.prefix(8))  \(s.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) detached: \(s.reason ?? "")") }
            out("\n== Analysis runs of CodeMCP (the duplicate request from the sync was skipped, nothing appended)")
            for r in try view.runs(project: codemcp.projectId).runs {
                out("  \(r.runId.lowercased.prefix(8))  \(r.trigger.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(r.status.rawValue)")
            }
            try tourNotesAndPosts(view, project: codemcp)
            if let note = try view.notes(project: codemcp.projectId).first {
                let context = try view.enrichmentContext(note: note.noteId, limitPerKind: 2)
                out("\n== Enrichment context of the note '\(note.title)': all four kinds, the newest 2 of each")
                for kind in KnowledgeKind.allCases {
                    let name = kind.rawValue.padding(toLength: 21, withPad: " ", startingAt: 0)
                    let count = context.entries(kind).count
                    out("  \(name) \(count) entries, \(context.leftOut[kind]) older left out (said, not silent)")
                }
            }
            try tourModels(view)
        }
        for slug in ["berko-tnf", "capo-fc"] {
            let id = try data.resolveTenant(slug).id
            try engine.read(tenant: id) { view in
                let config = try view.configuration().map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: ", ")
                out("\n== \(slug): \(config)")
                let seasons = try view.seasons()
                let picker = try view.seasonSummaries().map {
                    "\($0.name) (\($0.startDate)...\($0.endDate), \($0.matchCount) matches)"
                }
                out("  seasons (the year picker, from data): \(picker.joined(separator: ", "))")
                guard let last = seasons.last else { return }
                let reports = try view.matchReports(season: last.name)
                let heavy = reports.filter { $0.heavyWin == true }.count
                out("  season \(last.name): \(reports.count) matches, \(heavy) heavy wins (difference >= threshold)")
                out("  top of the \(last.name) table:")
                for row in try view.seasonTable(last.name).prefix(3) {
                    out("    \(row.name.padding(toLength: 8, withPad: " ", startingAt: 0)) \(row.totals.points) pts  W\(row.totals.wins) D\(row.totals.draws) L\(row.totals.losses)  \(row.totals.goals) goals")
                }
                let fame = try view.hallOfFame()
                if let best = fame.mostGoalsInMatch.first { out("  Hall of Fame: most goals in a match: \(best.name), \(best.goals) on \(best.date)") }
                if let win = fame.biggestWins.first { out("  Hall of Fame: biggest win: \(win.score) on \(win.date)") }
            }
        }
        let capo = try data.resolveTenant("capo-fc").id, berko = try data.resolveTenant("berko-tnf").id
        out("\n== Rebuild of capo-fc's match reports; berko-tnf's files are hashed before and after")
        let before = try fileHashes(berko)
        let report = try engine.rebuild(tenant: capo, projections: ["matches"], dryRun: false)
        let after = try fileHashes(berko)
        out("  rebuilt \(report.projections.joined(separator: ", ")) of capo-fc from \(report.events) events; \(report.differenceCount) differences from the live generation")
        for (file, hash) in before.sorted(by: { $0.key < $1.key }) {
            out("  berko-tnf \(file): before \(hash.prefix(16))  after \((after[file] ?? "missing").prefix(16))  \(after[file] == hash ? "identical" : "CHANGED")")
        }
        try tourMaintenance()
        try tourSignedAudit()
        out("\n== Verify")
        for tenant in try data.catalog.allTenants() {
            out("  \(try data.partition(for: tenant.id).verify())")
            let stale = try engine.status(tenant: tenant.id).filter { $0.state != "ok" }
            out("  projections: \(stale.isEmpty ? "all current" : stale.map { "\($0.name) \($0.state)" }.joined(separator: ", "))")
        }
        out("\nNext: bulkhead tenant list, bulkhead replay --tenant capo-fc --format jsonl, bulkhead query --tenant berko-tnf hall-of-fame")
    }

    /// A project's notes and posts, as their lists show them (first page).
    func tourNotesAndPosts(_ view: TenantView, project: ProjectRecord) throws {
        let page = try PageRequest(limit: 2, offset: 0)
        let notes = try view.notes(project: project.projectId, page: page)
        out("\n== Notes of \(project.name), a page of 2 (query notes PROJECT --limit 2)")
        for note in notes.items { out("  \(Timestamp.format(note.createdAt))  \(note.title)") }
        out("  " + notes.summary { "--offset \($0)" })
        let posts = try view.posts(project: project.projectId, page: .first)
        out("\n== Blog posts of \(project.name) (query posts PROJECT; one in full with query post POST)")
        for post in posts.items { out("  \(Timestamp.format(post.publishedAt))  \(post.title)") }
        if let first = posts.items.first {
            let post = try view.requirePost(first.postId)
            out("  '\(post.title)': \(post.body)")
        }
    }

    /// Each feature's model: the tenant's preference or the catalog's default, and which.
    func tourModels(_ view: TenantView) throws {
        out("\n== Models of codemcp-labs (query models): the tenant's preference, or the catalog's default")
        for effective in try view.models().features {
            let feature = effective.feature.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
            let model = "\(effective.provider)/\(effective.model)".padding(toLength: 28, withPad: " ", startingAt: 0)
            out("  \(feature) \(model) \(effective.source.rawValue)")
        }
    }

    /// Moves the demo's clock past the stuck run and sync and runs one maintenance pass per
    /// tenant, as `bulkhead serve` does on its schedule.
    func tourMaintenance() throws {
        clock.advance(by: 15 * 60)
        out("\n== Maintenance, 15 minutes later (engine.maintain: runs active and syncs running for over 10 minutes)")
        for tenant in try data.catalog.allTenants() {
            let report = try engine.maintain(tenant: tenant.id)
            let slug = tenant.slug.padding(toLength: 14, withPad: " ", startingAt: 0)
            guard report.changed else {
                out("  \(slug) nothing due")
                continue
            }
            let runs = report.expiredRuns.map { String($0.lowercased.prefix(8)) }.joined(separator: ", ")
            let syncs = report.orphanedSyncs.map { String($0.lowercased.prefix(8)) }.joined(separator: ", ")
            out("  \(slug) expired runs [\(runs)], orphaned syncs [\(syncs)] as \(SystemActor.maintenance.rawValue)")
        }
    }

    /// Signs a checkpoint of every tenant's head (its Merkle root too) and proves one event of
    /// capo-fc against it, as an auditor would receive it; without a key, says that nothing is signed.
    func tourSignedAudit() throws {
        guard let key = signingKey else {
            out("\n== Signed audit: nothing signed (run the demo with --signing-key FILE, made by "
                + "`bulkhead keys init FILE`, to see checkpoints and an inclusion proof)")
            return
        }
        out("\n== Signed audit with key \(key.keyID.hexString.prefix(16))... (publish its id; the key file stays "
            + "outside the data directory)")
        for tenant in try data.catalog.allTenants() {
            let partition = try data.partition(for: tenant.id)
            guard let checkpoint = try partition.checkpoint(with: key, at: clock.now) else { continue }
            let slug = tenant.slug.padding(toLength: 14, withPad: " ", startingAt: 0)
            out("  \(slug) checkpoint at position \(checkpoint.position): head \(checkpoint.headHash.hexString.prefix(16)), "
                + "Merkle root \((checkpoint.merkleRoot ?? []).hexString.prefix(16)), signed")
        }
        let capo = try data.partition(for: try data.resolveTenant("capo-fc").id)
        let position: UInt64 = 42
        let proof = try capo.inclusionProof(position: position)
        let event = try capo.read { try $0.event(at: position) }
        out("  capo-fc event \(position) (\(event?.type ?? "?")) proven against the checkpoint at \(proof.treeSize) with "
            + "\(proof.path.count) hashes: \(proof.isValid ? "valid" : "INVALID") "
            + "(bulkhead audit prove --tenant capo-fc --position \(position); Tools/verify-audit.py --proof FILE)")
    }

    /// SHA-256 of each data file of a tenant's partition directory.
    func fileHashes(_ tenant: TenantID) throws -> [String: String] {
        let dir = data.directory(of: tenant)
        var result: [String: String] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: dir) where file == "data.mdb" {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file))
            result[file] = Array(SHA256.hash(data: bytes)).hexString
        }
        return result
    }

    func daysBetween(_ a: LocalDate, _ b: LocalDate) -> Int {
        Int((date(b).timeIntervalSince(date(a)) / 86_400).rounded())
    }

    func addDays(_ d: LocalDate, _ n: Int) -> LocalDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let moved = date(d).addingTimeInterval(Double(n) * 86_400)
        let c = calendar.dateComponents([.year, .month, .day], from: moved)
        return LocalDate(year: c.year ?? d.year, month: c.month ?? d.month, day: c.day ?? d.day) ?? d
    }

    func date(_ d: LocalDate) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar.date(from: DateComponents(year: d.year, month: d.month, day: d.day)) ?? Date(timeIntervalSince1970: 0)
    }
}

/// Why the demo cannot run.
public enum DemoError: Error, ClassifiedError, CustomStringConvertible {
    /// The data directory holds other tenants.
    case notEmpty(String, [String])
    /// A command returned no id where one was expected.
    case missingID(String)

    /// One line.
    public var description: String {
        switch self {
        case .notEmpty(let path, let slugs):
            return "the data directory \(path) already holds other tenants (\(slugs.joined(separator: ", "))); run the demo with --data on a new directory"
        case .missingID(let what): return "the demo expected a \(what) and got none"
        }
    }

    /// A data directory holding other tenants is a `conflict` (code `refused`); a missing id is
    /// `internal`.
    public var failure: Failure {
        switch self {
        case .notEmpty: return Failure(.conflict, code: "refused", message: description)
        case .missingID: return Failure(.internal, code: "internal", message: description)
        }
    }
}
