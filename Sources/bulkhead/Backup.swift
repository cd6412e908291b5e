import ArgumentParser
import BulkheadCore
import EventLog
import Foundation
import Projections

extension Bulkhead {
    /// `bulkhead backup --tenant T DIR`.
    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a compacting copy of a tenant's environment and a manifest into DIR.",
            discussion: "Example: bulkhead backup --tenant capo-fc /backups/capo-fc-2026-11-22")

        @OptionGroup var data: DataOptions
        @OptionGroup var tenant: TenantOptions
        @Argument(help: "The destination directory (missing or empty).") var destination: String

        func run() throws {
            let directory = try data.open()
            let record = try tenant.resolve(directory)
            let manifest = try CLIFailure.wrap { try directory.backup(tenant: record.id, to: destination, at: Date()) }
            Output.line("backed up \(manifest.slug) (\(manifest.tenantId)) up to position \(manifest.headPosition) into \(destination)")
        }
    }

    /// `bulkhead restore DIR`.
    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore a tenant from a backup directory, then verify its hash chain.",
            discussion: "Example: bulkhead restore --data ./restored /backups/capo-fc-2026-11-22")

        @OptionGroup var data: DataOptions
        @Argument(help: "The backup directory.") var source: String
        @Flag(help: "Overwrite the tenant's existing partition.") var replace = false

        func run() throws {
            let directory = try data.open(create: true)
            let manifest = try CLIFailure.wrap {
                try engine(directory).restore(from: source, replace: replace, at: Date())
            }
            let report = try CLIFailure.wrap { try directory.partition(for: manifest.tenantId).verify() }
            Output.line("restored \(manifest.slug) (\(manifest.tenantId)): \(report)")
            if !report.isOK { throw ExitCode(4) }
        }
    }
}
