// The crash test: kills writers and rebuilds with SIGKILL at random moments and checks, after
// every kill, that nothing acknowledged was lost, every hash chain verifies and every projection
// equals a rebuild from the log (invariant 6 of DOMAIN.md).
//
//   crashtest [drive] [--rounds N] [--seed S] [--data DIR] [--tenant-count K] [--fresh-every R] [--keep]
//       The driver. Each round starts a writer child, a rebuild child or both at once, kills them
//       with SIGKILL after a random delay, then opens the store and checks it. Prints one line per
//       round and finally "N passed, M failed"; exits 0 only when none failed.
//   crashtest writer --data DIR --tenants UUID,UUID,... --seed S --clock SECONDS
//       Runs random domain commands through TenantEngine until killed. After each commit returns
//       it prints, per appended event, "ack TENANT POSITION EVENT_ID" (one write(2) per batch; a
//       kill can cut it short, and a last line without its newline does not count).
//   crashtest rebuild --data DIR --tenants UUID,... --seed S --memory BYTES
//       Rebuilds the tenants' projections (with that memory budget: a small one spills sorted
//       runs and merges them) over and over until killed, printing "rebuilt TENANT EVENTS RUNS"
//       after each (RUNS: how many runs it spilled).
//   crashtest race --data DIR --tenant UUID --stream S --attempts N
//       Appends to one stream with `expected: .exactly(version read just before)`; prints
//       "ok POSITION VERSION EVENT_ID" or "conflict" per attempt. For the concurrency tests.
//   crashtest open --data DIR --tenant UUID
//       Opens the tenant through DataDirectory, verifies its chain and checks its projections;
//       prints "ok EVENTS" or "error: MESSAGE" (exit 1). For the corruption tests, which must
//       see an error and never a crash (a crash here is a signal, not exit 1).
//
// Exit codes: 0 all rounds passed, 1 a round failed or a child failed, 64 usage.
// `crashtest --help` and `crashtest MODE --help` list the options (parsed by `Crashtest`).
import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections
import Storage
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Small helpers

/// Writes `text` to stdout in one system call, so a kill never splits what was acknowledged.
func emit(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data(("crashtest: " + message + "\n").utf8))
    exit(code)
}

/// Seeded: the same seed gives the same commands and kill delays.
typealias SeededRandom = SplitMix64

// MARK: - Random commands

/// Random but plausible commands, in the spirit of `RandomHistory`, remembering the ids the
/// writer's own commands created so that most commands refer to something that exists.
struct CommandSource {
    var rng: SeededRandom
    var projects: [UUID] = []
    var posts: [UUID] = []
    var runs: [UUID] = []
    var syncs: [UUID] = []
    var players: [UUID] = []
    var matches: [UUID] = []
    var keys: [UUID] = []

    mutating func pick(_ ids: [UUID]) -> UUID { ids.isEmpty ? UUID() : ids[rng.below(ids.count)] }

