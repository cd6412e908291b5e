import BulkheadCore
import Domain
import Foundation
import Projections
import Testing

/// Paths, repositories and e-mail addresses are checked on Unicode scalars, never on grapheme
/// clusters: a `.`, `/`, `@` or space followed by a combining mark is still that character.
@Suite struct UnicodeInputTests {
    /// Each path has a `.`, `..` or empty segment once split on the scalar `/`.
    @Test(arguments: [
        ("../\u{301}etc", "may not contain '.' or '..' segments"),
        ("./\u{301}", "may not contain '.' or '..' segments"),
        ("a//\u{301}", "has an empty segment"), ("src/../\u{20DD}x", "may not contain '.' or '..' segments"),
        ("a/./\u{301}b", "may not contain '.' or '..' segments"),
    ])
    func aPathWithADotOrEmptySegmentBeforeACombiningMarkIsRefused(input: String, reason: String) throws {
        let h = try Harness()
        let id = try h.project()
        try h.expectRefusal(.invalid(field: "scanPath", reason: "'\(input)' \(reason)")) {
            try h.run(CreateProject(name: "P", scanPath: input))
        }
        try h.expectRefusal(.invalid(field: "scanPath", reason: "'\(input)' \(reason)")) {
            try h.run(UpdateProject(projectId: id, scanPath: input))
        }
        try h.expectRefusal(.invalid(field: "path", reason: "'\(input)' \(reason)")) {
            try h.run(ImportSource(projectId: id, repository: "example/codemcp", path: input))
        }
    }

    /// A leading or trailing `/` is trimmed even when a combining mark follows it.
    @Test(arguments: [
        ("/\u{301}", "\u{301}"), ("\u{301}/", "\u{301}"), ("//a/\u{301}//", "a/\u{301}"),
        ("..\u{301}/x", "..\u{301}/x"),
    ])
    func aSlashBeforeACombiningMarkIsTrimmedLikeAnyOther(input: String, stored: String) throws {
        let h = try Harness()
        let project = try h.project()
        try h.run(ImportSource(projectId: project, repository: "example/codemcp", path: input))
        let paths = try h.view { try $0.project(project)?.sources.map(\.path) } ?? []
        #expect(paths.count == 1)
        #expect(paths.allSatisfy { $0.unicodeScalars.elementsEqual(stored.unicodeScalars) },
                "stored \(paths.map(\.debugDescription))")
        #expect(paths.allSatisfy { $0.utf8.first != UInt8(ascii: "/") && $0.utf8.last != UInt8(ascii: "/") })
        let id = try #require(try h.run(CreateProject(name: "P", scanPath: input)).ids["projectId"])
        let scanPath = try #require(try h.view { try $0.project(id)?.scanPath })
        #expect(scanPath.unicodeScalars.elementsEqual(stored.unicodeScalars), "stored \(scanPath.debugDescription)")
    }

    /// Two paths that differ in their bytes are two sources, even when Swift's `==` (canonical
    /// equivalence) calls them equal: a Git tree can hold both.
    @Test func pathsAreComparedByTheirBytes() throws {
        let h = try Harness()
        let project = try h.project()
        try h.run(ImportSource(projectId: project, repository: "example/codemcp", path: "caf\u{E9}"))
        try h.run(ImportSource(projectId: project, repository: "example/codemcp", path: "cafe\u{301}"))
        #expect(try h.view { try $0.project(project)?.sources.count } == 2)
        let duplicate = "project \(project.lowercased) already has the source Example/CodeMCP/cafe\u{301}"
        try h.expectRefusal(.refused(duplicate)) {
            try h.run(ImportSource(projectId: project, repository: "Example/CodeMCP", path: "/cafe\u{301}/"))
        }
    }

    @Test(arguments: [
        "own\u{301}er/name", "owner/\u{301}name", "owner/.\u{301}", "../\u{301}name", "a/b/\u{301}",
        "owner\u{301}/name",
    ])
    func aRepositoryWithACombiningMarkIsRefused(input: String) throws {
        let h = try Harness()
        let reason = "'\(input)' is not a GitHub repository of the form owner/name"
        try h.expectRefusal(.invalid(field: "githubRepository", reason: reason)) {
            try h.run(CreateProject(name: "P", githubRepository: input))
        }
    }

    /// The rule of `Schemas/commands/tenant.addUser.schema.json` (`^[^@ ]+@[^@ ]*\.[^@ ]*$`) on
    /// scalars: one `@` with text before it, a `.` after it, no space.
    @Test(arguments: ["0@.\u{1a1b},?", "a@b.\u{301}", "a@\u{301}b.c", "\u{301}@x.y"])
    func anEmailThatMatchesTheContractsPatternIsAccepted(email: String) throws {
        let h = try Harness()
        let id = try #require(try h.run(AddUser(email: email, displayName: "U")).ids["userId"])
        #expect(try h.view { try $0.user(id)?.email.unicodeScalars.elementsEqual(email.unicodeScalars) } == true)
    }

    @Test(arguments: [
        "a \u{301}@b.c", "a@b@\u{301}c.d", "a@\u{301}@b.c", "a@b \u{301}.c", "a@b\u{301}", "@\u{301}b.c",
    ])
    func anEmailThatBreaksTheContractsPatternIsRefused(email: String) throws {
        let h = try Harness()
        try h.expectRefusal(.invalid(field: "email", reason: "'\(email)' is not an e-mail address")) {
            try h.run(AddUser(email: email, displayName: "U"))
        }
    }

    @Test func aDateWithACombiningMarkIsNotADate() {
        #expect(LocalDate("2025-03-0\u{301}") == nil)
        #expect(LocalDate("2025-\u{301}3-01") == nil)
        #expect(LocalDate("2025-03-01") == LocalDate(year: 2025, month: 3, day: 1))
    }
}
