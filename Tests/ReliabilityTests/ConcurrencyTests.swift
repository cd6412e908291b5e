import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections
import Storage
import Testing

/// Several writer processes, writer threads and readers on one data directory at once: no event is
/// lost or duplicated, positions stay gap-free, and expected-version conflicts are reported.
@Suite struct ConcurrencyTests {
    /// One attempt of an exact-expected-version append: "ok POSITION VERSION ID" or "conflict".
    enum Attempt: Equatable {
        case ok(position: UInt64, version: UInt64, id: UUID)
        case conflict

        init(line: Substring) throws {
            let parts = line.split(separator: " ")
            if parts == ["conflict"] { self = .conflict; return }
            guard parts.count == 4, parts[0] == "ok", let p = UInt64(parts[1]), let v = UInt64(parts[2]), let id = UUID(uuidString: String(parts[3])) else {
                throw TestFailure("unexpected line: \(line)")
            }
            self = .ok(position: p, version: v, id: id)
        }
    }

    /// The same loop as `crashtest race`, in a thread of this process.
    static func race(_ partition: Partition, stream: String, attempts: Int) throws -> [Attempt] {
        var result: [Attempt] = []
        for n in 0..<attempts {
            let version = try partition.read { try $0.streamVersion(stream) } ?? 0
            let event = NewEvent(eventID: IDGenerator.shared.next(), type: "race.appended", schemaVersion: 1,
                                 payload: Array("thread attempt \(n)".utf8), actor: "thread", correlationID: UUID(), causationID: nil)
            do {
                let r = try partition.append(stream: stream, expected: version == 0 ? .noStream : .exactly(version), events: [event], recordedAt: Date())
                result.append(.ok(position: r.positions.lowerBound, version: r.streamVersion, id: event.eventID))
            } catch EventLogError.versionConflict {
                result.append(.conflict)
            }
        }
        return result
    }

    /// Reads snapshots while writers run: each must be gap-free with a verifying chain.
    static func readUntil(_ done: Locked<Bool>, _ partition: Partition) throws -> (snapshots: Int, problems: [String]) {
        var snapshots = 0
        var problems: [String] = []
        var lastHead: UInt64 = 0
        // At least one snapshot, however late the scheduler starts this thread.
        repeat {
            let (positions, head) = try partition.read { log in
                (try log.events(from: 1, limit: .max).map(\.position), try log.head().position)
            }
            if positions != Array(stride(from: UInt64(1), through: head, by: 1)) { problems.append("snapshot at head \(head) has positions \(positions.count) with gaps") }
            if head < lastHead { problems.append("head went back from \(lastHead) to \(head)") }
            lastHead = head
            snapshots += 1
            usleep(2_000)
        } while !done.value
        return (snapshots, problems)
    }