    mutating func next() -> any Command {
        let roll = rng.below(100)
        if players.count < 6 { return RegisterPlayer(name: "Player \(rng.below(1000))") }
        if projects.isEmpty || roll < 5 {
            return CreateProject(name: "Project \(rng.below(1000))", githubRepository: "example/repo-\(rng.below(50))", scanPath: ["", "src", "/packages/core/"][rng.below(3)])
        }
        let project = pick(projects)
        switch roll {
        case 5..<8: return UpdateProject(projectId: project, name: "Renamed \(rng.below(1000))", scanPath: rng.below(2) == 0 ? "lib" : nil)
        case 8..<9: return DeleteProject(projectId: project)
        case 9..<12: return ImportSource(projectId: project, repository: "example/src-\(rng.below(10_000))", path: "dir\(rng.below(5))")
        case 12..<20: return CreateNote(projectId: project, title: "Note \(rng.below(1000))", body: "Body \(rng.below(1_000_000))")
        case 20..<24: return PublishBlogPost(projectId: project, title: "Post \(rng.below(100))", body: "Text")
        case 24..<26: return UpdateBlogPost(postId: pick(posts), title: "Edited \(rng.below(100))")
        case 26..<27: return DeleteBlogPost(postId: pick(posts))
        case 27..<42: return RecordKnowledge(projectId: project, kind: KnowledgeKind.allCases[rng.below(KnowledgeKind.allCases.count)], content: "Insight \(rng.below(1_000_000))")
        case 42..<49: return RequestAnalysis(projectId: project, trigger: rng.below(2) == 0 ? .manual : .projectSync)
        case 49..<53: return CompleteAnalysis(runId: pick(runs))
        case 53..<54: return FailAnalysis(runId: pick(runs), reason: "tool crashed")
        case 54..<56: return ExpireStaleAnalyses()
        case 56..<62: return StartSync(projectId: project)
        case 62..<66: return CompleteSync(syncId: pick(syncs))
        case 66..<67: return FailSync(syncId: pick(syncs), reason: "network")
        case 67..<69: return CleanupOrphanSyncs()
        case 69..<70: return AddUser(email: "user\(rng.below(1_000_000))@example.com", displayName: "User")
        case 70..<71: return SetModelPreference(feature: ModelFeature.allCases[rng.below(ModelFeature.allCases.count)], provider: "openai", model: "gpt-4.1-mini")
        case 71..<72: return rng.below(2) == 0 ? IssueAPIKey(label: "key \(rng.below(100))") : RevokeAPIKey(keyId: pick(keys))
        case 72..<73: return SetConfig(key: .heavyWinThreshold, value: .integer(1 + rng.below(6)))
        case 73..<90: return match(nil)
        case 90..<95: return matches.isEmpty ? match(nil) : match(pick(matches))
        default: return matches.isEmpty ? RegisterPlayer(name: "Late \(rng.below(100))") : DeleteMatch(matchId: pick(matches))
        }
    }

    mutating func match(_ correcting: UUID?) -> any Command {
        let shuffled = players.shuffled(using: &rng)
        let size = min(2 + rng.below(3), shuffled.count / 2)
        let a = Array(shuffled.prefix(size)), b = Array(shuffled.dropFirst(size).prefix(size))
        let scoreA = rng.below(7), scoreB = rng.below(6)
        var goals: [UUID: Int] = [:]
        for _ in 0..<scoreA where !a.isEmpty { goals[a[rng.below(a.count)], default: 0] += 1 }
        for _ in 0..<scoreB where !b.isEmpty { goals[b[rng.below(b.count)], default: 0] += 1 }
        let tallies = goals.sorted { $0.key.uuidString < $1.key.uuidString }.map { GoalTally(playerId: $0.key, goals: $0.value) }
        guard let date = LocalDate(year: 2020 + rng.below(11), month: 1 + rng.below(12), day: 1 + rng.below(28)) else {
            return RegisterPlayer(name: "Fallback")
        }
        if let correcting {
            return CorrectMatch(matchId: correcting, date: date, teamA: TeamInput(players: a, score: scoreA), teamB: TeamInput(players: b, score: scoreB), goals: tallies)
        }
        return RecordMatch(date: date, teamA: TeamInput(players: a, score: scoreA), teamB: TeamInput(players: b, score: scoreB), goals: tallies)
    }

    mutating func remember(_ o: CommandOutcome) {
        let types = Set(o.events.map(\.type))
        if types.contains(ProjectCreated.type), let id = o.ids["projectId"] { projects.append(id) }
        if types.contains(ProjectDeleted.type), let id = o.ids["projectId"] { projects.removeAll { $0 == id } }
        if types.contains(BlogPublished.type), let id = o.ids["postId"] { posts.append(id) }
        if types.contains(BlogDeleted.type), let id = o.ids["postId"] { posts.removeAll { $0 == id } }
        if types.contains(AnalysisStarted.type), let id = o.ids["runId"] { runs.append(id) }
        if types.contains(SyncStarted.type), let id = o.ids["syncId"] { syncs.append(id) }
        if types.contains(PlayerRegistered.type), let id = o.ids["playerId"] { players.append(id) }
        if types.contains(MatchRecorded.type), let id = o.ids["matchId"] { matches.append(id) }
        if types.contains(MatchDeleted.type), let id = o.ids["matchId"] { matches.removeAll { $0 == id } }
        if types.contains(APIKeyIssued.type), let id = o.ids["keyId"] { keys.append(id) }
    }
}

