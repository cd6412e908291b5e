import ArgumentParser
import BulkheadCore
import EventLog
import Foundation

extension Bulkhead {
    /// `bulkhead stats [--tenant T]`.
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Events, streams and sizes per tenant (all tenants without --tenant).",
            discussion: "Example: bulkhead stats --format csv")

        @OptionGroup var data: DataOptions
        @OptionGroup var tenant: TenantOptions
        @OptionGroup var output: FormatOptions

        struct Row: Encodable {
            let slug: String
            let tenant: String
            let events: Int
            let streams: Int
            let fileBytes: Int
            let usedBytes: Int
            let mapBytes: Int
        }

        func run() throws {
            let directory = try data.open()
            let tenants = tenant.tenant == nil ? try CLIFailure.wrap { try directory.catalog.allTenants() } : [try tenant.resolve(directory)]
            let rows = try tenants.map { record in
                try CLIFailure.wrap { () throws -> Row in
                    let partition = try directory.partition(for: record.id)
                    let counts = try partition.read { try $0.counts() }
                    let file = directory.directory(of: record.id) + "/data.mdb"
                    let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
                    return Row(slug: record.slug, tenant: record.id.description, events: counts.events, streams: counts.streams,
                               fileBytes: size ?? 0, usedBytes: partition.environment.usedBytes, mapBytes: partition.environment.mapSize)
                }
            }
            try Output.write(rows, format: output.format, columns: ["tenant", "id", "events", "streams", "file", "used", "map"]) { r in
                [r.slug, r.tenant, String(r.events), String(r.streams), bytes(r.fileBytes), bytes(r.usedBytes), bytes(r.mapBytes)]
            }
        }

        func bytes(_ n: Int) -> String {
            n >= 1 << 20 ? String(format: "%.1f MiB", Double(n) / 1_048_576) : String(format: "%.1f KiB", Double(n) / 1024)
        }
    }
}
