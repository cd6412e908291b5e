import ArgumentParser
import BulkheadCore
import Domain
import Foundation
import Projections

/// `--limit` and `--offset` of the paginated queries.
struct PageOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Items per page: 1 to \(PageRequest.maximumLimit).",
            discussion: "Defaults to \(PageRequest.defaultLimit).", valueName: "n"))
    var limit: Int?
    @Option(help: ArgumentHelp("Items to skip (0 or more; the answer gives the next page's offset).", valueName: "n"))
    var offset: Int?

    func validate() throws {
        if let limit, !(1...PageRequest.maximumLimit).contains(limit) {
            throw ValidationError("--limit must be 1 to \(PageRequest.maximumLimit), got \(limit)")
        }
        if let offset, offset < 0 { throw ValidationError("--offset must be 0 or more, got \(offset)") }
    }

    /// The page asked for.
    func request() throws -> PageRequest { try CLIFailure.wrap { try PageRequest(limit: limit, offset: offset) } }
}

extension Output {
    /// Writes a page: json is the page object (items, total, limit, offset, nextOffset); jsonl and
    /// csv are the items alone, with the page's summary on stderr; a table is followed by it.
    static func write<T: Encodable>(page: Page<T>, format: OutputFormat, columns: [String], row: (T) -> [String]) throws
    {
        let summary = page.summary { "--offset \($0)" }
        switch format {
        case .json:
            line(String(decoding: try EventCatalog.jsonEncoder.encode(page), as: UTF8.self))
        case .jsonl, .csv:
            try write(page.items, format: format, columns: columns, row: row)
            FileHandle.standardError.write(Data((summary + "\n").utf8))
        case .table:
            try write(page.items, format: format, columns: columns, row: row)
            line(summary)
        }
    }
}

extension Bulkhead.Query {
    struct Seasons: QuerySubcommand {
        static let configuration = CommandConfiguration(
            abstract: "The tenant's seasons by start date, with their dates and match counts.",
            discussion: "Example: bulkhead query --tenant capo-fc seasons --format json")
        @OptionGroup var own: QueryOptions
        @ParentCommand var parent: Bulkhead.Query
        func run() throws {
            let seasons = try options.view { try $0.seasonSummaries() }
            try Output.write(seasons, format: options.format, columns: ["id", "name", "start", "end", "matches"]) {
                [
                    $0.seasonId.lowercased, $0.name, $0.startDate.description, $0.endDate.description,
                    String($0.matchCount),
                ]
            }
        }
    }

    struct Notes: QuerySubcommand {
        static let configuration = CommandConfiguration(
            abstract: "A project's notes, oldest first, a page at a time.",
            discussion:
                "Example: bulkhead query --tenant codemcp-labs notes 019b8d2b-0000-7000-8000-000000000000 --limit 20")
        @OptionGroup var own: QueryOptions
        @ParentCommand var parent: Bulkhead.Query
        @OptionGroup var page: PageOptions
        @Argument(help: "The project's id.") var project: String
        func run() throws {
            let id = try uuidArgument(project, "project id")
            let request = try page.request()
            let notes = try options.view { try $0.notes(project: id, page: request) }
            try Output.write(page: notes, format: options.format, columns: ["id", "title", "created"]) {
                [$0.noteId.lowercased, $0.title, Timestamp.format($0.createdAt)]
            }
        }
    }

    struct Note: QuerySubcommand {
        static let configuration = CommandConfiguration(
            abstract: "One note: its title, body and date.",
            discussion: "Example: bulkhead query --tenant codemcp-labs note 019b8d2b-0000-7000-8000-000000000000")
        @OptionGroup var own: QueryOptions
        @ParentCommand var parent: Bulkhead.Query
        @Argument(help: "The note's id.") var id: String
        func run() throws {
            let id = try uuidArgument(id, "note id")
            let note = try options.view { try $0.requireNote(id) }
            try Output.write(
                note, format: options.format,
                pairs: [
                    ("id", note.noteId.lowercased), ("project", note.projectId.lowercased), ("title", note.title),
                    ("created", Timestamp.format(note.createdAt)), ("body", note.body),
                ])
        }
    }