// MARK: - Child modes

/// Runs random commands until killed; acknowledges each event after its commit returned.
func runWriter(_ options: Options) throws -> Never {
    guard let path = options.data, !options.tenants.isEmpty else { fail("writer needs --data and --tenants", code: 64) }
    let data = try DataDirectory(path: path)
    let clock = ManualClock(Date(timeIntervalSince1970: options.clock))
    let stores = Stores(engine: TenantEngine(data: data, clock: clock))
    let seed = options.seed ?? Options.clockSeed()
    var rng = SeededRandom(seed: seed)
    var sources: [TenantID: CommandSource] = [:]
    for (n, tenant) in options.tenants.enumerated() {
        sources[tenant] = CommandSource(rng: SeededRandom(seed: seed &+ UInt64(n) &* 7919))
    }
    let actors = writerActors
    while true {
        let tenant = options.tenants[rng.below(options.tenants.count)]
        guard var source = sources[tenant] else { continue }
        // Mostly single commands (one durable commit each), sometimes a group commit.
        let size = rng.below(4) == 0 ? 1 + rng.below(6) : 1
        var batch: [(command: any Command, actor: String)] = []
        for _ in 0..<size { batch.append((source.next(), actors[rng.below(actors.count)])) }
        let store = try stores.store(for: tenant)
        let results = try store.write(batch: batch)
        // The commit has returned: read back the events' ids at their positions and acknowledge.
        var positions: [UInt64] = []
        for case .success(let outcome) in results {
            source.remember(outcome)
            positions.append(contentsOf: outcome.events.map(\.position))
        }
        sources[tenant] = source
        if !positions.isEmpty {
            let lines: [String] = try store.readLog { log in
                try positions.map { position in
                    guard let event = try log.event(at: position) else {
                        fail("tenant \(tenant): position \(position) was reported appended but cannot be read back", code: 1)
                    }
                    return "ack \(tenant) \(position) \(event.eventID.uuidString.lowercased())\n"
                }
            }
            emit(lines.joined())
        }
        clock.advance(by: Double(rng.below(240)))
    }
}

/// The actors of the writer's commands: users of every tenant the driver sets up.
let writerActors = ["ana@example.com", "ana+alias@example.com", "bo@example.com"]

/// Rebuilds the tenants' projections with a memory budget (small ones spill), over and over, until killed.
func runRebuilder(_ options: Options) throws -> Never {
    guard let path = options.data, !options.tenants.isEmpty else { fail("rebuild needs --data and --tenants", code: 64) }
    let data = try DataDirectory(path: path)
    let clock = ManualClock(Date(timeIntervalSince1970: options.clock))
    let stores = Stores(engine: TenantEngine(data: data, clock: clock))
    var rng = SeededRandom(seed: options.seed ?? Options.clockSeed())
    while true {
        let tenant = options.tenants[rng.below(options.tenants.count)]
        let report = try stores.store(for: tenant).rebuild(projections: [], dryRun: false, memoryBudget: options.memory)
        emit("rebuilt \(tenant) \(report.events) \(report.spilledRuns)\n")
    }
}

/// Appends with an exact expected version read just before: conflicts when another writer won.
func runRace(_ options: Options) throws -> Never {
    guard let path = options.data, let tenant = options.tenants.first else { fail("race needs --data and --tenant", code: 64) }
    let data = try DataDirectory(path: path)
    let partition = try data.partition(for: tenant)
    let ids = IDGenerator.shared
    var out = ""
    for n in 0..<options.attempts {
        let version = try partition.read { try $0.streamVersion(options.stream) } ?? 0
        let event = NewEvent(
            eventID: ids.next(), type: "race.appended", schemaVersion: 1, payload: Array("attempt \(n)".utf8),
            actor: "crashtest", correlationID: ids.next(), causationID: nil)
        do {
            let result = try partition.append(
                stream: options.stream, expected: version == 0 ? .noStream : .exactly(version), events: [event], recordedAt: Date())
            out += "ok \(result.positions.lowerBound) \(result.streamVersion) \(event.eventID.uuidString.lowercased())\n"
        } catch EventLogError.versionConflict {
            out += "conflict\n"
        }
        if out.utf8.count > 4096 {
            emit(out)
            out = ""
        }
    }
    emit(out)
    exit(0)
}

