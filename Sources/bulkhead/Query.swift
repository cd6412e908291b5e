import ArgumentParser
import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections

/// Options of every query: data, tenant, format, and --as-of. They may come before the query's
/// name (`bulkhead query --tenant T projects`) or after it (`bulkhead query projects --tenant T`).
struct QueryOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The data directory.", discussion: "Defaults to $BULKHEAD_DATA, then ./bulkhead-data.", valueName: "dir"))
    var data: String?
    @Option(name: .long, help: ArgumentHelp("The tenant: its UUID or its slug (required; there is no default tenant).", valueName: "tenant"))
    var tenant: String?
    @Option(name: .long, help: "Output format: table (for people), json, jsonl or csv (for scripts).")
    var format: OutputFormat?
    @Option(name: .customLong("as-of"), help: "Compute the answer as of a log position (a number) or an ISO 8601 time, from the log, without touching the stored projections.")
    var asOf: String?

    func validate() throws {
        if let asOf, UInt64(asOf) == nil, Timestamp.parse(asOf) == nil {
            throw ValidationError("--as-of '\(asOf)' is neither a position nor an ISO 8601 time")
        }
    }
}

/// A query's options after merging the query's own with those given before its name.
struct ResolvedQuery {
    let data: DataOptions
    let tenant: TenantOptions
    let format: OutputFormat
    let asOf: String?

    init(_ own: QueryOptions, parent: QueryOptions) {
        var data = DataOptions()
        data.data = own.data ?? parent.data
        var tenant = TenantOptions()
        tenant.tenant = own.tenant ?? parent.tenant
        self.data = data
        self.tenant = tenant
        format = own.format ?? parent.format ?? .table
        asOf = own.asOf ?? parent.asOf
    }

    /// Runs `body` over the live projections, or over projections computed as of --as-of.
    func view<R>(_ body: (TenantView) throws -> R) throws -> R {
        let directory = try data.open()
        let record = try tenant.resolve(directory)
        return try CLIFailure.wrap {
            let store = try stores(directory).store(for: record.id)
            guard let asOf else { return try store.read(body) }
            if let position = UInt64(asOf) { return try store.asOf(position: position, body) }
            return try store.asOf(time: Timestamp.parse(asOf), body)
        }
    }
}

/// A query subcommand: its own options merged with the `query` command's.
protocol QuerySubcommand: ParsableCommand {
    var own: QueryOptions { get }
    var parent: Bulkhead.Query { get }
}

extension QuerySubcommand {
    var options: ResolvedQuery { ResolvedQuery(own, parent: parent.shared) }
}

/// Parses a UUID argument or fails with a usage error naming it.
func uuidArgument(_ text: String, _ what: String) throws -> UUID {
    guard let id = UUID(uuidString: text) else { throw ValidationError("\(what) '\(text)' is not a UUID") }
    return id
}