    @Test func twoProcessesAndTwoThreadsRaceOnOneStreamWithExactExpectedVersions() throws {
        let scratch = try TemporaryDirectory("race")
        let root = scratch.sub("data")
        let data = try DataDirectory(path: root)
        let tenant = try data.createTenant(slug: "racers", name: "Racers", id: .random(), at: Date()).id
        let partition = try data.partition(for: tenant)
        let crashtest = try Executables.find("crashtest")
        let perWriter = 120

        let children = try (0..<2).map { _ in
            try Child.start(crashtest, ["race", "--data", root, "--tenant", tenant.description, "--stream", "contested", "--attempts", "\(perWriter)"], outputIn: scratch.path)
        }
        let done = Locked(false)
        let threadResults = Locked<[Result<[Attempt], any Error>]>([])
        let readerResult = Locked<Result<(snapshots: Int, problems: [String]), any Error>?>(nil)
        let group = DispatchGroup()
        for _ in 0..<2 {
            DispatchQueue.global().async(group: group) {
                let r = Result { try Self.race(partition, stream: "contested", attempts: perWriter) }
                threadResults.withLock { $0.append(r) }
            }
        }
        let readerGroup = DispatchGroup()
        DispatchQueue.global().async(group: readerGroup) {
            let r = Result { try Self.readUntil(done, partition) }
            readerResult.withLock { $0 = r }
        }
        var attempts: [[Attempt]] = []
        for child in children {
            let finished = try child.finish()
            try #require(finished.status == 0 && !finished.signaled, "crashtest race failed: \(finished.stderr)")
            attempts.append(try finished.stdout.split(separator: "\n").map(Attempt.init(line:)))
        }
        group.wait()
        done.value = true
        readerGroup.wait()
        for r in threadResults.withLock({ $0 }) { attempts.append(try r.get()) }
        let reader = try #require(readerResult.withLock { $0 }).get()
        #expect(reader.problems.isEmpty, "\(reader.problems.prefix(5))")
        #expect(reader.snapshots > 0)

        // Every attempt is either a success or a reported conflict.
        #expect(attempts.count == 4)
        for writer in attempts { #expect(writer.count == perWriter) }
        let all = attempts.flatMap { $0 }
        var successes: [(position: UInt64, version: UInt64, id: UUID)] = []
        for case .ok(let p, let v, let id) in all { successes.append((p, v, id)) }
        let conflicts = all.filter { $0 == .conflict }.count
        #expect(successes.count + conflicts == 4 * perWriter)
        #expect(successes.count >= perWriter, "at least one writer's worth of appends succeed")
        // Versions and positions: each assigned once, together gap-free.
        let n = UInt64(successes.count)
        #expect(successes.map(\.version).sorted() == Array(1...n))
        #expect(successes.map(\.position).sorted() == Array(1...n))
        let events = try partition.read { try $0.events(from: 1, limit: .max) }
        #expect(events.map(\.position) == Array(1...n))
        #expect(events.map(\.streamVersion) == Array(1...n))
        let byPosition = Dictionary(uniqueKeysWithValues: successes.map { ($0.position, $0.id) })
        for event in events { #expect(event.eventID == byPosition[event.position], "position \(event.position)") }
        let head = try partition.head()
        #expect(try partition.verify() == .ok(tenant: tenant, events: n, headHash: head.hash))
        print("race: \(successes.count) appended, \(conflicts) conflicts, \(reader.snapshots) reader snapshots")
    }

    @Test func appendingProcessesThreadsAndReadersOnOneDirectoryLoseAndDuplicateNothing() throws {
        try appendFromEverywhere(initialMapSize: nil)
    }

    @Test
    func appendingProcessesAndThreadsThatAllGrowASmallMapLoseNothing() throws {
        try appendFromEverywhere(initialMapSize: 128 * 1024)
    }

    func appendFromEverywhere(initialMapSize: Int?) throws {
        let scratch = try TemporaryDirectory("appenders")
        let root = scratch.sub("data")
        let data = try DataDirectory(path: root, partitionOptions: initialMapSize.map { EnvironmentOptions(initialMapSize: $0) } ?? EnvironmentOptions())
        let tenant = try data.createTenant(slug: "crowd", name: "Crowd", id: .random(), at: Date()).id
        let partition = try data.partition(for: tenant)
        let child = try Executables.find("eventlog-child")
        let perWriter = 80

        let appenders = try (0..<3).map { n in
            try Child.start(child, ["append", root, tenant.description, "process-\(n)", "\(perWriter)", "--payload-bytes", "2048"] + (initialMapSize.map { ["--initial-map-size", "\($0)"] } ?? []), outputIn: scratch.path)
        }
        let done = Locked(false)
        let ours = Locked<[UInt64: UUID]>([:])
        let errors = Locked<[String]>([])
        let group = DispatchGroup()
        for t in 0..<2 {
            DispatchQueue.global().async(group: group) {
                do {
                    for n in 0..<perWriter {
                        let event = NewEvent(eventID: IDGenerator.shared.next(), type: "thread.appended", schemaVersion: 1,
                                             payload: Array(repeating: UInt8(truncatingIfNeeded: n), count: 1024), actor: "thread-\(t)", correlationID: UUID(), causationID: nil)
                        let r = try partition.append(stream: "thread-\(t)", expected: n == 0 ? .noStream : .exactly(UInt64(n)), events: [event], recordedAt: Date())
                        ours.withLock { $0[r.positions.lowerBound] = event.eventID }
                    }
                } catch {
                    errors.withLock { $0.append("\(error)") }
                }
            }
        }
        let readerResult = Locked<Result<(snapshots: Int, problems: [String]), any Error>?>(nil)
        let readerGroup = DispatchGroup()
        DispatchQueue.global().async(group: readerGroup) {
            let r = Result { try Self.readUntil(done, partition) }
            readerResult.withLock { $0 = r }
        }
        // A reader process too, while the writers run.
        let readerProcess = try Child.start(child, ["read", root, tenant.description], outputIn: scratch.path)

        var theirs: [UInt64: UUID] = [:]
        for appender in appenders {
            let finished = try appender.finish()
            try #require(finished.status == 0 && !finished.signaled, "eventlog-child append failed: \(finished.stderr)")
            for line in finished.lines {
                let parts = line.split(separator: " ")
                let position = try #require(UInt64(parts[1])), id = try #require(UUID(uuidString: String(parts[2])))
                #expect(theirs[position] == nil, "position \(position) acknowledged twice")
                theirs[position] = id
            }
        }
        group.wait()
        done.value = true
        readerGroup.wait()
        let read = try readerProcess.finish()
        #expect(read.status == 0 && read.lines.last == "verify ok", "\(read.stdout) \(read.stderr)")
        #expect(errors.withLock { $0 }.isEmpty, "\(errors.withLock { $0 })")
        let reader = try #require(readerResult.withLock { $0 }).get()
        #expect(reader.problems.isEmpty, "\(reader.problems.prefix(5))")

        let mine = ours.withLock { $0 }
        #expect(Set(mine.keys).isDisjoint(with: theirs.keys), "a position was acknowledged to two writers")
        let total = UInt64(5 * perWriter)
        #expect(mine.count + theirs.count == Int(total))
        let events = try partition.read { try $0.events(from: 1, limit: .max) }
        #expect(events.map(\.position) == Array(1...total))
        #expect(Set(events.map(\.eventID)).count == events.count, "an event id is in the log twice")
        for event in events { #expect(event.eventID == (mine[event.position] ?? theirs[event.position]), "position \(event.position)") }
        let versions = try partition.read { log in
            try (0..<3).map { try log.stream("process-\($0)").map(\.streamVersion) } + (0..<2).map { try log.stream("thread-\($0)").map(\.streamVersion) }
        }
        for stream in versions { #expect(stream == Array(1...UInt64(perWriter))) }
        #expect(try partition.verify().isOK)
    }

    @Test func threadsRunningCommandsForTwoTenantsKeepEveryProjectionEqualToARebuild() throws {
        let world = try World("threads", tenants: ["north", "south"], users: (0..<4).map { "w\($0)@example.com" })
        let tenants = [try world.tenant("north"), try world.tenant("south")]
        // The owner and the workers' user accounts came first.
        let setUp = try Dictionary(
            uniqueKeysWithValues: tenants.map { ($0, Int(try world.data.partition(for: $0).head().position)) })
        let appended = Locked<[TenantID: Int]>([:])
        let errors = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            let tenant = tenants[worker % 2]
            do {
                let project = try world.engine.execute(CreateProject(name: "Worker \(worker)"), tenant: tenant, actor: "w\(worker)@example.com")
                var count = project.events.count
                guard let id = project.ids["projectId"] else { throw TestFailure("no project id") }
                for n in 0..<40 {
                    let command: any Command = n % 3 == 0
                        ? RequestAnalysis(projectId: id, trigger: .manual)
                        : RecordKnowledge(projectId: id, kind: .codePattern, content: "worker \(worker) entry \(n)")
                    do {
                        count += try world.engine.execute(command, tenant: tenant, actor: "w\(worker)@example.com").events.count
                    } catch is CommandError {}
                }
                appended.withLock { $0[tenant, default: 0] += count }
            } catch {
                errors.withLock { $0.append("\(error)") }
            }
        }
        #expect(errors.withLock { $0 }.isEmpty, "\(errors.withLock { $0 })")
        for tenant in tenants {
            let partition = try world.data.partition(for: tenant)
            let head = try partition.head().position
            #expect(
                Int(head) == (setUp[tenant] ?? 0) + (appended.withLock { $0[tenant] } ?? 0),
                "tenant \(tenant): head \(head)")
            #expect(try partition.verify().isOK)
            #expect(try world.engine.check(tenant: tenant).count == 0)
        }
    }
}
