import BulkheadCore
import Domain
import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle
import Workflows

/// The tenant's audit feed: `GET /v1/events` (pages of envelopes by position) and
/// `GET /v1/events/stream` (server-sent events: catch up, then follow).
struct EventController {
    /// The most envelopes one page or one stream write holds.
    static let maxPage = 1000

    let service: BulkheadService

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get("events", use: page)
        group.get("events/stream", use: stream)
    }

    /// `GET /v1/events?from=N&limit=M`: envelopes from position N (default 1), at most M (default
    /// 100, at most 1000), with `next` (the `from` of the next page) and the tenant's `head`.
    @Sendable func page(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let from = try Self.number(request, "from", default: 1, range: 1...UInt64.max)
        let limit = Int(try Self.number(request, "limit", default: 100, range: 1...UInt64(Self.maxPage)))
        let (lines, head) = try await service.withStore(context.tenant) { store in
            try await store.readLog { log in (try Self.render(log, from: from, limit: limit), try log.head().position) }
        }
        let next = from + UInt64(lines.count)
        return JSONResponse.text("{\"events\":[\(lines.map(\.json).joined(separator: ","))],\"head\":\(head),\"next\":\(next)}")
    }

    /// `GET /v1/events/stream?from=N`: every envelope from N (or after the `Last-Event-ID` a
    /// reconnecting client sends) as an SSE `message` with `id:` its position and `event:` its
    /// type; then new events as they are committed (the stream wakes on each commit made through
    /// the tenant's ``TenantStore``, and looks at the log every `streamPollInterval` for commits of
    /// other processes), keep-alive comments when idle, and the end of the stream after
    /// `streamMaxDuration` (the client reconnects with `Last-Event-ID`). The stream also ends when
    /// the server shuts down gracefully (so shutdown does not wait for it) and when the key that
    /// opened it is revoked (checked every `streamKeepAlive`, busy or idle).
    @Sendable func stream(_ request: Request, context: TenantRequestContext) async throws -> Response {
        var from = try Self.number(request, "from", default: 1, range: 1...UInt64.max)
        if let last = request.headers[HTTPField.Name("Last-Event-ID")!] {
            // The largest position has no successor to resume from (and `+ 1` would trap).
            guard let position = UInt64(last.trimmingCharacters(in: .whitespaces)), position < UInt64.max else {
                throw ServiceError.invalid("Last-Event-ID", "\(Echo.quote(last)) is not an event position")
            }
            from = position + 1
        }
        let start = from
        let tenant = context.tenant
        let store = try await service.withStore(tenant) { $0 }
        let verifier = service.verifier
        let keyID = context.apiKeyID
        let service = service
        let configuration = service.configuration
        let metrics = service.metrics
        let logger = context.logger
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        let body = ResponseBody { writer in
            metrics.stream(opened: true)
            service.openStreams.add(1, ordering: .relaxed)
            defer {
                metrics.stream(opened: false)
                service.openStreams.subtract(1, ordering: .relaxed)
            }
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: configuration.streamMaxDuration)
            var next = start
            var lastWrite = clock.now
            var lastKeyCheck = clock.now
            try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
            var ending = "end of stream"
            while clock.now < deadline {
                try Task.checkCancellation()
                if Task.isShuttingDownGracefully {
                    ending = "the server is shutting down"
                    break
                }
                let lines: [RenderedEvent]
                do {
                    let from = next
                    lines = try await store.readLog { log in try Self.render(log, from: from, limit: Self.maxPage) }
                } catch {
                    logger.error("event stream failed", metadata: ["error": .string(String(describing: error))])
                    let failure = ServiceError(
                        .internalServerError, code: "internal",
                        message: "the stream failed; reconnect with Last-Event-ID")
                    try await writer.write(try Self.errorEvent(failure))
                    break
                }
                if let last = lines.last {
                    var text = ""
                    for line in lines { text += "id: \(line.position)\nevent: \(line.type)\ndata: \(line.json)\n\n" }
                    try await writer.write(ByteBuffer(string: text))
                    next = last.position + 1
                    lastWrite = clock.now
                }
                // The key is checked after what was read is sent: events committed before the stream
                // looked reach it, then a revoked key ends it (checked once per keep-alive interval).
                if clock.now - lastKeyCheck >= configuration.streamKeepAlive {
                    lastKeyCheck = clock.now
                    if let keyID, try await verifier.isRevoked(tenant: tenant, keyID: keyID) {
                        try await writer.write(try Self.errorEvent(.unauthorized("the API key was revoked")))
                        try await writer.finish(nil)
                        return
                    }
                }
                if !lines.isEmpty { continue }
                if clock.now - lastWrite >= configuration.streamKeepAlive {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    lastWrite = clock.now
                }
                // Woken by the next commit through the store, or, for commits it is not told about,
                // by the fallback interval; never later than the next keep-alive, key check or the end.
                let now = clock.now
                let wake = min(configuration.streamPollInterval, lastWrite + configuration.streamKeepAlive - now,
                               lastKeyCheck + configuration.streamKeepAlive - now, deadline - now)
                _ = await store.waitForCommit(after: next - 1, timeout: max(wake, .zero))
            }
            try await writer.write(ByteBuffer(string: ": \(ending); reconnect with Last-Event-ID to go on\n\n"))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// An `error` event carrying `error`'s JSON body (the contract's `Error` object).
    static func errorEvent(_ error: ServiceError) throws -> ByteBuffer {
        ByteBuffer(string: "event: error\ndata: " + String(decoding: try error.body, as: UTF8.self) + "\n\n")
    }

    struct RenderedEvent: Sendable {
        let position: UInt64
        let type: String
        let json: String
    }

    /// Renders up to `limit` envelopes from `from` inside the caller's read transaction.
    static func render(_ log: LogReader, from: UInt64, limit: Int) throws -> [RenderedEvent] {
        var lines: [RenderedEvent] = []
        try log.scanRecords(from: from, limit: limit) { view, previous, hash in
            lines.append(RenderedEvent(position: view.position, type: view.type,
                                       json: try EnvelopeJSON.render(view, previousHash: previous, hash: hash)))
            return true
        }
        return lines
    }

    static func number(_ request: Request, _ name: String, default value: UInt64, range: ClosedRange<UInt64>) throws -> UInt64 {
        guard let text = request.uri.queryParameters[Substring(name)] else { return value }
        guard let number = UInt64(text), range.contains(number) else {
            let bounds = "\(range.lowerBound)...\(range.upperBound)"
            throw ServiceError.invalid(name, "\(Echo.quote(text)) is not a whole number in \(bounds)")
        }
        return number
    }
}
