import BulkheadCore
import Foundation

/// Loads a project of this tenant or refuses with "not found" (also for another tenant's id).
func existingProject(_ state: any TenantState, _ id: UUID) throws -> ProjectRecord {
    guard let project = try state.project(id) else { throw CommandError.notFound(entity: "project", id: id.lowercased) }
    return project
}

/// `project.create`: creates a project with an optional GitHub repository and a scan path.
public struct CreateProject: Command {
    public static let name = "project.create"
    /// The project's id; generated when omitted.
    public var projectId: UUID?
    /// Its name (1 to 200 bytes).
    public var name: String
    /// Its GitHub repository (`owner/name`).
    public var githubRepository: String?
    /// The directory to analyse; `""` or omitted is the repository root. Normalised: no leading
    /// or trailing `/`, no `.` or `..` segments.
    public var scanPath: String?

    /// Creates the command.
    public init(projectId: UUID? = nil, name: String, githubRepository: String? = nil, scanPath: String? = nil) {
        self.projectId = projectId
        self.name = name
        self.githubRepository = githubRepository
        self.scanPath = scanPath
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        try Check.text(name, "name", max: 200)
        if let repo = githubRepository { try Check.repository(repo, "githubRepository") }
        let path = try Check.repositoryPath(scanPath ?? "", "scanPath")
        let id = context.id(projectId)
        if try state.projectIDUsed(id) { throw CommandError.refused("project id \(id.lowercased) is already used") }
        var decision = Decision()
        decision.ids["projectId"] = id
        decision.append(Streams.project(id), new: true,
                        .projectCreated(ProjectCreated(projectId: id, name: name, githubRepository: githubRepository, scanPath: path)))
        return decision
    }
}

/// `project.update`: changes a project's name, repository (`""` removes it) or scan path. Any
/// user of the tenant may update any of its projects.
public struct UpdateProject: Command {
    public static let name = "project.update"
    /// The project.
    public var projectId: UUID
    /// A new name.
    public var name: String?
    /// A new repository; `""` removes it.
    public var githubRepository: String?
    /// A new scan path; `""` is the root.
    public var scanPath: String?

    /// Creates the command.
    public init(projectId: UUID, name: String? = nil, githubRepository: String? = nil, scanPath: String? = nil) {
        self.projectId = projectId
        self.name = name
        self.githubRepository = githubRepository
        self.scanPath = scanPath
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        guard name != nil || githubRepository != nil || scanPath != nil else {
            throw CommandError.invalid(field: "(body)", reason: "give at least one of name, githubRepository, scanPath")
        }
        if let name { try Check.text(name, "name", max: 200) }
        if let repo = githubRepository, !repo.isEmpty { try Check.repository(repo, "githubRepository") }
        let path = try scanPath.map { try Check.repositoryPath($0, "scanPath") }
        let project = try existingProject(state, projectId)
        let repository: String? = githubRepository.map { $0.isEmpty ? nil : $0 } ?? project.githubRepository
        var decision = Decision()
        decision.ids["projectId"] = projectId
        decision.append(Streams.project(projectId), .projectUpdated(ProjectUpdated(
            projectId: projectId, name: name ?? project.name, githubRepository: repository, scanPath: path ?? project.scanPath)))
        return decision
    }
}

/// `project.delete`: deletes a project.
public struct DeleteProject: Command {
    public static let name = "project.delete"
    /// The project.
    public var projectId: UUID

    /// Creates the command.
    public init(projectId: UUID) { self.projectId = projectId }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        _ = try existingProject(state, projectId)
        if let run = try state.activeRun(project: projectId) {
            throw CommandError.refused("project \(projectId.lowercased) has an active analysis run \(run.runId.lowercased); complete or fail it first")
        }
        if let sync = try state.runningSync(project: projectId) {
            throw CommandError.refused("project \(projectId.lowercased) has a running sync \(sync.syncId.lowercased); complete or fail it first")
        }
        var decision = Decision()
        decision.ids["projectId"] = projectId
        decision.append(Streams.project(projectId), .projectDeleted(ProjectDeleted(projectId: projectId)))
        return decision
    }
}

/// `project.importSource`: imports a GitHub repository (and a path in it) as a project source.
public struct ImportSource: Command {
    public static let name = "project.importSource"
    /// The project.
    public var projectId: UUID
    /// The source's id; generated when omitted.
    public var sourceId: UUID?
    /// The repository (`owner/name`).
    public var repository: String
    /// The path in it; `""` or omitted is the root.
    public var path: String?

    /// Creates the command.
    public init(projectId: UUID, sourceId: UUID? = nil, repository: String, path: String? = nil) {
        self.projectId = projectId
        self.sourceId = sourceId
        self.repository = repository
        self.path = path
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        try Check.repository(repository, "repository")
        let normalised = try Check.repositoryPath(path ?? "", "path")
        let project = try existingProject(state, projectId)
        // Byte equality: `==` on String is canonical equivalence, and Git tells "é" from "e\u{301}".
        let sameSource = project.sources.contains { source in
            source.repository.lowercased().utf8.elementsEqual(repository.lowercased().utf8)
                && source.path.utf8.elementsEqual(normalised.utf8)
        }
        if sameSource {
            throw CommandError.refused("project \(projectId.lowercased) already has the source \(repository)/\(normalised)")
        }
        let id = context.id(sourceId)
        if try state.sourceIDUsed(id) { throw CommandError.refused("source id \(id.lowercased) is already used") }
        var decision = Decision()
        decision.ids["projectId"] = projectId
        decision.ids["sourceId"] = id
        decision.append(Streams.project(projectId), .sourceImported(SourceImported(projectId: projectId, sourceId: id, repository: repository, path: normalised)))
        return decision
    }
}

