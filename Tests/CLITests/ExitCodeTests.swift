import Foundation
import Testing

/// The CLI's exit codes come from the one failure classification, and its JSON errors are the
/// encoded error object: the cases where the CLI and HTTP used to disagree.
@Suite struct ExitCodeTests {
    /// stderr's one JSON error object.
    func jsonError(_ run: CLI.Run) throws -> [String: Any] {
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(run.stderr)")
        let line = Data((lines.first ?? "").utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any])
        return try #require(object["error"] as? [String: Any], "\(run.stderr)")
    }

    /// An unknown command is "not found" (exit 2), as over HTTP (404); it was exit 1.
    @Test func anUnknownCommandIsNotFoundWithExit2() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        #expect(try cli("tenant", "create", "alpha", "--name", "Alpha", "--owner", "ana@alpha.example").status == 0)
        let run = try cli("exec", "--tenant", "alpha", "--actor", "ana@alpha.example", "project.explode", "{}",
                          "--format", "json")
        #expect(run.status == 2, "\(run.stderr)")
        let error = try jsonError(run)
        #expect(error["code"] as? String == "unknown_command" && error["exitCode"] as? Int == 2, "\(error)")
    }

    /// A taken slug is a conflict (exit 3, HTTP 409); its JSON error is one encoded object that
    /// survives quotes in the message.
    @Test func aTakenSlugIsAConflictWithExit3AndAnEncodedJSONError() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        #expect(try cli("tenant", "create", "alpha", "--name", "Alpha", "--owner", "ana@alpha.example").status == 0)
        let run = try cli("tenant", "create", "alpha", "--name", "Other \"quoted\" name",
                          "--owner", "bo@other.example", "--format", "json")
        #expect(run.status == 3, "\(run.stderr)")
        let error = try jsonError(run)
        #expect(error["code"] as? String == "conflict" && error["exitCode"] as? Int == 3, "\(error)")
        #expect((error["message"] as? String)?.contains("'alpha' is already taken") == true, "\(error)")
        // Invalid input names its field.
        let bad = try cli("tenant", "create", "Bad Slug", "--name", "Bad", "--owner", "ana@bad.example",
                          "--format", "json")
        #expect(bad.status == 1)
        #expect(try jsonError(bad)["field"] as? String == "slug", "\(bad.stderr)")
    }
}
