import Domain
import Foundation
@testable import Projections
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Service
import Testing

/// Commands of one tenant that arrive together share one durable commit; each still gets its own
/// result, decided in order, and positions stay gap-free.
@Suite struct GroupCommitTests {
    @Test func concurrentCommandsGetTheirOwnResultsAndGapFreePositions() async throws {
        let world = try ServiceWorld()
        let count = 40
        try world.addUsers((0..<count).map { "user\($0)@alpha.example" }, to: world.alpha.tenant)
        let before = try world.head(world.alpha.tenant)
        try await world.app().test(.router) { client in
            let replies = try await withThrowingTaskGroup(of: (Int, Reply).self) { group in
                for index in 0..<count {
                    group.addTask {
                        (index, try await client.call(.post, "/v1/commands/project.create", key: world.alpha.key, actor: "user\(index)@alpha.example",
                                                      body: #"{"name":"Concurrent \#(index)"}"#))
                    }
                }
                var replies: [Int: Reply] = [:]
                for try await (index, reply) in group { replies[index] = reply }
                return replies
            }
            var positions: [Int] = []
            var projectIDs = Set<String>()
            for (index, reply) in replies {
                #expect(reply.status == 200)
                let range = try #require(reply.object["positions"] as? [Int])
                positions += Array(range[0]...range[1])
                projectIDs.insert(try #require((reply.object["ids"] as? [String: String])?["projectId"]))
                // Each reply is the caller's own: its project has the caller's name and actor.
                let id = try #require((reply.object["ids"] as? [String: String])?["projectId"])
                let project = try await client.call(.get, "/v1/projects/\(id)", key: world.alpha.key)
                #expect(project.object["name"] as? String == "Concurrent \(index)")
                #expect(project.object["createdBy"] as? String == "user\(index)@alpha.example")
            }
            #expect(projectIDs.count == count)
            #expect(positions.sorted() == Array(Int(before) + 1...Int(before) + count))
            #expect(try world.head(world.alpha.tenant) == before + UInt64(count))
        }
    }

    @Test func aTenantsQueueIsBoundedAndTurnsAwayTheRestWithoutWritingThem() async throws {
        let world = try ServiceWorld()
        let tenant = world.alpha.tenant
        try world.addUsers(["a@alpha.example"], to: tenant)
        let committer = try world.service.stores.store(for: tenant)
        let before = try world.head(tenant)
        let limit = committer.maxPending
        committer.writerQueue.suspend()
        let outcomes = try await withThrowingTaskGroup(of: Result<CommandOutcome, any Error>.self) { group in
            for index in 0..<limit {
                group.addTask {
                    do {
                        return .success(
                            try await committer.write(CreateProject(name: "Queued \(index)"), actor: "a@alpha.example"))
                    } catch { return .failure(error) }
                }
            }
            while committer.pendingCount < limit { try await Task.sleep(for: .milliseconds(5)) }
            // One more than the queue holds: turned away at once, while the others wait.
            let extra: Result<CommandOutcome, any Error>
            do {
                extra = .success(
                    try await committer.write(CreateProject(name: "One too many"), actor: "a@alpha.example"))
            } catch { extra = .failure(error) }
            committer.writerQueue.resume()
            var outcomes = [extra]
            for try await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        let refused = outcomes.compactMap { outcome -> TenantStoreError? in
            if case .failure(let error as TenantStoreError) = outcome { return error }
            return nil
        }
        #expect(refused == [.writerBusy(tenant: tenant, waiting: limit)])
        #expect(outcomes.filter { (try? $0.get()) != nil }.count == limit)
        #expect(try world.head(tenant) == before + UInt64(limit))
    }

    @Test func commandsWaitingTogetherShareOneCommitAndAreDecidedInOrder() async throws {
        let world = try ServiceWorld()
        let tenant = world.alpha.tenant
        try world.addUsers(["a@alpha.example"], to: tenant)
        let committer = try world.service.stores.store(for: tenant)
        let before = try world.head(tenant)
        let id = UUID()
        // Hold the tenant's queue so that every command is waiting when the commit starts.
        committer.writerQueue.suspend()
        let commands: [any Command] = [
            CreateProject(projectId: id, name: "First"),
            CreateProject(projectId: id, name: "Same id"),          // refused: decided after the first
            UpdateProject(projectId: id, name: "Renamed"),           // sees the first's project
            CreateProject(name: "Third"),
        ]
        let results = try await withThrowingTaskGroup(of: (Int, Result<CommandOutcome, any Error>).self) { group in
            for (index, command) in commands.enumerated() {
                group.addTask {
                    do { return (index, .success(try await committer.write(command, actor: "a@alpha.example"))) } catch
                    { return (index, .failure(error)) }
                }
            }
            while committer.pendingCount < commands.count { try await Task.sleep(for: .milliseconds(5)) }
            committer.writerQueue.resume()
            var results: [Int: Result<CommandOutcome, any Error>] = [:]
            for try await (index, result) in group { results[index] = result }
            return results
        }
        #expect(committer.commitCount == 1)
        #expect((try? results[0]?.get())?.events.first?.position == before + 1)
        #expect(throws: CommandError.self) { try results[1]?.get() }
        #expect((try? results[2]?.get())?.events.first?.position == before + 2)
        #expect((try? results[3]?.get())?.events.first?.position == before + 3)
        #expect(try world.head(tenant) == before + 3)
    }

    @Test func tenantsCommitInParallelOnTheirOwnQueues() async throws {
        let world = try ServiceWorld()
        try world.addUsers(["b@beta.example"], to: world.beta.tenant)
        let alpha = try world.service.stores.store(for: world.alpha.tenant)
        let beta = try world.service.stores.store(for: world.beta.tenant)
        #expect(alpha !== beta)
        // A's queue held does not hold B.
        alpha.writerQueue.suspend()
        let outcome = try await beta.write(CreateProject(name: "Independent"), actor: "b@beta.example")
        #expect(outcome.tenant == world.beta.tenant)
        alpha.writerQueue.resume()
    }
}