    struct Posts: QuerySubcommand {
        static let configuration = CommandConfiguration(
            abstract: "A project's blog posts (not deleted), oldest first, a page at a time.",
            discussion: "Example: bulkhead query --tenant codemcp-labs posts 019b8d2b-0000-7000-8000-000000000000")
        @OptionGroup var own: QueryOptions
        @ParentCommand var parent: Bulkhead.Query
        @OptionGroup var page: PageOptions
        @Argument(help: "The project's id.") var project: String
        func run() throws {
            let id = try uuidArgument(project, "project id")
            let request = try page.request()
            let posts = try options.view { try $0.posts(project: id, page: request) }
            try Output.write(page: posts, format: options.format, columns: ["id", "title", "published", "updated"]) {
                [$0.postId.lowercased, $0.title, Timestamp.format($0.publishedAt), Timestamp.format($0.updatedAt)]
            }
        }
    }

    struct Post: QuerySubcommand {
        static let configuration = CommandConfiguration(
            abstract: "One blog post: its title, body and dates.",
            discussion: "Example: bulkhead query --tenant codemcp-labs post 019b8d2b-0000-7000-8000-000000000000")
        @OptionGroup var own: QueryOptions
        @ParentCommand var parent: Bulkhead.Query
        @Argument(help: "The post's id.") var id: String
        func run() throws {
            let id = try uuidArgument(id, "post id")
            let post = try options.view { try $0.requirePost(id) }
            try Output.write(
                post, format: options.format,
                pairs: [
                    ("id", post.postId.lowercased), ("project", post.projectId.lowercased), ("title", post.title),
                    ("published", Timestamp.format(post.publishedAt)), ("updated", Timestamp.format(post.updatedAt)),
                    ("body", post.body),
                ])
        }
    }

    struct Knowledge: QuerySubcommand {
        static let configuration = CommandConfiguration(
            abstract: "A project's knowledge entries, of one kind or all, newest first, a page at a time.",
            discussion: """
                Kinds: \(KnowledgeKind.allCases.map(\.rawValue).joined(separator: ", ")).

                Example: bulkhead query --tenant codemcp-labs knowledge 019b8d2b-0000-7000-8000-000000000000 --kind \
                memoryEntry
                """)
        @OptionGroup var own: QueryOptions
        @ParentCommand var parent: Bulkhead.Query
        @OptionGroup var page: PageOptions
        @Option(help: "Only entries of this kind.") var kind: String?
        @Argument(help: "The project's id.") var project: String

        func validate() throws {
            if let kind, KnowledgeKind(rawValue: kind) == nil {
                let known = KnowledgeKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--kind '\(kind)' is not a knowledge kind; known: \(known)")
            }
        }

        func run() throws {
            let id = try uuidArgument(project, "project id")
            let request = try page.request()
            let selected: KnowledgeKind? = try CLIFailure.wrap {
                try kind.map { try KnowledgeKind(parameter: $0, field: "--kind") }
            }
            let entries = try options.view { try $0.knowledge(project: id, kind: selected, page: request) }
            try Output.write(page: entries, format: options.format, columns: ["id", "kind", "recorded", "content"]) {
                [$0.entryId.lowercased, $0.kind.rawValue, Timestamp.format($0.recordedAt), $0.content]
            }
        }
    }

    struct Models: QuerySubcommand {
        static let configuration = CommandConfiguration(
            abstract: "The model of each feature (the tenant's preference or the catalog's default) and the catalog.",
            discussion: "Example: bulkhead query --tenant codemcp-labs models")
        @OptionGroup var own: QueryOptions
        @ParentCommand var parent: Bulkhead.Query
        @Flag(help: "List the catalog's models instead of the features (table and csv).") var catalog = false
        func run() throws {
            let models = try options.view { try $0.models() }
            switch options.format {
            case .json, .jsonl: try Output.write(models, format: options.format, pairs: [])
            case .table, .csv:
                if catalog {
                    let defaults = models.catalog.featureDefaults
                    try Output.write(
                        models.catalog.models, format: options.format,
                        columns: ["provider", "model", "name", "fast", "default of"]
                    ) { m in
                        let of = defaults.filter { $0.provider == m.provider && $0.model == m.id }.map(
                            \.feature.rawValue)
                        return [m.provider, m.id, m.displayName, m.fast ? "yes" : "no", of.joined(separator: " ")]
                    }
                } else {
                    try Output.write(
                        models.features, format: options.format,
                        columns: ["feature", "provider", "model", "name", "source"]
                    ) {
                        [
                            $0.feature.rawValue, $0.provider, $0.model, $0.displayName ?? "(not in the catalog)",
                            $0.source.rawValue,
                        ]
                    }
                }
            }
        }
    }
}
