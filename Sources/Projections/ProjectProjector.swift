import BulkheadCore
import Domain
import Foundation

/// Projects with their sources, scan path, note and blog counts, knowledge counts per kind, and the
/// notes, posts and knowledge entries themselves (for note enrichment).
///
/// Keys: `p`+project → ``ProjectRecord`` (removed on delete); `x`+project → marker (id used);
/// `s`+source → project id; `n`+note → ``NoteRecord``; `N`+project+note → marker;
/// `b`+post → ``BlogPostRecord``; `B`+project+post → marker; `k`+entry → ``KnowledgeRecord``;
/// `K`+project+kind+entry → marker.
public struct ProjectProjector: Projector {
    public let name = "projects"
    public let version = 1

    /// Creates the projector.
    public init() {}

    public func handles(_ type: String) -> Bool {
        type.hasPrefix("project.") || type.hasPrefix("note.") || type.hasPrefix("blog.") || type.hasPrefix("knowledge.")
    }

    static func project(_ id: UUID) -> Key { Key("p", .uuid(id)) }
    static func projectUsed(_ id: UUID) -> Key { Key("x", .uuid(id)) }
    static func source(_ id: UUID) -> Key { Key("s", .uuid(id)) }
    static func note(_ id: UUID) -> Key { Key("n", .uuid(id)) }
    static func projectNote(_ project: UUID, _ note: UUID) -> Key { Key("N", .uuid(project), .uuid(note)) }
    static func post(_ id: UUID) -> Key { Key("b", .uuid(id)) }
    static func projectPost(_ project: UUID, _ post: UUID) -> Key { Key("B", .uuid(project), .uuid(post)) }
    static func knowledge(_ id: UUID) -> Key { Key("k", .uuid(id)) }
    static func projectKnowledge(_ project: UUID, _ kind: KnowledgeKind) -> Key {
        Key("K", .uuid(project), .byte(kindByte(kind)))
    }
    static func projectKnowledge(_ project: UUID, _ kind: KnowledgeKind, _ entry: UUID) -> Key {
        Key("K", .uuid(project), .byte(kindByte(kind)), .uuid(entry))
    }
    static func kindByte(_ kind: KnowledgeKind) -> UInt8 {
        UInt8(KnowledgeKind.allCases.firstIndex(of: kind) ?? 0)
    }

    static let marker: [UInt8] = []

    public func apply(_ event: Event, _ meta: EventMeta, _ store: ProjectionStore) throws {
        switch event {
        case .projectCreated(let e):
            try store.setRecord(Self.project(e.projectId), ProjectRecord(
                projectId: e.projectId, name: e.name, githubRepository: e.githubRepository, scanPath: e.scanPath,
                createdAt: meta.recordedAt, createdBy: meta.actor, updatedAt: meta.recordedAt, sources: [],
                noteCount: 0, blogPostCount: 0, knowledge: KnowledgeCounts()))
            try store.setBytes(Self.projectUsed(e.projectId), Self.marker)
        case .projectUpdated(let e):
            try updateProject(e.projectId, store, meta) {
                $0.name = e.name
                $0.githubRepository = e.githubRepository
                $0.scanPath = e.scanPath
            }
        case .projectDeleted(let e):
            try store.setRecord(Self.project(e.projectId), ProjectRecord?.none)
        case .sourceImported(let e):
            try updateProject(e.projectId, store, meta) {
                $0.sources.append(SourceRecord(sourceId: e.sourceId, repository: e.repository, path: e.path, importedAt: meta.recordedAt))
            }
            try store.setRecord(Self.source(e.sourceId), e.projectId)
        case .noteCreated(let e):
            try updateProject(e.projectId, store, meta) { $0.noteCount += 1 }
            try store.setRecord(Self.note(e.noteId), NoteRecord(noteId: e.noteId, projectId: e.projectId, title: e.title, body: e.body, createdAt: meta.recordedAt))
            try store.setBytes(Self.projectNote(e.projectId, e.noteId), Self.marker)
        case .blogPublished(let e):
            try updateProject(e.projectId, store, meta) { $0.blogPostCount += 1 }
            try store.setRecord(Self.post(e.postId), BlogPostRecord(
                postId: e.postId, projectId: e.projectId, title: e.title, body: e.body, publishedAt: meta.recordedAt, updatedAt: meta.recordedAt))
            try store.setBytes(Self.projectPost(e.projectId, e.postId), Self.marker)
        case .blogUpdated(let e):
            try store.update(Self.post(e.postId), as: BlogPostRecord.self) {
                $0?.title = e.title
                $0?.body = e.body
                $0?.updatedAt = meta.recordedAt
            }
        case .blogDeleted(let e):
            try updateProject(e.projectId, store, meta) { $0.blogPostCount -= 1 }
            try store.setRecord(Self.post(e.postId), BlogPostRecord?.none)
            try store.setBytes(Self.projectPost(e.projectId, e.postId), nil)
        case .knowledgeRecorded(let e):
            try updateProject(e.projectId, store, meta) { $0.knowledge[e.kind] += 1 }
            try store.setRecord(Self.knowledge(e.entryId), KnowledgeRecord(
                entryId: e.entryId, projectId: e.projectId, kind: e.kind, content: e.content, recordedAt: meta.recordedAt))
            try store.setBytes(Self.projectKnowledge(e.projectId, e.kind, e.entryId), Self.marker)
        default:
            break
        }
    }

    private func updateProject(_ id: UUID, _ store: ProjectionStore, _ meta: EventMeta, _ change: (inout ProjectRecord) -> Void) throws {
        try store.update(Self.project(id), as: ProjectRecord.self) { record in
            // Changed in place: a copy would share the record's arrays and copy them on change.
            guard record != nil else { return }
            change(&record!)
            record!.updatedAt = meta.recordedAt
        }
    }

    public func describe(key: Key, value: [UInt8]) -> String {
        switch key.kind {
        case UInt8(ascii: "p"): return describeRecord(ProjectRecord.self, value)
        case UInt8(ascii: "s"): return describeRecord(UUID.self, value)
        case UInt8(ascii: "n"): return describeRecord(NoteRecord.self, value)
        case UInt8(ascii: "b"): return describeRecord(BlogPostRecord.self, value)
        case UInt8(ascii: "k"): return describeRecord(KnowledgeRecord.self, value)
        default: return value.isEmpty ? "(marker)" : value.hexString
        }
    }
}
