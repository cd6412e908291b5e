import ArgumentParser
import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections

extension Bulkhead {
    /// `bulkhead tenant create|list|add-owner`.
    struct TenantCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tenant",
            abstract: "Register tenants, list them, and give a tenant without users its first user.",
            subcommands: [Create.self, List.self, AddOwner.self])

        /// The tenant's first user.
        struct OwnerOptions: ParsableArguments {
            @Option(help: ArgumentHelp(
                "The e-mail address of the tenant's first user (required: every command's actor must be a user).",
                valueName: "email"))
            var owner: String?
            @Option(
                name: .customLong("owner-name"), help: "The name shown for the owner (defaults to the e-mail address).")
            var ownerName: String?

            /// The owner's address and name, checked.
            func checked() throws -> (email: String, displayName: String) {
                guard let owner else {
                    throw CLIFailure(
                        .invalid, code: "invalid",
                        message: "no owner given: pass --owner with the e-mail address of the tenant's first user "
                            + "(every command's actor must be a user of the tenant)",
                        field: "--owner")
                }
                let displayName = ownerName ?? owner
                try CLIFailure.wrap { try Domain.AddOwner.checkFields(email: owner, displayName: displayName) }
                return (owner, displayName)
            }
        }

        /// `bulkhead tenant create SLUG --name NAME --owner EMAIL`.
        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Register a tenant with its first user and create its partition; prints the new tenant's id.",
                discussion: """
                    The owner is added as the tenant's first user (recorded under the actor system:tenant-setup); \
                    every command's actor must be a user of the tenant, and the owner adds the others \
                    with tenant.addUser.

                    Example: bulkhead tenant create berko-tnf --name "Berko TNF" --owner ana@berko.example \
                    --owner-name Ana
                    """)

            @OptionGroup var data: DataOptions
            @Argument(help: "A unique slug: 2 to 63 characters of a-z, 0-9 and '-'.") var slug: String
            @Option(help: "The display name.") var name: String
            @OptionGroup var owner: OwnerOptions
            @OptionGroup var output: FormatOptions

            func run() throws {
                // Refused before the data directory is created: a bad slug leaves nothing behind.
                try CLIFailure.wrap {
                    try Catalog.validate(slug: slug)
                    try Catalog.validate(name: name)
                }
                let first = try owner.checked()
                let directory = try data.open(create: true)
                let record = try CLIFailure.wrap {
                    try engine(directory).createTenant(
                        slug: slug, name: name, owner: first.email, ownerName: first.displayName, at: Date()).record
                }
                switch output.format {
                case .table, .csv: Output.line(record.id.description)
                case .json, .jsonl: try Output.write(record, format: output.format, pairs: [])
                }
            }
        }

        /// `bulkhead tenant add-owner --tenant T --owner EMAIL`.
        struct AddOwner: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "add-owner",
                abstract: "Add the first user of a tenant that has none (one created before owners existed).",
                discussion: """
                    Refused once the tenant has a user: from then on users add users with tenant.addUser.

                    Example: bulkhead tenant add-owner --tenant berko-tnf --owner ana@berko.example --owner-name Ana
                    """)

            @OptionGroup var data: DataOptions
            @OptionGroup var tenant: TenantOptions
            @OptionGroup var owner: OwnerOptions

            func run() throws {
                let first = try owner.checked()
                let directory = try data.open()
                let record = try tenant.resolve(directory)
                let outcome = try CLIFailure.wrap {
                    try engine(directory).addOwner(
                        tenant: record.id, email: first.email, displayName: first.displayName)
                }
                let position = outcome.positions.map { " at position \($0.lowerBound)" } ?? ""
                Output.line("added \(first.email) as the first user of \(record.slug)\(position)")
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
