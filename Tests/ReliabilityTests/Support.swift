import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections
import Storage
import Testing

/// An error the test raises itself, distinct from anything the code under test throws.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory of the test's own, removed when the value goes away.
final class TemporaryDirectory: @unchecked Sendable {
    let path: String

    init(_ label: String) throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("bulkhead-reliability-\(label)-\(UUID().uuidString.lowercased())")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func sub(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Executables built next to the test binary (`swift build --build-tests` builds them all).
enum Executables {
    static func find(_ name: String) throws -> String {
        var starts: [URL] = [
            URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(),
            URL(fileURLWithPath: CommandLine.arguments.first ?? "", relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)),
        ]
        starts.append(contentsOf: Bundle.allBundles.map(\.bundleURL))
        var searched: Set<String> = []
        for start in starts {
            var directory = start.standardizedFileURL.deletingLastPathComponent()
            for _ in 0..<5 {
                let candidate = directory.appendingPathComponent(name).path
                searched.insert(candidate)
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                directory = directory.deletingLastPathComponent()
            }
        }
        throw TestFailure("\(name) was not found next to the test binary; `swift build --build-tests` builds it. Searched: \(searched.sorted().joined(separator: ", "))")
    }
}

/// A child process whose output goes to files, so that neither side blocks on a full pipe.
struct Child {
    let process: Process
    let stdout: URL
    let stderr: URL

    static func start(_ executable: String, _ arguments: [String], outputIn directory: String, environment: [String: String]? = nil) throws -> Child {
        let name = UUID().uuidString.lowercased()
        let stdout = URL(fileURLWithPath: directory).appendingPathComponent("child-\(name).out")
        let stderr = URL(fileURLWithPath: directory).appendingPathComponent("child-\(name).err")
        FileManager.default.createFile(atPath: stdout.path, contents: nil)
        FileManager.default.createFile(atPath: stderr.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment {
            var env = ProcessInfo.processInfo.environment
            env["BULKHEAD_DATA"] = nil
            for (k, v) in environment { env[k] = v }
            process.environment = env
        }
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return Child(process: process, stdout: stdout, stderr: stderr)
    }

    /// Waits (killing a child that hangs past `timeout`) and returns how it ended and its output.
    func finish(timeout: TimeInterval = 120) throws -> Finished {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw TestFailure("\(process.executableURL?.lastPathComponent ?? "child") hung for \(Int(timeout)) s and was terminated")
        }
        process.waitUntilExit()
        return Finished(
            status: process.terminationStatus,
            signaled: process.terminationReason == .uncaughtSignal,
            stdout: String(decoding: try Data(contentsOf: stdout), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: stderr), as: UTF8.self))
    }

    struct Finished {
        let status: Int32
        /// True when a signal ended the child (a crash, not an exit code).
        let signaled: Bool
        let stdout: String
        let stderr: String
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
        var errorLines: [String] { stderr.split(separator: "\n").map(String.init) }
    }
}

/// Runs the `bulkhead` CLI on a data directory and waits for it.
func bulkhead(_ arguments: [String], data: String, in directory: String, stdin: String? = nil) throws -> Child.Finished {
    try Child.start(try Executables.find("bulkhead"), arguments + ["--data", data], outputIn: directory, environment: [:]).finish()
}

/// The bytes of every data file under `root`, by relative path. `lock.mdb` holds reader slots
/// and the writer mutex, not data: any transaction may touch it, so it is left out.
func dataFiles(under root: String) throws -> [String: Data] {
    var result: [String: Data] = [:]
    guard let walker = FileManager.default.enumerator(atPath: root) else { return result }
    for case let relative as String in walker {
        let full = (root as NSString).appendingPathComponent(relative)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
        if relative.hasSuffix("lock.mdb") { continue }
        result[relative] = try Data(contentsOf: URL(fileURLWithPath: full))
    }
    return result
}

/// A data directory with tenants and an engine on a manual clock. Each tenant is created with
/// ``owner`` as its first user, who adds `users`: every command's actor must be a user.
final class World: @unchecked Sendable {
    /// Every tenant's first user, the default actor of ``run(_:_:actor:)``.
    static let owner = "oliver@example.com"

    let directory: TemporaryDirectory
    let path: String
    let data: DataDirectory
    let clock: ManualClock
    let engine: TenantEngine

    init(_ label: String, tenants slugs: [String], users: [String] = [],
         partitionOptions: EnvironmentOptions = EnvironmentOptions()) throws {
        directory = try TemporaryDirectory(label)
        path = directory.sub("data")
        data = try DataDirectory(path: path, partitionOptions: partitionOptions)
        clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
        engine = TenantEngine(data: data, clock: clock)
        for slug in slugs {
            let tenant = try engine.createTenant(
                slug: slug, name: slug.capitalized, owner: Self.owner, ownerName: "Oliver", at: clock.now).record.id
            for user in users {
                try engine.execute(AddUser(email: user, displayName: user), tenant: tenant, actor: Self.owner)
            }
        }
    }

    func tenant(_ slug: String) throws -> TenantID { try data.resolveTenant(slug).id }

    @discardableResult
    func run(_ command: any Command, _ slug: String, actor: String = World.owner) throws -> CommandOutcome {
        try engine.execute(command, tenant: tenant(slug), actor: actor)
    }
}

/// A value shared between threads, behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        try lock.withLock { try body(&stored) }
    }
}
