import BulkheadCore
import EventLog
import Foundation
import Storage
import Testing

/// Two processes share one data directory: LMDB's single writer keeps positions gap-free across
/// them, and each sees the other's events and map growth.
@Suite struct TwoProcessTests {
    /// The `eventlog-child` executable built next to the test binary.
    static func childExecutable() throws -> URL {
        var starts: [URL] = [
            URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(),
            Bundle.main.bundleURL,
            URL(fileURLWithPath: CommandLine.arguments[0], relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)),
        ]
        starts.append(contentsOf: Bundle.allBundles.map(\.bundleURL))
        var searched: [String] = []
        for start in starts {
            var directory = start.standardizedFileURL
            for _ in 0..<5 {
                let candidate = directory.appendingPathComponent("eventlog-child")
                searched.append(candidate.path)
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                directory = directory.deletingLastPathComponent()
            }
        }
        throw TestFailure("""
            eventlog-child was not found next to the test binary; `swift build --build-tests` builds it. \
            Searched: \(Array(Set(searched)).sorted().joined(separator: ", "))
            """)
    }

    /// A running child; its output goes to files so that neither side can block on a full pipe.
    struct Child {
        let process: Process
        let stdout: URL
        let stderr: URL

        static func start(_ arguments: [String], outputIn directory: String) throws -> Child {
            let name = UUID().uuidString.lowercased()
            let stdout = URL(fileURLWithPath: directory).appendingPathComponent("child-\(name).out")
            let stderr = URL(fileURLWithPath: directory).appendingPathComponent("child-\(name).err")
            FileManager.default.createFile(atPath: stdout.path, contents: nil)
            FileManager.default.createFile(atPath: stderr.path, contents: nil)
            let process = Process()
            process.executableURL = try childExecutable()
            process.arguments = arguments
            process.standardOutput = try FileHandle(forWritingTo: stdout)
            process.standardError = try FileHandle(forWritingTo: stderr)
            process.standardInput = FileHandle.nullDevice
            try process.run()
            return Child(process: process, stdout: stdout, stderr: stderr)
        }

        /// Waits for the child to exit (killing it if it hangs, so the suite cannot) and returns
        /// its exit status and output lines.
        func finish() throws -> (status: Int32, lines: [String], errors: String) {
            let deadline = Date().addingTimeInterval(120)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
                throw TestFailure("eventlog-child hung and was terminated")
            }
            process.waitUntilExit()
            let out = String(decoding: try Data(contentsOf: stdout), as: UTF8.self)
            let err = String(decoding: try Data(contentsOf: stderr), as: UTF8.self)
            return (process.terminationStatus, out.split(separator: "\n").map(String.init), err)
        }
    }

    /// Parses the child's "appended POSITION EVENT_ID" lines.
    private func acknowledgements(_ lines: [String]) throws -> [UInt64: UUID] {
        var result: [UInt64: UUID] = [:]
        for line in lines {
            let parts = line.split(separator: " ")
            guard parts.count == 3, parts[0] == "appended", let position = UInt64(parts[1]), let id = UUID(uuidString: String(parts[2])) else {
                throw TestFailure("unexpected line from eventlog-child: \(line)")
            }
            result[position] = id
        }
        return result
    }

    /// The test process appends while a child process appends to the same tenant; then the
    /// child reads. `childOptions` and `partitionOptions` set the map sizes of either side.
    private func appendFromBothProcesses(
        partitionOptions: EnvironmentOptions, childOptions: [String], payloadBytes: Int, perProcess: Int
    ) throws {
        try withTemporaryDirectory { dir in
            let root = (dir as NSString).appendingPathComponent("data")
            let data = try DataDirectory(path: root, partitionOptions: partitionOptions)
            let tenant = try registerTenant(data, "two-process-club")
            let partition = try data.partition(for: tenant)
            var ours: [UInt64: UUID] = [:]
            let first = newEvent()
            ours[try partition.append(stream: "parent", expected: .noStream, events: [first], recordedAt: recordedAt).positions.lowerBound] = first.eventID

            let child = try Child.start(
                ["append", root, tenant.description, "child", "\(perProcess)", "--payload-bytes", "\(payloadBytes)"] + childOptions,
                outputIn: dir)
            for n in 0..<perProcess {
                let event = newEvent(payload: (0..<payloadBytes).map { UInt8(truncatingIfNeeded: $0 &+ n) })
                let result = try partition.append(stream: "parent", expected: .any, events: [event], recordedAt: Date())
                ours[result.positions.lowerBound] = event.eventID
            }
            let appended = try child.finish()
            try #require(appended.status == 0, "eventlog-child append failed: \(appended.errors)")
            let theirs = try acknowledgements(appended.lines)
            #expect(theirs.count == perProcess)
            #expect(Set(ours.keys).isDisjoint(with: theirs.keys), "a position was acknowledged to both processes")

            let total = UInt64(1 + 2 * perProcess)
            let events = try allEvents(partition)
            #expect(events.map(\.position) == Array(1...total))
            for event in events {
                let expected = ours[event.position] ?? theirs[event.position]
                #expect(event.eventID == expected, "position \(event.position)")
            }
            try partition.read { log throws in
                #expect(try log.stream("child").map(\.streamVersion) == Array(1...UInt64(perProcess)))
                #expect(try log.stream("child").map(\.eventID) == theirs.keys.sorted().compactMap { theirs[$0] })
                #expect(try log.streamVersion("parent") == UInt64(perProcess + 1))
            }
            let head = try partition.head()
            #expect(head.position == total)
            #expect(try partition.verify() == .ok(tenant: tenant, events: total, headHash: head.hash))

            // The child, opening the directory while we still hold it, sees the same log.
            let read = try Child.start(["read", root, tenant.description] + childOptions, outputIn: dir).finish()
            try #require(read.status == 0, "eventlog-child read failed: \(read.errors)")
            #expect(read.lines == ["count \(total)", "head \(total) \(head.hash.hexString)", "verify ok"])
        }
    }

    @Test func aChildProcessAppendsAndReadsWhileThisProcessHoldsTheDirectoryAndAppends() throws {
        try appendFromBothProcesses(partitionOptions: EnvironmentOptions(), childOptions: [], payloadBytes: 64, perProcess: 150)
    }

    @Test func bothProcessesGrowASmallMapWhileAppending() throws {
        try appendFromBothProcesses(
            partitionOptions: EnvironmentOptions(initialMapSize: 64 * 1024),
            childOptions: ["--initial-map-size", "\(64 * 1024)"], payloadBytes: 8 * 1024, perProcess: 120)
    }
}
