import ArgumentParser
import BulkheadCore
import EventLog
import Foundation
import Projections

extension Bulkhead {
    /// `bulkhead verify [--tenant T | --all-tenants]`.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify hash chains, projection consistency and staleness; exit 4 on any failure.",
            discussion: "Example: bulkhead verify --all-tenants")

        @OptionGroup var data: DataOptions
        @OptionGroup var tenant: TenantOptions
        @Flag(name: .customLong("all-tenants"), help: "Verify every tenant.") var allTenants = false
        @OptionGroup var output: FormatOptions

        func validate() throws {
            if allTenants && tenant.tenant != nil { throw ValidationError("give --tenant T or --all-tenants, not both") }
            if !allTenants && tenant.tenant == nil { throw ValidationError("give --tenant T or --all-tenants (there is no default tenant)") }
        }

        struct Result: Encodable {
            let tenant: String
            let slug: String
            let ok: Bool
            let chain: String
            let events: UInt64?
            let brokenAt: UInt64?
            let headHash: String?
            let drift: Int
            let stale: [String]
        }

        func run() throws {
            let directory = try data.open()
            let tenants = allTenants ? try CLIFailure.wrap { try directory.catalog.allTenants() } : [try tenant.resolve(directory)]
            let engine = engine(directory)
            var results: [Result] = []
            for record in tenants {
                let result = try CLIFailure.wrap { () throws -> Result in
                    let partition = try directory.partition(for: record.id)
                    let head = try partition.head().position
                    let progress = Progress(label: "verify \(record.slug)")
                    let report = try partition.verify { progress.update($0, of: head) }
                    progress.finish()
                    switch report {
                    case .broken(_, let position, let reason):
                        return Result(tenant: record.id.description, slug: record.slug, ok: false, chain: reason, events: nil, brokenAt: position, headHash: nil, drift: 0, stale: [])
                    case .ok(_, let events, let hash):
                        let drift = try engine.check(tenant: record.id, differenceLimit: 0).count
                        let stale = try engine.status(tenant: record.id).filter { $0.state != "ok" }.map { "\($0.name) (\($0.state))" }
                        return Result(tenant: record.id.description, slug: record.slug, ok: drift == 0 && stale.isEmpty, chain: "ok",
                                      events: events, brokenAt: nil, headHash: hash.hexString, drift: drift, stale: stale)
                    }
                }
                results.append(result)
            }
            try Output.write(results, format: output.format, columns: ["tenant", "id", "result", "detail"]) { r in
                let detail: String
                if let at = r.brokenAt {
                    detail = "hash chain broken at position \(at): \(r.chain)"
                } else {
                    var parts = ["\(r.events ?? 0) events, head \(String((r.headHash ?? "").prefix(16)))"]
                    if r.drift > 0 { parts.append("\(r.drift) projection entries differ from a rebuild") }
                    if !r.stale.isEmpty { parts.append("stale: \(r.stale.joined(separator: ", "))") }
                    detail = parts.joined(separator: "; ")
                }
                return [r.slug, r.tenant, r.ok ? "OK" : "FAILED", detail]
            }
            if results.contains(where: { !$0.ok }) { throw ExitCode(4) }
        }
    }
}
