import Foundation
import Testing

/// Runs the built `bulkhead` executable as a subprocess, as a user would.
struct CLI {
    let data: String

    init() {
        data = NSTemporaryDirectory() + "bulkhead-cli-\(UUID().uuidString)"
    }

    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The `bulkhead` binary next to the test bundle (built by `swift build --build-tests`).
    static let executable: String? = {
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("bulkhead").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let cwd = FileManager.default.currentDirectoryPath
        for path in [".build/debug/bulkhead", ".build/release/bulkhead"] where FileManager.default.isExecutableFile(atPath: cwd + "/" + path) {
            return cwd + "/" + path
        }
        return nil
    }()

    @discardableResult
    func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Run {
        let binary = try #require(CLI.executable, "the bulkhead executable was not found; `swift build --build-tests` builds it")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["BULKHEAD_DATA"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData, as: UTF8.self))
    }

    /// `bulkhead ARGS --data DIR`.
    @discardableResult
    func callAsFunction(_ arguments: String..., stdin: String? = nil) throws -> Run {
        try run(arguments + ["--data", data], stdin: stdin)
    }

    /// The bytes of every data file (not lock files), by relative path.
    func snapshot() throws -> [String: Data] {
        var result: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(atPath: data) else { return result }
        for case let relative as String in walker where relative.hasSuffix("data.mdb") {
            result[relative] = try Data(contentsOf: URL(fileURLWithPath: data + "/" + relative))
        }
        return result
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: data) }
}
