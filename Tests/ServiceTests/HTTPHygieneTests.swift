import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
@testable import Service
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// HTTP hygiene (Bulkhead issue 12, item 8): a wrong method on a known path is 405 with `Allow`, a
/// body not declared JSON is 415, an error message echoes a bounded piece of its input, and a client
/// that goes away mid-body is not logged as a server failure.
@Suite struct HTTPHygieneTests {
    @Test func aWrongMethodOnAKnownPathIs405WithAllow() async throws {
        let world = try ServiceWorld()
        try await world.app().test(.router) { client in
            let key = world.alpha.key
            let get = try await client.call(.get, "/v1/commands/project.create", key: key)
            #expect(get.status == 405)
            #expect(get.headers[.allow] == "POST")
            #expect(get.errorCode == "method_not_allowed")
            #expect(get.contentType.hasPrefix("application/json"))
            let delete = try await client.call(.delete, "/v1/projects/\(world.alpha.projectID.lower)", key: key)
            #expect(delete.status == 405)
            #expect(delete.headers[.allow] == "GET")
            // The methods of a path are no secret: no key needed to learn them.
            let put = try await client.call(.put, "/v1/events", key: nil)
            #expect(put.status == 405)
            #expect(put.headers[.allow] == "GET")
            let health = try await client.call(.post, "/health", key: nil, body: "{}")
            #expect(health.status == 405)
            #expect(health.headers[.allow] == "GET")
            // A path that no route has stays 404, whatever the method.
            for method in [HTTPRequest.Method.get, .post, .delete] {
                let unknown = try await client.call(method, "/v1/nothing/here", key: key)
                #expect(unknown.status == 404)
                #expect(unknown.headers[.allow] == nil)
            }
            // And a known route's own 404 is still a 404.
            let missing = try await client.call(.get, "/v1/projects/\(UUID().lower)", key: key)
            #expect(missing.status == 404)
            #expect(missing.errorCode == "not_found")
        }
    }

    @Test func aBodyNotDeclaredJSONIs415AndChangesNothing() async throws {
        let world = try ServiceWorld()
        let tenant = world.alpha.tenant
        let key = world.alpha.key
        let before = try world.fingerprint(tenant)
        try await world.app().test(.router) { client in
            let body = #"{"name":"Undeclared"}"#
            let create = "/v1/commands/project.create"
            let bareHeaders = Self.withoutContentType(key)
            let types = ["text/plain", "application/x-www-form-urlencoded", "application/jsonx",
                         "multipart/form-data; boundary=x"]
            for declared in types {
                var headers = HTTPFields()
                headers[.contentType] = declared
                let reply = try await client.call(.post, create, key: key, body: body, headers: headers)
                #expect(reply.status == 415, "\(declared)")
                #expect(reply.errorCode == "unsupported_media_type")
                #expect(reply.errorField == "Content-Type")
                #expect(reply.errorMessage?.contains("'\(declared)'") == true, "\(reply.errorMessage ?? "")")
            }
            // No Content-Type at all, with a body.
            let bare = try await client.execute(uri: create, method: .post, headers: bareHeaders,
                                                body: ByteBuffer(string: body)) { $0 }
            #expect(bare.status == .unsupportedMediaType)
            var text = HTTPFields()
            text[.contentType] = "text/plain"
            let rebuild = try await client.call(.post, "/v1/projections/rebuild", key: key, body: "{}", headers: text)
            #expect(rebuild.status == 415)
        }
        #expect(try world.fingerprint(tenant) == before, "a body not declared JSON was applied")
        try await world.app().test(.router) { client in
            // JSON with parameters and in any case is JSON; no body needs no Content-Type.
            var headers = HTTPFields()
            headers[.contentType] = "Application/JSON; charset=utf-8"
            let body = #"{"name":"Declared"}"#
            let create = "/v1/commands/project.create"
            let declared = try await client.call(.post, create, key: key, body: body, headers: headers)
            #expect(declared.status == 200)
            let expire = "/v1/commands/analysis.expireStale"
            let bare = Self.withoutContentType(key)
            let empty = try await client.execute(uri: expire, method: .post, headers: bare) { $0 }
            #expect(empty.status == .ok)
        }
    }

