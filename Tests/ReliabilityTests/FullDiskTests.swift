import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections
import Storage
import Testing

/// A full disk, or a map at its size limit: appends fail with a clear error, nothing acknowledged
/// is lost, and writes work again once space returns.
@Suite struct FullDiskTests {
    /// Notes with a large body, so that a small map fills within a few dozen commands.
    static func fill(_ engine: TenantEngine, _ tenant: TenantID, project: UUID, upTo attempts: Int) -> (acknowledged: [UInt64], error: (any Error)?) {
        var acknowledged: [UInt64] = []
        let body = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 180)
        for n in 0..<attempts {
            do {
                let outcome = try engine.execute(CreateNote(projectId: project, title: "Note \(n)", body: "\(n) \(body)"), tenant: tenant, actor: "filler@example.com")
                acknowledged.append(contentsOf: outcome.events.map(\.position))
            } catch {
                return (acknowledged, error)
            }
        }
        return (acknowledged, nil)
    }

    /// The store holds every acknowledged event, its chain verifies, its projections equal a rebuild.
    static func expectIntact(_ world: World, _ tenant: TenantID, acknowledged: [UInt64], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let partition = try world.data.partition(for: tenant)
        let head = try partition.head().position
        #expect(head == acknowledged.max(), "the head is \(head) but \(acknowledged.max() ?? 0) was the last acknowledged", sourceLocation: sourceLocation)
        #expect(try partition.verify().isOK, sourceLocation: sourceLocation)
        let present = try partition.read { log in try acknowledged.allSatisfy { try log.event(at: $0) != nil } }
        #expect(present, "an acknowledged event is missing", sourceLocation: sourceLocation)
        #expect(try world.engine.check(tenant: tenant).count == 0, sourceLocation: sourceLocation)
    }

    @Test func aCappedMapRefusesAppendsWithMapLimitReachedLosesNothingAndTakesWritesOnceRaised() throws {
        let small = EnvironmentOptions(initialMapSize: 64 * 1024, maxMapSize: 512 * 1024)
        var acknowledged: [UInt64] = []
        let directory: TemporaryDirectory
        let tenant: TenantID
        do {
            let world = try World(
                "mapcap", tenants: ["tight"], users: ["filler@example.com", "x@example.com"], partitionOptions: small)
            directory = world.directory
            tenant = try world.tenant("tight")
            let project = try world.run(CreateProject(name: "Filler"), "tight")
            acknowledged += project.events.map(\.position)
            let projectID = try #require(project.ids["projectId"])
            let (more, error) = Self.fill(world.engine, tenant, project: projectID, upTo: 2_000)
            acknowledged += more
            let storage = try #require(error as? StorageError, "expected a StorageError once the map is full, got \(String(describing: error))")
            #expect(storage.code == .mapLimitReached)
            #expect(storage.description.contains("size limit of \(512 * 1024) bytes"), "\(storage)")
            #expect(storage.description.contains(world.data.directory(of: tenant)), "the error names the tenant's directory: \(storage)")
            #expect(acknowledged.count > 10, "the map took some notes before it filled")

            // Refused again, with the store byte-identical: a full map writes nothing.
            let before = try dataFiles(under: world.path)
            #expect(throws: StorageError.self) { try world.run(CreateNote(projectId: projectID, title: "one more", body: String(repeating: "x", count: 20_000)), "tight") }
            #expect(try dataFiles(under: world.path) == before, "a refused append changed the store")
            try Self.expectIntact(world, tenant, acknowledged: acknowledged)
        }
        // Space returns: the same directory reopened with a larger limit takes writes again.
        let path = directory.sub("data")
        let data = try DataDirectory(path: path, partitionOptions: EnvironmentOptions(initialMapSize: 64 * 1024, maxMapSize: 8 << 20))
        let engine = TenantEngine(data: data, clock: ManualClock(Date(timeIntervalSince1970: 1_790_100_000)))
        let created = try engine.execute(CreateProject(name: "After"), tenant: tenant, actor: "x@example.com")
        #expect(created.positions?.lowerBound == acknowledged.max()! + 1, "the first write after the limit was raised continues the log")
        let project = try #require(created.ids["projectId"])
        let (more, error) = Self.fill(engine, tenant, project: project, upTo: 30)
        #expect(error == nil, "writes fail after the limit was raised: \(String(describing: error))")
        #expect(more.count == 30)
        let partition = try data.partition(for: tenant)
        #expect(try partition.verify().isOK)
        #expect(try engine.check(tenant: tenant).count == 0)
        #expect(try partition.head().position == more.max())
    }

    /// Whether this process may mount a tmpfs (root, or CAP_SYS_ADMIN, outside a locked-down sandbox).
    static let canMountTmpfs: Bool = {
        guard let probe = try? TemporaryDirectory("tmpfs-probe") else { return false }
        guard (try? shell(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", probe.path])) == 0 else { return false }
        _ = try? shell(["umount", probe.path])
        return true
    }()

    @discardableResult
    static func shell(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test(.enabled(if: FullDiskTests.canMountTmpfs, "skipped: mounting a tmpfs is not permitted here (needs root or CAP_SYS_ADMIN); the capped-map test covers the error path"))
    func aFullFilesystemRefusesAppendsWithNoSpaceLosesNothingAndRecoversWhenSpaceReturns() throws {
        let mountPoint = try TemporaryDirectory("tmpfs")
        try #require(try Self.shell(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint.path]) == 0)
        defer { _ = try? Self.shell(["umount", "-l", mountPoint.path]) }
        var acknowledged: [UInt64] = []
        let tenant: TenantID
        do {
            let data = try DataDirectory(path: mountPoint.sub("data"))
            let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
            let engine = TenantEngine(data: data, clock: clock)
            tenant = try engine.createTenant(
                slug: "full", name: "Full", owner: "x@example.com", ownerName: "X", at: clock.now
            ).record.id
            try engine.execute(
                AddUser(email: "filler@example.com", displayName: "Filler"), tenant: tenant, actor: "x@example.com")
            let project = try engine.execute(CreateProject(name: "Filler"), tenant: tenant, actor: "x@example.com")
            acknowledged += project.events.map(\.position)
            let (more, error) = Self.fill(engine, tenant, project: try #require(project.ids["projectId"]), upTo: 5_000)
            acknowledged += more
            let storage = try #require(error as? StorageError, "expected a StorageError on a full disk, got \(String(describing: error))")
            #expect(storage.code == .noSpace, "\(storage)")
            #expect(acknowledged.count > 10)
        }
        // Space returns.
        try #require(try Self.shell(["mount", "-o", "remount,size=16m", mountPoint.path]) == 0)
        let data = try DataDirectory(path: mountPoint.sub("data"))
        let engine = TenantEngine(data: data, clock: ManualClock(Date(timeIntervalSince1970: 1_790_100_000)))
        let partition = try data.partition(for: tenant)
        #expect(try partition.head().position == acknowledged.max())
        #expect(try partition.verify().isOK)
        #expect(try engine.check(tenant: tenant).count == 0)
        let again = try engine.execute(CreateProject(name: "After"), tenant: tenant, actor: "x@example.com")
        #expect(again.positions?.lowerBound == acknowledged.max()! + 1)
        #expect(try partition.verify().isOK)
        #expect(try engine.check(tenant: tenant).count == 0)
    }
}