/// Opens one tenant as any tool would and reports the first error.
func runOpen(_ options: Options) -> Never {
    guard let path = options.data, let tenant = options.tenants.first else { fail("open needs --data and --tenant", code: 64) }
    do {
        let data = try DataDirectory(path: path)
        let engine = TenantEngine(data: data, clock: SystemClock())
        let partition = try data.partition(for: tenant)
        let report = try partition.verify()
        guard case .ok(_, let events, _) = report else { emit("error: \(report)\n"); exit(1) }
        let drift = try engine.check(tenant: tenant)
        guard drift.count == 0 else { emit("error: \(drift.count) projection differences\n"); exit(1) }
        emit("ok \(events)\n")
        exit(0)
    } catch {
        emit("error: \(error)\n")
        exit(1)
    }
}

// MARK: - The driver

/// What one round's children acknowledged, accumulated over all rounds of one data directory.
struct Acknowledged {
    /// tenant -> position -> event id.
    var events: [TenantID: [UInt64: UUID]] = [:]
    var count: Int { events.values.reduce(0) { $0 + $1.count } }
}

final class Driver {
    let options: Options
    /// `--seed`, or the time the driver started.
    let seed: UInt64
    let root: String
    let executable: String
    var rng: SeededRandom
    var passed = 0
    var failed = 0
    var totalAcks = 0
    var kills = 0
    var rebuildKills = 0
    var data: String = ""
    var tenants: [TenantID] = []
    var acknowledged = Acknowledged()
    var generation = 0

    init(options: Options) {
        self.options = options
        seed = options.seed ?? Options.clockSeed()
        rng = SeededRandom(seed: seed)
        root = options.data ?? (NSTemporaryDirectory() + "bulkhead-crashtest-\(UUID().uuidString.lowercased())")
        executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    }

    /// A new data directory with `tenantCount` tenants, configured so that matches can be recorded.
    func freshStore() throws {
        generation += 1
        data = (root as NSString).appendingPathComponent("store-\(generation)")
        try? FileManager.default.removeItem(atPath: data)
        acknowledged = Acknowledged()
        let directory = try DataDirectory(path: data)
        let clock = ManualClock(Date(timeIntervalSince1970: options.clock))
        let engine = TenantEngine(data: directory, clock: clock)
        tenants = []
        for n in 0..<options.tenantCount {
            // Every command's actor must be a user: the owner adds the writers' and the driver's.
            let tenant = try engine.createTenant(
                slug: "crash-\(n)", name: "Crash \(n)", owner: "setup@example.com", ownerName: "Setup", at: clock.now
            ).record.id
            tenants.append(tenant)
            var setup: [(command: any Command, actor: String)] = writerActors.map {
                (AddUser(email: $0, displayName: $0), "setup@example.com")
            }
            setup += [
                (AddUser(email: "driver@example.com", displayName: "Driver"), "setup@example.com"),
                (SetConfig(key: .teamAName, value: .text("Crash \(n) A")), "setup@example.com"),
                (SetConfig(key: .teamBName, value: .text("Crash \(n) B")), "setup@example.com"),
                (SetConfig(key: .heavyWinThreshold, value: .integer(3)), "setup@example.com"),
            ]
            for year in 2020...2030 {
                if let start = LocalDate(year: year, month: 1, day: 1), let end = LocalDate(year: year, month: 12, day: 31) {
                    setup.append((DefineSeason(name: "Season \(year)", startDate: start, endDate: end), "setup@example.com"))
                }
            }
            for result in try engine.execute(batch: setup, tenant: tenant) {
                if case .failure(let error) = result { throw error }
            }
        }
    }