    @Test func anErrorMessageEchoesABoundedPieceOfItsInput() async throws {
        let world = try ServiceWorld()
        try await world.app().test(.router) { client in
            let key = world.alpha.key
            let huge = String(repeating: "7x", count: 30 * 1024)
            var headers = HTTPFields()
            headers[HTTPField.Name("Last-Event-ID")!] = huge
            let lastEventID = try await client.call(.get, "/v1/events/stream", key: key, headers: headers)
            let long = String(repeating: "z", count: 4000)
            let replies = [
                lastEventID,
                try await client.call(.get, "/v1/events?from=\(long)", key: key),
                try await client.call(.get, "/v1/projects?asOf=\(long)", key: key),
                try await client.call(.get, "/v1/projects/\(long)", key: key),
                try await client.call(.post, "/v1/commands/\(long)", key: key, body: "{}"),
            ]
            for reply in replies {
                #expect(reply.status == 400 || reply.status == 404)
                let message = try #require(reply.errorMessage)
                #expect(message.utf8.count <= ServiceError.maxMessageBytes)
                #expect(!message.contains(String(repeating: "z", count: Echo.maxBytes + 1)), "\(message.prefix(200))")
                #expect(!message.contains(String(repeating: "7x", count: Echo.maxBytes)), "\(message.prefix(200))")
            }
            #expect(lastEventID.errorField == "Last-Event-ID")
            let said = lastEventID.errorMessage ?? ""
            #expect(said.contains("(\(huge.utf8.count) bytes)"), "\(said)")
            #expect(lastEventID.text.utf8.count < 400)
        }
        // The helper itself: short input whole, long input cut at a character with its size, and
        // control characters shown escaped.
        #expect(Echo.quote("abc") == "'abc'")
        #expect(Echo.quote("a\tb") == "'a\\u{9}b'")
        let cut = Echo.quote(String(repeating: "é", count: 100))
        #expect(cut == "'" + String(repeating: "é", count: Echo.maxBytes / 2) + "…' (200 bytes)")
        let long = ServiceError(.badRequest, code: "invalid", message: String(repeating: "m", count: 70_000))
        #expect(long.message.utf8.count <= ServiceError.maxMessageBytes)
    }

    @Test func aClientThatGoesAwayMidBodyIsNotAServerFailure() async throws {
        let log = CapturedLog()
        let world = try ServiceWorld(logger: log.logger())
        let before = try world.fingerprint(world.alpha.tenant)
        try await world.app().test(.live) { client in
            let port = try #require(client.port)
            let request = "POST /v1/commands/project.create HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer \(world.alpha.key)\r\nX-Bulkhead-Actor: a@b.c\r\n"
                + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":\"Half"
            try RawConnection.sendThenClose(port: port, Array(request.utf8))
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline, !log.contains({ $0.message.hasPrefix("POST /v1/commands/") }) {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        let line = log.entries.first { $0.message.hasPrefix("POST /v1/commands/project.create ") }
        let messages = log.entries.map(\.message)
        #expect(line?.message.hasPrefix("POST /v1/commands/project.create 400 ") == true, "\(messages)")
        #expect(!log.contains { $0.level >= .error }, "\(messages)")
        let notice = log.contains { $0.level == .notice && $0.message.contains("body ended before it was complete") }
        #expect(notice, "\(messages)")
        #expect(try world.fingerprint(world.alpha.tenant) == before)
    }
}

extension HTTPHygieneTests {
    /// A key and an actor (a user of every seeded tenant), and no Content-Type.
    static func withoutContentType(_ key: String) -> HTTPFields {
        [.authorization: "Bearer \(key)", HTTPField.Name("X-Bulkhead-Actor")!: ServiceWorld.defaultActors[0]]
    }
}

/// Log entries kept in memory, for tests that check what the server logged and at which level.
final class CapturedLog: Sendable {
    struct Entry: Sendable {
        let level: Logger.Level
        let message: String
        /// The logger's and the entry's metadata, as text.
        var metadata: [String: String] = [:]
    }

    private let box = Mutex<[Entry]>([])

    var entries: [Entry] { box.withLock { $0 } }

    func contains(_ predicate: (Entry) -> Bool) -> Bool { box.withLock { $0.contains(where: predicate) } }

    func append(_ entry: Entry) { box.withLock { $0.append(entry) } }

    /// A logger at `info` that records here.
    func logger() -> Logger {
        var logger = Logger(label: "bulkhead.service.tests") { _ in Handler(log: self) }
        logger.logLevel = .info
        return logger
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            log.append(Entry(level: event.level, message: event.message.description,
                             metadata: merged.mapValues { $0.description }))
        }
    }
}

/// A TCP connection that sends bytes and closes, as a client that goes away mid-request does.
enum RawConnection {
    static func sendThenClose(port: Int, _ bytes: [UInt8]) throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.EIO) }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, size) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let sent = bytes.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) }
        guard sent == bytes.count else { throw POSIXError(.EIO) }
        // Give the server a moment to read the head and start on the body before the close.
        usleep(200_000)
    }
}
