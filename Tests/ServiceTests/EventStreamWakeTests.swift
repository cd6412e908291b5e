import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Projections
@testable import Service
import Testing

/// An event stream wakes on a commit through the tenant's store, not on a poll, and still sees a
/// commit made by another process on the same data directory through its fallback check.
@Suite struct EventStreamWakeTests {
    /// The fallback check is an hour away: the stream can only see the command through the commit
    /// notification before it ends (after 1.5 s).
    @Test func aStreamWakesOnACommitThroughTheStore() async throws {
        let world = try ServiceWorld(streamMaxDuration: .milliseconds(1500), streamPollInterval: .seconds(3600))
        let tenant = world.alpha.tenant
        let head = try world.head(tenant)
        let store = try world.service.stores.store(for: tenant)
        try await world.app().test(.router) { client in
            async let stream = client.call(.get, "/v1/events/stream?from=\(head + 1)", key: world.alpha.key)
            // The stream has caught up and waits for the next commit.
            while store.commits.waiterCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
            let created = try await client.call(
                .post, "/v1/commands/project.create", key: world.alpha.key, body: #"{"name":"Woken"}"#)
            #expect(created.status == 200)
            let reply = try await stream
            #expect(EventFeedTests.ids(reply.text) == [head + 1])
            #expect(reply.text.contains("\"name\":\"Woken\""))
        }
    }

    /// Another process (the `bulkhead` CLI) commits to the same data directory: nothing tells
    /// this process's store, and the stream's fallback check finds it.
    @Test func aStreamSeesACommitOfAnotherProcessThroughItsFallbackCheck() async throws {
        let binary = try #require(
            Self.executable, "the bulkhead executable was not found; `swift build --build-tests` builds it")
        let world = try ServiceWorld(streamMaxDuration: .seconds(3), streamPollInterval: .milliseconds(50))
        let tenant = world.alpha.tenant
        let head = try world.head(tenant)
        let store = try world.service.stores.store(for: tenant)
        try await world.app().test(.router) { client in
            async let stream = client.call(.get, "/v1/events/stream?from=\(head + 1)", key: world.alpha.key)
            while store.commits.waiterCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["exec", "--data", world.path, "--tenant", "alpha", "--actor", "oliver@example.com",
                                 "project.create", #"{"name":"From another process"}"#, "--format", "json"]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            let reply = try await stream
            #expect(EventFeedTests.ids(reply.text) == [head + 1])
            #expect(reply.text.contains("From another process"))
            // The store published nothing: the stream found the event in the log.
            #expect(store.commits.position == 0)
        }
    }

    /// The `bulkhead` binary next to the test bundle (built by `swift build --build-tests`).
    static let executable: String? = {
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent("bulkhead").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let cwd = FileManager.default.currentDirectoryPath
        let built = cwd + "/.build/debug/bulkhead"
        return FileManager.default.isExecutableFile(atPath: built) ? built : nil
    }()
}
