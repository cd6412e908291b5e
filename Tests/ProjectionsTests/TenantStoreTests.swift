import BulkheadCore
import Dispatch
import Domain
import EventLog
import Foundation
@testable import Projections
import Synchronization
import Testing

/// A tenant's store schedules its work: writes that wait together share one commit (from the
/// synchronous and the `async` API), a full writer queue turns work away with a typed error,
/// reads run on a bounded pool, and commits are published to whoever waits for them.
@Suite struct TenantStoreTests {
    /// A data directory with one tenant whose owner is `owner@store.example`.
    final class Fixture: @unchecked Sendable {
        let path = NSTemporaryDirectory() + "bulkhead-store-\(UUID().uuidString)"
        let data: DataDirectory
        let engine: TenantEngine
        let stores: Stores
        let tenant: TenantID
        let actor = "owner@store.example"

        init(_ configuration: StoreConfiguration = StoreConfiguration()) throws {
            data = try DataDirectory(path: path)
            let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
            engine = TenantEngine(data: data, clock: clock)
            tenant = try engine.createTenant(
                slug: "store", name: "Store", owner: actor, ownerName: "Owner", at: clock.now
            ).record.id
            stores = Stores(engine: engine, configuration: configuration)
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }

        func head() throws -> UInt64 { try data.partition(for: tenant).head().position }
    }

    /// Positions gathered from several threads.
    final class Positions: Sendable {
        private let all = Mutex<[UInt64]>([])
        func add(_ positions: [UInt64]) { all.withLock { $0 += positions } }
        var sorted: [UInt64] { all.withLock { $0.sorted() } }
    }

    /// How many closures run at once, and the most that ever did.
    final class Counts: Sendable {
        private let state = Mutex((running: 0, most: 0))
        func enter() { state.withLock { $0.running += 1; $0.most = max($0.most, $0.running) } }
        func leave() { state.withLock { $0.running -= 1 } }
        var running: Int { state.withLock { $0.running } }
        var most: Int { state.withLock { $0.most } }
    }

    /// Polls until `condition` holds (it is about to: something else must first reach a point).
    static func until(_ condition: () throws -> Bool) async throws {
        while try !condition() { try await Task.sleep(for: .milliseconds(2)) }
    }

    @Test func synchronousWritesThatWaitTogetherShareOneCommit() async throws {
        let fixture = try Fixture()
        let store = try fixture.stores.store(for: fixture.tenant)
        let before = try fixture.head()
        let count = 8
        let positions = Positions()
        let finished = DispatchGroup()
        store.writerQueue.suspend()
        for index in 0..<count {
            DispatchQueue.global().async(group: finished) {
                let outcome = try? store.write(CreateProject(name: "Sync \(index)"), actor: fixture.actor)
                positions.add(outcome?.events.map(\.position) ?? [])
            }
        }
        try await Self.until { store.pendingCount == count }
        store.writerQueue.resume()
        await withCheckedContinuation { continuation in finished.notify(queue: .global()) { continuation.resume() } }
        #expect(store.commitCount == 1)
        #expect(positions.sorted == Array(before + 1...before + UInt64(count)))
        #expect(try fixture.head() == before + UInt64(count))
    }

    @Test func asyncWritesThatWaitTogetherShareOneCommitAndAreDecidedInOrder() async throws {
        let fixture = try Fixture()
        let store = try fixture.stores.store(for: fixture.tenant)
        let before = try fixture.head()
        let id = UUID()
        let commands: [any Command] = [
            CreateProject(projectId: id, name: "First"),
            CreateProject(projectId: id, name: "Same id"),  // refused: decided after the first
            UpdateProject(projectId: id, name: "Renamed"),
        ]
        store.writerQueue.suspend()
        let results = try await withThrowingTaskGroup(of: (Int, Result<CommandOutcome, any Error>).self) { group in
            for (index, command) in commands.enumerated() {
                group.addTask {
                    do { return (index, .success(try await store.write(command, actor: fixture.actor))) } catch {
                        return (index, .failure(error))
                    }
                }
                // One at a time, so that they wait in this order.
                try await Self.until { store.pendingCount == index + 1 }
            }
            store.writerQueue.resume()
            var results: [Int: Result<CommandOutcome, any Error>] = [:]
            for try await (index, result) in group { results[index] = result }
            return results
        }
        #expect(store.commitCount == 1)
        #expect((try? results[0]?.get())?.events.first?.position == before + 1)
        #expect(throws: CommandError.self) { try results[1]?.get() }
        #expect((try? results[2]?.get())?.events.first?.position == before + 2)
        #expect(try fixture.head() == before + 2)
    }