    func start(_ arguments: [String], name: String) throws -> (Process, URL) {
        let out = URL(fileURLWithPath: root).appendingPathComponent("\(name).out")
        let err = URL(fileURLWithPath: root).appendingPathComponent("\(name).err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out)
    }

    /// Runs one round; returns a description of what went wrong, or nil.
    func round(_ number: Int) throws -> (String, String?) {
        if number == 1 || (options.freshEvery > 0 && (number - 1) % options.freshEvery == 0) { try freshStore() }
        let kind: String
        switch rng.below(10) {
        case 0..<6: kind = "writer"
        case 6..<8: kind = "rebuild"
        default: kind = "writer+rebuild"
        }
        let tenantList = tenants.map(\.description).joined(separator: ",")
        let clockStart = options.clock + Double(number) * 86_400
        var children: [(Process, URL, String)] = []
        if kind.contains("writer") {
            let (p, out) = try start(["writer", "--data", data, "--tenants", tenantList, "--seed", "\(rng.next())", "--clock", "\(clockStart)"], name: "writer")
            children.append((p, out, "writer"))
        }
        // Half the rebuilds spill: after every batch (1 byte), or once a few KiB are held;
        // the others fit in the default budget.
        let memory = [1, 1 << (10 + rng.below(8)), TenantEngine.defaultRebuildMemory, TenantEngine.defaultRebuildMemory][rng.below(4)]
        if kind.contains("rebuild") {
            let (p, out) = try start(["rebuild", "--data", data, "--tenants", tenantList, "--seed", "\(rng.next())", "--memory", "\(memory)"], name: "rebuild")
            children.append((p, out, "rebuild"))
        }
        // Startup takes some tens of milliseconds; kill anywhere from during it to well after.
        let delay = 20 + rng.below(kind == "rebuild" ? 500 : 400)
        usleep(UInt32(delay) * 1000)
        var notes: [String] = []
        for (process, _, name) in children {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
                if name == "rebuild" { rebuildKills += 1 }
            } else {
                notes.append("\(name) exited on its own with \(process.terminationStatus)")
            }
            process.waitUntilExit()
        }
        var problem: String? = nil
        for (process, _, name) in children where !(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL) {
            let err = (try? String(contentsOf: URL(fileURLWithPath: root).appendingPathComponent("\(name).err"), encoding: .utf8)) ?? ""
            problem = "\(name) ended with status \(process.terminationStatus) before the kill: \(err.trimmingCharacters(in: .whitespacesAndNewlines))"
        }
        var acks = 0
        var rebuilds = 0
        var spilling = 0
        for (_, out, name) in children {
            let text = String(decoding: (try? Data(contentsOf: out)) ?? Data(), as: UTF8.self)
            // Only whole lines count. A batch's acknowledgements go out in one write(2), but a
            // SIGKILL can cut a write of several pages short: a last line without its newline was
            // never delivered whole, so its event counts as unacknowledged (it may or may not be
            // in the log; either is correct).
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if !text.hasSuffix("\n") { lines.removeLast() }
            for line in lines where !line.isEmpty {
                let parts = line.split(separator: " ")
                if name == "writer" {
                    guard parts.count == 4, parts[0] == "ack", let tenant = TenantID(String(parts[1])),
                          let position = UInt64(parts[2]), let id = UUID(uuidString: String(parts[3])) else {
                        problem = problem ?? "unreadable line from the writer: \(line)"
                        continue
                    }
                    if let earlier = acknowledged.events[tenant]?[position], earlier != id {
                        problem = problem ?? "tenant \(tenant) position \(position) acknowledged twice, as \(earlier) and \(id)"
                    }
                    acknowledged.events[tenant, default: [:]][position] = id
                    acks += 1
                } else if parts.first == "rebuilt" {
                    rebuilds += 1
                    if parts.count == 4, let runs = Int(parts[3]), runs > 0 { spilling += 1 }
                }
            }
        }
        totalAcks += acks
        let check = try checkStore(rebuildAgain: kind.contains("rebuild"))
        let summary = "\(kind), killed after \(delay) ms, \(acks) acknowledged\(kind.contains("rebuild") ? ", \(rebuilds) rebuilds finished (\(spilling) spilled; budget \(memory) bytes)" : "")"
            + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))")
        return (summary, problem ?? check)
    }

    /// Opens the store as a new process would and checks everything; nil when all holds.
    func checkStore(rebuildAgain: Bool) throws -> String? {
        let directory = try DataDirectory(path: data)
        let clock = ManualClock(Date(timeIntervalSince1970: options.clock))
        let stores = Stores(engine: TenantEngine(data: directory, clock: clock))
        for tenant in tenants {
            let partition: Partition
            do {
                partition = try directory.partition(for: tenant)
            } catch {
                return "tenant \(tenant) does not open after the kill: \(error)"
            }
            let report = try partition.verify()
            guard case .ok(_, let count, _) = report else { return "verify: \(report)" }
            let missing: String? = try partition.read { log in
                for (position, id) in acknowledged.events[tenant] ?? [:] {
                    guard position <= count else { return "acknowledged position \(position) is past the head \(count)" }
                    guard let event = try log.event(at: position) else { return "acknowledged position \(position) is missing" }
                    guard event.eventID == id else {
                        return "position \(position) holds \(event.eventID), but \(id) was acknowledged there"
                    }
                    if try log.position(ofEvent: id) != position { return "event id \(id) is not indexed at \(position)" }
                }
                return nil
            }
            if let missing { return "tenant \(tenant): \(missing)" }
            let store = try stores.store(for: tenant)
            let drift = try store.check()
            guard drift.count == 0 else {
                return "tenant \(tenant): \(drift.count) projection differences after the kill, first \(drift.differences.first.map { "\($0.projection) \($0.change) \($0.key)" } ?? "?")"
            }
            if rebuildAgain {
                let rebuilt = try store.rebuild(projections: [], dryRun: false,
                    memoryBudget: [1, 1 << 14, TenantEngine.defaultRebuildMemory][rng.below(3)])
                guard rebuilt.differenceCount == 0 else {
                    return "tenant \(tenant): the rebuild after the kill changed \(rebuilt.differenceCount) projection entries"
                }
                let after = try store.check()
                guard after.count == 0 else { return "tenant \(tenant): \(after.count) differences after rebuilding again" }
            }
        }
        // The store takes writes again after the kill.
        if let tenant = tenants.first {
            let outcome = try stores.store(for: tenant).write(
                AddUser(email: "after-\(UUID().uuidString.prefix(8).lowercased())@example.com", displayName: "After"),
                actor: "driver@example.com")
            if let position = outcome.positions?.lowerBound {
                let id: UUID? = try directory.partition(for: tenant).read { try $0.event(at: position)?.eventID }
                if let id { acknowledged.events[tenant, default: [:]][position] = id }
            }
        }
        return nil
    }

    func run() throws -> Int32 {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let started = Date()
        emit("crashtest: seed \(seed), \(options.rounds) rounds, \(options.tenantCount) tenants, data \(root)" + "\n")
        for number in 1...max(1, options.rounds) {
            let summary: String
            let problem: String?
            do {
                (summary, problem) = try round(number)
            } catch {
                (summary, problem) = ("round", "the check itself failed: \(error)")
            }
            if let problem {
                failed += 1
                emit("round \(number): FAILED \(summary): \(problem)" + "\n")
            } else {
                passed += 1
                emit("round \(number): ok \(summary)" + "\n")
            }
        }
        let seconds = Date().timeIntervalSince(started)
        emit("\(kills) kills (\(rebuildKills) during rebuilds), \(totalAcks) acknowledged events, \(String(format: "%.1f", seconds)) s" + "\n")
        if !options.keep && failed == 0 { try? FileManager.default.removeItem(atPath: root) }
        else { emit("data kept in \(root)\n") }
        emit("\(passed) passed, \(failed) failed" + "\n")
        return failed == 0 ? 0 : 1
    }
}