extension Bulkhead {
    /// `bulkhead query --tenant T ...`: the tenant's projections.
    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Query a tenant's projections.",
            discussion: "Example: bulkhead query --tenant berko-tnf hall-of-fame --as-of 2025-06-30T00:00:00Z",
            subcommands: [Projects.self, Project.self, NoteContext.self, Syncs.self, Runs.self, MatchReports.self,
                          SeasonTable.self, HallOfFame.self, Users.self, Config.self, APIKeys.self,
                          Seasons.self, Notes.self, Note.self, Posts.self, Post.self, Knowledge.self, Models.self])

        @OptionGroup var shared: QueryOptions

        struct Projects: QuerySubcommand {
            static let configuration = CommandConfiguration(abstract: "The tenant's projects.", discussion: "Example: bulkhead query --tenant codemcp-labs projects")
            @OptionGroup var own: QueryOptions
            @ParentCommand var parent: Query
            func run() throws {
                let projects = try options.view { try $0.projects() }
                try Output.write(projects, format: options.format, columns: ["id", "name", "repository", "scan path", "sources", "notes", "posts", "code", "memory", "workflow", "consolidation"]) { p in
                    [p.projectId.lowercased, p.name, p.githubRepository ?? "-", p.scanPath.isEmpty ? "/" : p.scanPath, String(p.sources.count), String(p.noteCount), String(p.blogPostCount),
                     String(p.knowledge.codePattern), String(p.knowledge.memoryEntry), String(p.knowledge.workflowInsight), String(p.knowledge.consolidationPattern)]
                }
            }
        }

        struct Project: QuerySubcommand {
            static let configuration = CommandConfiguration(abstract: "One project with its sources.", discussion: "Example: bulkhead query --tenant codemcp-labs project 019b8d2b-0000-7000-8000-000000000000")
            @OptionGroup var own: QueryOptions
            @ParentCommand var parent: Query
            @Argument(help: "The project's id.") var id: String
            func run() throws {
                let id = try uuidArgument(id, "project id")
                let p = try options.view { try $0.requireProject(id) }
                var pairs: [(String, String)] = [("id", p.projectId.lowercased), ("name", p.name), ("repository", p.githubRepository ?? "-"),
                                                 ("scan path", p.scanPath.isEmpty ? "/ (repository root)" : p.scanPath), ("created", "\(Timestamp.format(p.createdAt)) by \(p.createdBy)"),
                                                 ("notes", String(p.noteCount)), ("blog posts", String(p.blogPostCount))]
                for kind in KnowledgeKind.allCases { pairs.append((kind.rawValue, String(p.knowledge[kind]))) }
                for s in p.sources { pairs.append(("source", "\(s.repository) /\(s.path)")) }
                try Output.write(p, format: options.format, pairs: pairs)
            }
        }

        struct NoteContext: QuerySubcommand {
            static let configuration = CommandConfiguration(commandName: "note-context", abstract: "The enrichment context of a note: its project's knowledge of all four kinds.", discussion: "Example: bulkhead query --tenant codemcp-labs note-context 019b8d2b-0000-7000-8000-000000000000 --format json")
            @OptionGroup var own: QueryOptions
            @ParentCommand var parent: Query
            @Argument(help: "The note's id.") var id: String
            @Option(name: .customLong("limit-per-kind"),
                    help: ArgumentHelp(
                        "The newest entries of each kind to include: 1 to \(EnrichmentContext.maximumLimitPerKind).",
                        discussion: "Defaults to \(EnrichmentContext.defaultLimitPerKind).", valueName: "n"))
            var limitPerKind: Int?

            func validate() throws {
                if let limitPerKind, !(1...EnrichmentContext.maximumLimitPerKind).contains(limitPerKind) {
                    let maximum = EnrichmentContext.maximumLimitPerKind
                    throw ValidationError("--limit-per-kind must be 1 to \(maximum), got \(limitPerKind)")
                }
            }

            func run() throws {
                let id = try uuidArgument(id, "note id")
                let limit = limitPerKind
                let context = try options.view { try $0.enrichmentContext(note: id, limitPerKind: limit) }
                let rows = KnowledgeKind.allCases.flatMap { kind in
                    context.entries(kind).map { [kind.rawValue, $0.content] }
                }
                // Entries left out by the limit are said, never dropped silently.
                let leftOut = KnowledgeKind.allCases.filter { context.leftOut[$0] > 0 }
                    .map { "\(context.leftOut[$0]) older \($0.rawValue)" }
                let summary = leftOut.isEmpty
                    ? "all entries included (limit \(context.limitPerKind) per kind)"
                    : "left out by the limit of \(context.limitPerKind) per kind: \(leftOut.joined(separator: ", ")); "
                        + "see query knowledge \(context.project.projectId.lowercased) --kind K "
                        + "--offset \(context.limitPerKind)"
                switch options.format {
                case .json, .jsonl: try Output.write(context, format: options.format, pairs: [])
                // CSV is CSV here too (it was an aligned table, which a multi-line entry breaks).
                case .csv:
                    try Output.write(rows, format: options.format, columns: ["kind", "content"]) { $0 }
                    FileHandle.standardError.write(Data((summary + "\n").utf8))
                case .table:
                    try Output.write(rows, format: options.format, columns: ["kind", "content"]) { $0 }
                    Output.line(summary)
                }
            }
        }

        struct Syncs: QuerySubcommand {
            static let configuration = CommandConfiguration(abstract: "A project's sync chain; failed and orphaned syncs shown detached.", discussion: "Example: bulkhead query --tenant codemcp-labs syncs 019b8d2b-0000-7000-8000-000000000000")
            @OptionGroup var own: QueryOptions
            @ParentCommand var parent: Query
            @Argument(help: "The project's id.") var project: String
            func run() throws {
                let id = try uuidArgument(project, "project id")
                let chain = try options.view { try $0.syncChain(project: id) }
                let rows = chain.chain.map { ($0, "chain") } + chain.detached.map { ($0, "detached") }
                struct Row: Encodable { let sync: SyncRecord; let place: String }
                try Output.write(rows.map { Row(sync: $0.0, place: $0.1) }, format: options.format,
                                 columns: ["sync", "place", "status", "after", "started", "ended", "reason"]) { r in
                    [r.sync.syncId.lowercased, r.place, r.sync.status.rawValue, r.sync.previousSyncId?.lowercased ?? "-",
                     Timestamp.format(r.sync.startedAt), r.sync.endedAt.map(Timestamp.format) ?? "-", r.sync.reason ?? ""]
                }
            }
        }

        struct Runs: QuerySubcommand {
            static let configuration = CommandConfiguration(abstract: "A project's analysis runs and its active run.", discussion: "Example: bulkhead query --tenant codemcp-labs runs 019b8d2b-0000-7000-8000-000000000000")
            @OptionGroup var own: QueryOptions
            @ParentCommand var parent: Query
            @Argument(help: "The project's id.") var project: String
            func run() throws {
                let id = try uuidArgument(project, "project id")
                let history = try options.view { try $0.runs(project: id) }
                try Output.write(history.runs, format: options.format, columns: ["run", "trigger", "status", "started", "ended", "reason"]) { r in
                    [r.runId.lowercased, r.trigger.rawValue, r.status.rawValue, Timestamp.format(r.startedAt), r.endedAt.map(Timestamp.format) ?? "-", r.reason ?? ""]
                }
            }
        }

        struct MatchReports: QuerySubcommand {
            static let configuration = CommandConfiguration(commandName: "match-reports", abstract: "Aggregated match reports, in season order.", discussion: "Example: bulkhead query --tenant capo-fc match-reports --season 2025/26 --format csv")
            @OptionGroup var own: QueryOptions
            @ParentCommand var parent: Query
            @Option(help: "Only this season (by name).") var season: String?
            func run() throws {
                let reports = try options.view { try $0.matchReports(season: season) }
                try Output.write(reports, format: options.format, columns: ["#", "date", "season", "score", "winner", "diff", "heavy", "scorers"]) { r in
                    let scorers = r.players.filter { $0.goals > 0 }.map { "\($0.name) \($0.goals)" }.joined(separator: ", ")
                    return [String(r.matchNumber), r.date.description, r.seasonName, "\(r.teamA.name) \(r.teamA.score)-\(r.teamB.score) \(r.teamB.name)",
                            r.winner == "draw" ? "draw" : (r.winner == "A" ? r.teamA.name : r.teamB.name), String(r.goalDifference),
                            r.heavyWin.map { $0 ? "yes" : "no" } ?? "threshold not set", scorers]
                }
            }
        }

        struct SeasonTable: QuerySubcommand {
            static let configuration = CommandConfiguration(commandName: "season-table", abstract: "A season's table: players by points (3 a win, 1 a draw), then goals.", discussion: "Example: bulkhead query --tenant capo-fc season-table 2025/26")
            @OptionGroup var own: QueryOptions
            @ParentCommand var parent: Query
            @Argument(help: "The season's name.") var season: String
            func run() throws {
                let rows = try options.view { try $0.seasonTable(season) }
                try Output.write(rows, format: options.format, columns: ["player", "played", "won", "drawn", "lost", "goals", "points", "streak", "best win streak"]) { r in
                    let t = r.totals
                    return [r.name, String(t.appearances), String(t.wins), String(t.draws), String(t.losses), String(t.goals), String(t.points),
                            t.streakResult.map { "\($0) x\(t.streakLength)" } ?? "-", String(t.longestWinStreak)]
                }
            }
        }

        struct HallOfFame: QuerySubcommand {
            static let configuration = CommandConfiguration(commandName: "hall-of-fame", abstract: "The tenant's Hall of Fame: most goals in a match, longest win streaks, biggest wins.", discussion: "Example: bulkhead query --tenant berko-tnf hall-of-fame --as-of 2025-06-30T00:00:00Z")
            @OptionGroup var own: QueryOptions
            @ParentCommand var parent: Query
            func run() throws {
                let fame = try options.view { try $0.hallOfFame() }
                switch options.format {
                case .json, .jsonl: try Output.write(fame, format: options.format, pairs: [])
                case .table, .csv:
                    var rows: [[String]] = []
                    rows += fame.mostGoalsInMatch.map { ["most goals in a match", $0.name, "\($0.goals) goals on \($0.date)"] }
                    rows += fame.longestWinStreaks.map { ["longest win streak", $0.name, "\($0.length) wins in \($0.seasonName)"] }
                    rows += fame.biggestWins.map { ["biggest win", $0.score, "on \($0.date)"] }
                    if options.format == .csv {
                        Output.line("category,who,what")
                        for r in rows { Output.line(r.map(Output.csvField).joined(separator: ",")) }
                    } else {
                        Output.table(["category", "who", "what"], rows)
                    }
                }
            }
        }

        struct Users: QuerySubcommand {
            static let configuration = CommandConfiguration(abstract: "The tenant's user accounts.", discussion: "Example: bulkhead query --tenant codemcp-labs users")
            @OptionGroup var own: QueryOptions
            @ParentCommand var parent: Query
            func run() throws {
                let users = try options.view { try $0.users() }
                try Output.write(users, format: options.format, columns: ["id", "email", "name", "added"]) {
                    [$0.userId.lowercased, $0.email, $0.displayName, Timestamp.format($0.addedAt)]
                }
            }
        }

        struct Config: QuerySubcommand {
            static let configuration = CommandConfiguration(abstract: "The tenant's configuration values and model preferences (no defaults: unset keys are listed as unset).", discussion: "Example: bulkhead query --tenant capo-fc config")
            @OptionGroup var own: QueryOptions
            @ParentCommand var parent: Query
            func run() throws {
                // One document for JSON, the same as `GET /v1/config`: typed values, null when unset.
                let document = try options.view { try $0.configDocument() }
                switch options.format {
                case .json, .jsonl: try Output.write(document, format: options.format, pairs: [])
                case .table, .csv:
                    var rows = document.values.map { [$0.key.rawValue, $0.value?.description ?? "(unset)"] }
                    rows += document.modelPreferences.map {
                        ["model.\($0.feature.rawValue)", "\($0.provider)/\($0.model)"]
                    }
                    try Output.write(rows, format: options.format, columns: ["key", "value"]) { $0 }
                }
            }
        }

        struct APIKeys: QuerySubcommand {
            static let configuration = CommandConfiguration(commandName: "api-keys", abstract: "The tenant's API keys (ids and hashes only).", discussion: "Example: bulkhead query --tenant codemcp-labs api-keys")
            @OptionGroup var own: QueryOptions
            @ParentCommand var parent: Query
            func run() throws {
                let keys = try options.view { try $0.apiKeys() }
                try Output.write(keys, format: options.format, columns: ["key id", "label", "issued", "revoked"]) {
                    [$0.keyId.lowercased, $0.label, Timestamp.format($0.issuedAt), $0.revokedAt.map(Timestamp.format) ?? "-"]
                }
            }
        }
    }
}