    @Test func theCommandsOfOneGroupCommitShareOneSignedReceiptEachWithItsOwnPositions() async throws {
        let fixture = try Fixture()
        let store = try fixture.stores.store(for: fixture.tenant)
        let key = try SigningKey(rawPrivateKey: Array(repeating: 3, count: 32))
        let before = try fixture.head()
        store.writerQueue.suspend()
        let outcomes = try await withThrowingTaskGroup(of: CommandOutcome.self) { group in
            for index in 0..<4 {
                group.addTask { try await store.write(CreateProject(name: "Receipt \(index)"), actor: fixture.actor) }
                try await Self.until { store.pendingCount == index + 1 }
            }
            store.writerQueue.resume()
            var all: [CommandOutcome] = []
            for try await outcome in group { all.append(outcome) }
            return all.sorted { ($0.positions?.lowerBound ?? 0) < ($1.positions?.lowerBound ?? 0) }
        }
        #expect(store.commitCount == 1)
        let partition = try fixture.data.partition(for: fixture.tenant)
        let head = try partition.head()
        let commit = try #require(outcomes.first?.commit)
        #expect(commit.positions == before + 1...before + 4)
        #expect(commit.headHash == head.hash)
        #expect(outcomes.allSatisfy { $0.commit == commit })

        var signed: Receipt?
        var receipts: [Receipt] = []
        for outcome in outcomes {
            let receipt = try #require(try outcome.receipt(signedWith: key, reusing: signed, partition: partition))
            signed = receipt
            receipts.append(receipt)
            #expect(receipt.command == outcome.positions)
            #expect(receipt.firstPosition == commit.positions.lowerBound && receipt.lastPosition == head.position)
            #expect(receipt.headHash == head.hash)
            #expect(SigningKey.isValid(signature: receipt.signature, of: receipt.signedBytes, publicKey: key.publicKey))
        }
        // One signature for the four: the others reused the first's.
        #expect(Set(receipts.map(\.signature)).count == 1)
        #expect(Set(receipts.map(\.command.lowerBound)).count == 4)
        // A receipt of another commit is not reused: it is signed anew.
        let next = try await store.write(CreateProject(name: "Alone"), actor: fixture.actor)
        let alone = try #require(try next.receipt(signedWith: key, reusing: signed, partition: partition))
        #expect(alone.signature != signed?.signature)
        #expect(alone.firstPosition == head.position + 1 && alone.command == next.positions)
    }

