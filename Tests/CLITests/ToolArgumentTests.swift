import Foundation
import Testing

/// The tools under `Tools/` parse their arguments with ArgumentParser: `--help` prints usage and
/// runs nothing, an unknown flag or a bad value is a usage error (exit 64) that names it.
///
/// Every run here is given small sizes and a scratch `--dir`, so that a tool which ignored
/// `--help` or a bad flag would run a short benchmark (and leave its directory behind) instead of
/// a long one; each run is also killed after a time limit.
@Suite struct ToolArgumentTests {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// A tool built next to the `bulkhead` executable (by `swift build --build-tests`).
    static func executable(_ name: String) throws -> String {
        let bulkhead = try #require(
            CLI.executable, "the bulkhead executable was not found; `swift build --build-tests` builds it")
        let path = URL(fileURLWithPath: bulkhead).deletingLastPathComponent().appendingPathComponent(name).path
        try #require(FileManager.default.isExecutableFile(atPath: path), "\(name) was not found next to \(bulkhead)")
        return path
    }

    /// Runs `tool ARGS`; a run still going after `limit` seconds is killed and fails the test.
    static func run(_ tool: String, _ arguments: [String], limit: Double = 60) throws -> Run {
        let scratch = NSTemporaryDirectory() + "bulkhead-tool-args-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let out = URL(fileURLWithPath: scratch + "/stdout"), err = URL(fileURLWithPath: scratch + "/stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable(tool))
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        if finished.wait(timeout: .now() + limit) == .timedOut {
            process.terminate()
            process.waitUntilExit()
            Issue.record("\(tool) \(arguments.joined(separator: " ")) was still running after \(limit) s")
        }
        process.waitUntilExit()
        return Run(status: process.terminationStatus,
                   stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                   stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    /// A scratch directory name that does not exist yet: a tool that ran would create it.
    static func untouchedDirectory() -> String {
        NSTemporaryDirectory() + "bulkhead-tool-never-\(UUID().uuidString)"
    }

    /// Small sizes for bench-eventlog, so that a run which ignored its arguments stays short.
    static func smallEventLog(_ dir: String) -> [String] {
        ["--dir", dir, "--events", "20", "--tenants", "2", "--batch", "10", "--seconds", "0.05", "--scan-events", "20"]
    }

    @Test func benchEventlogHelpPrintsUsageAndRunsNothing() throws {
        let dir = Self.untouchedDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Self.run("bench-eventlog", Self.smallEventLog(dir) + ["--help"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("USAGE: bench-eventlog"), "\(run.stdout)")
        for flag in ["--events", "--tenants", "--batch", "--seconds", "--scan-events", "--dir", "--only"] {
            #expect(run.stdout.contains(flag), "--help does not list \(flag): \(run.stdout)")
        }
        #expect(!run.stdout.contains("ev/s") && !run.stdout.contains("bench-eventlog:"),
                "the benchmark ran: \(run.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir), "--help created the scratch directory")
    }

    @Test(arguments: [
        (["--bogus"], "--bogus"),
        (["--events", "lots"], "--events"),
        (["--only", "everything"], "--only"),
        (["--tenants", "0"], "--tenants"),
    ])
    func benchEventlogRefusesAnUnknownFlagOrABadValueNamingIt(_ extra: [String], _ named: String) throws {
        let dir = Self.untouchedDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Self.run("bench-eventlog", Self.smallEventLog(dir) + extra)
        #expect(run.status == 64, "\(extra): exit \(run.status): \(run.stdout) \(run.stderr)")
        #expect(run.stderr.contains(named), "\(extra): the error does not name \(named): \(run.stderr)")
        #expect(!run.stdout.contains("ev/s"), "\(extra): the benchmark ran: \(run.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir), "\(extra): the benchmark created its directory")
    }

    @Test func benchProjectionsHelpRunsNothingAndBadArgumentsAreUsageErrors() throws {
        let dir = Self.untouchedDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let small = ["--dir", dir, "--events", "50"]
        let help = try Self.run("bench-projections", small + ["--help"])
        #expect(help.status == 0, "\(help.stderr)")
        #expect(help.stdout.contains("USAGE: bench-projections") && help.stdout.contains("--keep"), "\(help.stdout)")
        #expect(!help.stdout.contains("set-up:"), "the benchmark ran: \(help.stdout)")
        let cases = [
            (["--bogus"], "--bogus"), (["--only", "cursor,nonsense"], "nonsense"), (["--memory", "x"], "--memory"),
        ]
        for (extra, named) in cases {
            let run = try Self.run("bench-projections", small + extra)
            #expect(run.status == 64, "\(extra): exit \(run.status): \(run.stdout) \(run.stderr)")
            #expect(run.stderr.contains(named), "\(extra): \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir), "bench-projections created its data directory")
    }

    @Test func benchHTTPHelpRunsNothingAndBadArgumentsAreUsageErrors() throws {
        let small = [
            "--connections", "1", "--tenants", "1", "--seconds", "0.1", "--requests", "5", "--durable-seconds", "0.1",
        ]
        let help = try Self.run("bench-http", small + ["--help"])
        #expect(help.status == 0, "\(help.stderr)")
        #expect(help.stdout.contains("USAGE: bench-http") && help.stdout.contains("--durable-seconds"),
                "\(help.stdout)")
        #expect(!help.stdout.contains("req/s"), "the benchmark ran: \(help.stdout)")
        let cases = [
            (["--bogus"], "--bogus"), (["--connections", "0"], "--connections"), (["--seconds", "soon"], "--seconds"),
        ]
        for (extra, named) in cases {
            let run = try Self.run("bench-http", small + extra)
            #expect(run.status == 64, "\(extra): exit \(run.status): \(run.stdout) \(run.stderr)")
            #expect(run.stderr.contains(named), "\(extra): \(run.stderr)")
            #expect(!run.stdout.contains("req/s"), "\(extra): the benchmark ran: \(run.stdout)")
        }
    }

    @Test func crashtestHelpListsTheModesAndBadArgumentsAreUsageErrors() throws {
        let dir = Self.untouchedDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let help = try Self.run("crashtest", ["--rounds", "1", "--data", dir, "--help"])
        #expect(help.status == 0, "\(help.stderr)")
        for word in ["USAGE: crashtest", "writer", "rebuild", "race", "open"] {
            #expect(help.stdout.contains(word), "--help does not show \(word): \(help.stdout)")
        }
        let cases: [([String], String)] = [
            (["--rounds", "1", "--data", dir, "--bogus"], "--bogus"),
            (["--rounds", "many", "--data", dir], "--rounds"),
            (["open", "--data", dir, "--tenant", "not-a-uuid"], "not-a-uuid"),
            (["open", "--data", dir], "--tenant"),
            (["race", "--data", dir, "--tenant", UUID().uuidString, "--stream", "s", "--bogus"], "--bogus"),
        ]
        for (arguments, named) in cases {
            let run = try Self.run("crashtest", arguments)
            #expect(run.status == 64, "\(arguments): exit \(run.status): \(run.stdout) \(run.stderr)")
            #expect(run.stderr.contains(named), "\(arguments): \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir), "crashtest created its data directory")
    }
}
