import Foundation
import Testing

/// The crash test's short mode: writers and rebuilds are killed with SIGKILL at random moments,
/// and after every kill nothing acknowledged is lost, every hash chain verifies and every
/// projection equals a rebuild from the log. The long mode is `crashtest --rounds 500`.
@Suite struct CrashTests {
    @Test func twentyRandomKillsLoseNothingAcknowledgedAndLeaveProjectionsEqualToARebuild() throws {
        let scratch = try TemporaryDirectory("crash")
        let child = try Child.start(
            try Executables.find("crashtest"),
            ["--rounds", "20", "--seed", "20260511", "--data", scratch.sub("crash")], outputIn: scratch.path)
        let run = try child.finish(timeout: 150)
        let failures = run.lines.filter { $0.contains("FAILED") }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(!run.signaled, "crashtest itself died of a signal: \(run.stderr)")
        #expect(run.status == 0, "crashtest exited \(run.status): \(run.stderr)\n\(run.stdout)")
        #expect(run.lines.last == "20 passed, 0 failed", "last line: \(run.lines.last ?? "(none)")\n\(run.stderr)")
        // Every round killed something: the test exercised crashes, not clean exits.
        let rounds = run.lines.filter { $0.hasPrefix("round ") }
        #expect(rounds.count == 20)
        #expect(rounds.allSatisfy { !$0.contains("exited on its own") }, "\(rounds.joined(separator: "\n"))")
    }
}
