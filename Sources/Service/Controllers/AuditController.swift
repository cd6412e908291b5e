import BulkheadCore
import Domain
import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import Workflows

/// `GET /v1/audit/export?from=P&to=Q`: the key's tenant's events with their exact stored bytes, as
/// JSON Lines, for `Tools/verify-audit.py`.
///
/// Every line but the last is a line of `events.jsonl` (``AuditExport``); the last is
/// `{"manifest": {...}}`, the export's `manifest.json` on one line, whose `files` entry gives the
/// size and SHA-256 of the lines before it. The range is fixed when the request arrives: events
/// appended meanwhile are not in it. The lines are written a page at a time, each page read in a
/// transaction of its own, so a long log is streamed in constant memory.
struct AuditController {
    let service: BulkheadService

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get("audit/export", use: export)
        group.get("audit/keys", use: keys)
        group.get("audit/checkpoints", use: checkpoints)
        group.post("audit/checkpoints", use: checkpoint)
        group.get("audit/proof", use: proof)
    }

    /// `GET /v1/audit/proof?position=P[&treeSize=N]`: an inclusion proof of the event at `P`
    /// against the oldest checkpoint at or after it (or the one at `N`); 404 when none covers it.
    @Sendable func proof(_ request: Request, context: TenantRequestContext) async throws -> Response {
        guard request.uri.queryParameters["position"] != nil else {
            throw ServiceError.invalid("position", "is required: the position of the event to prove")
        }
        let position = try EventController.number(request, "position", default: 1, range: 1...UInt64.max)
        let treeSize: UInt64? = request.uri.queryParameters["treeSize"] == nil
            ? nil : try EventController.number(request, "treeSize", default: 1, range: position...UInt64.max)
        let store = try await service.withStore(context.tenant) { $0 }
        let proof = try await store.readLog { try $0.inclusionProof(position: position, treeSize: treeSize) }
        return try JSONResponse.encode(proof.json)
    }

    /// `GET /v1/audit/keys`: the public keys the tenant's checkpoints and receipts were signed with.
    @Sendable func keys(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let partition = try service.data.partition(for: context.tenant)
        let keys = try partition.publicKeys().map(\.json)
        return try JSONResponse.encode(AuditKeys(tenant: context.tenant.description, keys: keys,
                                                 signing: service.signer.map { $0.key.keyID.hexString }))
    }

    /// `GET /v1/audit/checkpoints`: the tenant's signed checkpoints, oldest first.
    @Sendable func checkpoints(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let from = try EventController.number(request, "from", default: 0, range: 0...UInt64.max)
        let partition = try service.data.partition(for: context.tenant)
        let list = try partition.checkpoints(from: from).map(\.json)
        return try JSONResponse.encode(AuditCheckpoints(tenant: context.tenant.description, checkpoints: list))
    }

    /// `POST /v1/audit/checkpoints`: signs a checkpoint of the tenant's head now (409 when the
    /// service has no signing key or the log is empty).
    @Sendable func checkpoint(_ request: Request, context: TenantRequestContext) async throws -> Response {
        guard let signer = service.signer else {
            throw ServiceError(.conflict, code: "not_signing",
                               message: "the service runs without a signing key (serve --signing-key FILE): "
                                   + "nothing is signed")
        }
        let tenant = context.tenant
        let store = try await service.withStore(tenant) { $0 }
        guard let made = try await store.onWriter({ try signer.checkpoint(tenant: tenant) }) else {
            throw ServiceError(.conflict, code: "empty_log",
                               message: "tenant \(tenant) has no events: nothing to checkpoint")
        }
        return try JSONResponse.encode(made.json, status: .created)
    }

    /// The answer of `GET /v1/audit/keys`.
    struct AuditKeys: Encodable {
        let tenant: String
        let keys: [AuditPublicKey.JSON]
        /// The id of the key this service signs with now, or `null` when it signs nothing.
        let signing: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(tenant, forKey: .tenant)
            try c.encode(keys, forKey: .keys)
            try c.encode(signing, forKey: .signing)
        }

        enum CodingKeys: String, CodingKey { case tenant, keys, signing }
    }

    /// The answer of `GET /v1/audit/checkpoints`.
    struct AuditCheckpoints: Encodable {
        let tenant: String
        let checkpoints: [Checkpoint.JSON]
    }

    @Sendable func export(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let from = try EventController.number(request, "from", default: 1, range: 1...UInt64.max)
        let to: UInt64? = request.uri.queryParameters["to"] == nil
            ? nil : try EventController.number(request, "to", default: 0, range: 1...UInt64.max)
        let tenant = context.tenant
        guard let record = try service.data.catalog.tenant(tenant) else {
            throw EventLogError.unknownTenant(tenant.description, suggestions: [])
        }
        let store = try await service.withStore(tenant) { $0 }
        let plan = try await store.readLog { try AuditExport.plan($0, tenant: record, from: from, to: to) }
        let clock = service.configuration.clock
        let logger = context.logger
        var headers = HTTPFields()
        headers[.contentType] = "application/jsonl; charset=utf-8"
        headers[.cacheControl] = "no-store"
        let body = ResponseBody { writer in
            var builder = ManifestBuilder(plan)
            var next = plan.from
            while next <= plan.to {
                try Task.checkCancellation()
                let position = next
                let lines: [AuditExport.Line]
                do {
                    lines = try await store.readLog { try AuditExport.page($0, plan, from: position) }
                } catch {
                    // The status is sent: the stream ends without a manifest, which a verifier refuses.
                    logger.error("audit export failed", metadata: ["error": .string(String(describing: error))])
                    throw error
                }
                guard let last = lines.last else {
                    logger.error("audit export found no event", metadata: ["position": .stringConvertible(position)])
                    throw EventLogError.corruptRecord(tenant: plan.tenant.id, position: position, reason: "missing")
                }
                var buffer = ByteBuffer()
                for line in lines {
                    let bytes = Data((line.text + "\n").utf8)
                    builder.add(line, bytes: bytes)
                    buffer.writeBytes(bytes)
                }
                try await writer.write(buffer)
                next = last.position + 1
            }
            let manifest = try builder.manifest(exportedAt: clock.now).json(pretty: false)
            let text = "{\"manifest\":" + String(decoding: manifest, as: UTF8.self) + "}\n"
            try await writer.write(ByteBuffer(string: text))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