/// `note.create`: writes a note in a project.
public struct CreateNote: Command {
    public static let name = "note.create"
    /// The project.
    public var projectId: UUID
    /// The note's id; generated when omitted.
    public var noteId: UUID?
    /// Its title (1 to 200 bytes).
    public var title: String
    /// Its text (1 to 100,000 bytes).
    public var body: String

    /// Creates the command.
    public init(projectId: UUID, noteId: UUID? = nil, title: String, body: String) {
        self.projectId = projectId
        self.noteId = noteId
        self.title = title
        self.body = body
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        try Check.text(title, "title", max: 200)
        try Check.text(body, "body", max: 100_000, multiline: true)
        _ = try existingProject(state, projectId)
        let id = context.id(noteId)
        if try state.note(id) != nil { throw CommandError.refused("note id \(id.lowercased) is already used") }
        var decision = Decision()
        decision.ids["projectId"] = projectId
        decision.ids["noteId"] = id
        decision.append(Streams.project(projectId), .noteCreated(NoteCreated(projectId: projectId, noteId: id, title: title, body: body)))
        return decision
    }
}

/// `blog.publish`: publishes a blog post of a project.
public struct PublishBlogPost: Command {
    public static let name = "blog.publish"
    /// The project.
    public var projectId: UUID
    /// The post's id; generated when omitted.
    public var postId: UUID?
    /// Its title (1 to 200 bytes).
    public var title: String
    /// Its text (1 to 100,000 bytes).
    public var body: String

    /// Creates the command.
    public init(projectId: UUID, postId: UUID? = nil, title: String, body: String) {
        self.projectId = projectId
        self.postId = postId
        self.title = title
        self.body = body
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        try Check.text(title, "title", max: 200)
        try Check.text(body, "body", max: 100_000, multiline: true)
        _ = try existingProject(state, projectId)
        let id = context.id(postId)
        if try state.blogPost(id) != nil { throw CommandError.refused("blog post id \(id.lowercased) is already used") }
        var decision = Decision()
        decision.ids["projectId"] = projectId
        decision.ids["postId"] = id
        decision.append(Streams.project(projectId), .blogPublished(BlogPublished(projectId: projectId, postId: id, title: title, body: body)))
        return decision
    }
}

/// Loads a blog post whose project still exists, or refuses with "not found".
func existingPost(_ state: any TenantState, _ id: UUID) throws -> BlogPostRecord {
    guard let post = try state.blogPost(id), try state.project(post.projectId) != nil else {
        throw CommandError.notFound(entity: "blog post", id: id.lowercased)
    }
    return post
}

/// `blog.update`: changes a blog post's title or text.
public struct UpdateBlogPost: Command {
    public static let name = "blog.update"
    /// The post.
    public var postId: UUID
    /// A new title.
    public var title: String?
    /// A new text.
    public var body: String?

    /// Creates the command.
    public init(postId: UUID, title: String? = nil, body: String? = nil) {
        self.postId = postId
        self.title = title
        self.body = body
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        guard title != nil || body != nil else { throw CommandError.invalid(field: "(body)", reason: "give at least one of title, body") }
        if let title { try Check.text(title, "title", max: 200) }
        if let body { try Check.text(body, "body", max: 100_000, multiline: true) }
        let post = try existingPost(state, postId)
        var decision = Decision()
        decision.ids["projectId"] = post.projectId
        decision.ids["postId"] = postId
        decision.append(Streams.project(post.projectId), .blogUpdated(BlogUpdated(
            projectId: post.projectId, postId: postId, title: title ?? post.title, body: body ?? post.body)))
        return decision
    }
}

/// `blog.delete`: deletes a blog post.
public struct DeleteBlogPost: Command {
    public static let name = "blog.delete"
    /// The post.
    public var postId: UUID

    /// Creates the command.
    public init(postId: UUID) { self.postId = postId }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        let post = try existingPost(state, postId)
        var decision = Decision()
        decision.ids["projectId"] = post.projectId
        decision.ids["postId"] = postId
        decision.append(Streams.project(post.projectId), .blogDeleted(BlogDeleted(projectId: post.projectId, postId: postId)))
        return decision
    }
}

/// `knowledge.record`: records a knowledge entry of one of the four kinds for a project.
public struct RecordKnowledge: Command {
    public static let name = "knowledge.record"
    /// The project.
    public var projectId: UUID
    /// The entry's id; generated when omitted.
    public var entryId: UUID?
    /// Its kind: codePattern, memoryEntry, workflowInsight or consolidationPattern.
    public var kind: KnowledgeKind
    /// Its text (1 to 20,000 bytes).
    public var content: String

    /// Creates the command.
    public init(projectId: UUID, entryId: UUID? = nil, kind: KnowledgeKind, content: String) {
        self.projectId = projectId
        self.entryId = entryId
        self.kind = kind
        self.content = content
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        try Check.text(content, "content", max: 20_000, multiline: true)
        _ = try existingProject(state, projectId)
        let id = context.id(entryId)
        if try state.knowledge(id) != nil { throw CommandError.refused("knowledge entry id \(id.lowercased) is already used") }
        var decision = Decision()
        decision.ids["projectId"] = projectId
        decision.ids["entryId"] = id
        decision.append(Streams.project(projectId), .knowledgeRecorded(KnowledgeRecorded(projectId: projectId, entryId: id, kind: kind, content: content)))
        return decision
    }
}
