import BulkheadCore
import Dispatch
import Foundation
import HTTPTypes
import Hummingbird
import Projections

/// `POST /v1/projections/rebuild`: rebuilds the key's tenant's projections from its log (or, with
/// `dryRun`, reports what a rebuild would change), reading only that tenant's events and writing
/// only its projection keys. Runs off the cooperative pool; commands keep committing between the
/// rebuild's chunks.
struct ProjectionController {
    let service: BulkheadService

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.post("projections/rebuild", use: rebuild)
    }

    /// The request body: which projections (all when omitted or empty) and whether to dry-run.
    struct RebuildRequest: Codable {
        var projections: [String]?
        var dryRun: Bool?
    }

    /// The answer: what was rebuilt and what changed (the first 50 differences).
    struct RebuildResult: Encodable, Sendable {
        let projections: [String]
        let events: UInt64
        let switched: Bool
        let differenceCount: Int
        let differences: [ProjectionDifference]
    }

    @Sendable func rebuild(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let body = try await RequestBodyLimit.collectJSON(request, limit: 16 * 1024)
        let input = try StrictJSON.decode(RebuildRequest.self, from: body.isEmpty ? Data("{}".utf8) : body)
        let metrics = service.metrics
        let tenant = context.tenant
        let dryRun = input.dryRun ?? false
        let memory = service.configuration.rebuildMemory
        let started = DispatchTime.now().uptimeNanoseconds
        let progress = metrics.rebuildProgress()
        defer { progress.finish() }
        do {
            let report = try await service.withStore(tenant) { store in
                try await store.rebuild(projections: input.projections ?? [], dryRun: dryRun, memoryBudget: memory) {
                    progress.update(reached: $0, head: $1)
                }
            }
            metrics.rebuild(tenant: tenant, result: dryRun ? "dry_run" : "rebuilt", nanoseconds: DispatchTime.now().uptimeNanoseconds - started)
            context.logger.info("rebuilt projections", metadata: ["projections": .string(report.projections.joined(separator: ",")), "dryRun": .stringConvertible(dryRun)])
            return try JSONResponse.encode(RebuildResult(projections: report.projections, events: report.events, switched: report.switched,
                                                         differenceCount: report.differenceCount, differences: report.differences))
        } catch {
            metrics.rebuild(tenant: tenant, result: "failed", nanoseconds: DispatchTime.now().uptimeNanoseconds - started)
            throw error
        }
    }
}