    @Test func aFullWriterQueueTurnsTheNextCommandAwayWithATypedErrorAndWritesNothingOfIt() async throws {
        let fixture = try Fixture(StoreConfiguration(maxBatch: 1))
        let store = try fixture.stores.store(for: fixture.tenant)
        let before = try fixture.head()
        let limit = store.maxPending
        store.writerQueue.suspend()
        let written = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<limit {
                group.addTask {
                    (try? await store.write(CreateProject(name: "Queued \(index)"), actor: fixture.actor)) != nil
                }
            }
            try await Self.until { store.pendingCount == limit }
            #expect(throws: TenantStoreError.writerBusy(tenant: fixture.tenant, waiting: limit)) {
                try store.write(CreateProject(name: "One too many"), actor: fixture.actor)
            }
            store.writerQueue.resume()
            var written = 0
            for try await ok in group where ok { written += 1 }
            return written
        }
        #expect(written == limit)
        #expect(try fixture.head() == before + UInt64(limit))
        let names = try await store.read { try $0.projects().map(\.name) }
        #expect(!names.contains("One too many"))
    }

    @Test(.timeLimit(.minutes(1)))
    func readsRunOnAtMostTheConfiguredNumberOfThreads() async throws {
        let fixture = try Fixture(StoreConfiguration(readThreads: 2))
        let store = try fixture.stores.store(for: fixture.tenant)
        let pool = fixture.stores.readPool
        let gate = DispatchSemaphore(value: 0)
        let counts = Counts()
        let reads = 6
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<reads {
                group.addTask {
                    try await store.read { view in
                        counts.enter()
                        gate.wait()
                        counts.leave()
                        return try view.users().count
                    }
                }
            }
            // Every read either runs (and waits for the gate) or waits for a thread: two run.
            try await Self.until { counts.running >= 2 && counts.running + pool.waitingCount == reads }
            #expect(counts.running == 2)
            #expect(pool.threadCount == 2)
            for _ in 0..<reads { gate.signal() }
            for try await users in group { #expect(users == 1) }
        }
        #expect(counts.most == 2)
    }

    @Test(.timeLimit(.minutes(1)))
    func aReadNestedInAnotherRunsOnItsThreadInsteadOfWaitingForItself() throws {
        let fixture = try Fixture(StoreConfiguration(readThreads: 1))
        let store = try fixture.stores.store(for: fixture.tenant)
        let users = try store.read { _ in try store.read { try $0.users().count } }
        #expect(users == 1)
    }

    @Test func heavyWorkBeyondTheLimitIsTurnedAwayWithATypedError() async throws {
        let fixture = try Fixture(StoreConfiguration(maxHeavyWork: 0))
        let store = try fixture.stores.store(for: fixture.tenant)
        #expect(throws: TenantStoreError.heavyWorkBusy(limit: 0)) { try store.asOf(position: 1) { _ in 0 } }
        await #expect(throws: TenantStoreError.heavyWorkBusy(limit: 0)) {
            try await store.rebuild(projections: [], dryRun: true)
        }
    }

    /// A waiter that is not told of the commit returns `false` at its timeout: `true` is the
    /// commit's notification.
    @Test func aWaiterWakesOnACommitThroughTheStore() async throws {
        let fixture = try Fixture()
        let store = try fixture.stores.store(for: fixture.tenant)
        let head = try fixture.head()
        async let woken = store.waitForCommit(after: head, timeout: .seconds(30))
        try await Self.until { store.commits.waiterCount == 1 }
        let outcome = try await store.write(CreateProject(name: "Wakes"), actor: fixture.actor)
        #expect(await woken)
        #expect(store.commits.position == outcome.events.last?.position)
        // A commit already published is not waited for again.
        #expect(await store.waitForCommit(after: head, timeout: .seconds(30)))
    }

    @Test func aWaiterThatIsToldNothingReturnsAtItsTimeout() async throws {
        let fixture = try Fixture()
        let store = try fixture.stores.store(for: fixture.tenant)
        // A commit that bypasses the store (another process, say) is not published.
        try fixture.engine.execute(CreateProject(name: "Bypass"), tenant: fixture.tenant, actor: fixture.actor)
        #expect(await store.waitForCommit(after: 0, timeout: .milliseconds(10)) == false)
        #expect(store.commits.waiterCount == 0)
    }

    @Test func aStoreIsMadeOncePerTenantAndNeverForAnUnknownOne() throws {
        let fixture = try Fixture()
        #expect(try fixture.stores.store(for: fixture.tenant) === fixture.stores.store(for: fixture.tenant))
        #expect(throws: EventLogError.self) { try fixture.stores.store(for: TenantID.random()) }
    }
}
