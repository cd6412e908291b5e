import ArgumentParser
import BulkheadCore
import Domain
import EventLog
import Foundation

extension Bulkhead {
    /// `bulkhead tenant create|list`.
    struct TenantCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tenant",
            abstract: "Register tenants and list them.",
            subcommands: [Create.self, List.self])

        /// `bulkhead tenant create SLUG --name NAME`.
        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Register a tenant and create its partition; prints the new tenant's id.",
                discussion: "Example: bulkhead tenant create berko-tnf --name \"Berko TNF\"")

            @OptionGroup var data: DataOptions
            @Argument(help: "A unique slug: 2 to 63 characters of a-z, 0-9 and '-'.") var slug: String
            @Option(help: "The display name.") var name: String
            @OptionGroup var output: FormatOptions

            func run() throws {
                // Refused before the data directory is created: a bad slug leaves nothing behind.
                try CLIFailure.wrap {
                    try Catalog.validate(slug: slug)
                    try Catalog.validate(name: name)
                }
                let directory = try data.open(create: true)
                let record = try CLIFailure.wrap { try directory.createTenant(slug: slug, name: name, id: .random(), at: Date()) }
                switch output.format {
                case .table, .csv: Output.line(record.id.description)
                case .json, .jsonl: try Output.write(record, format: output.format, pairs: [])
                }
            }
        }

        /// `bulkhead tenant list`.
        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the registered tenants.",
                discussion: "Example: bulkhead tenant list --format json")

            @OptionGroup var data: DataOptions
            @OptionGroup var output: FormatOptions

            func run() throws {
                let directory = try data.open()
                let tenants = try CLIFailure.wrap { try directory.catalog.allTenants() }
                try Output.write(tenants, format: output.format, columns: ["slug", "id", "name", "created"]) {
                    [$0.slug, $0.id.description, $0.name, Timestamp.format($0.createdAt)]
                }
            }
        }
    }
}
