import BulkheadCore
import Domain
import Foundation

/// Sync chains: per project, syncs in order with status and timing; each holds a link to its
/// predecessor until it fails or is orphaned (then it is shown detached).
///
/// Keys: `s`+sync → ``SyncRecord``; `S`+project+started(µs)+sync → marker (syncs in order);
/// `r`+project → running sync id; `R`+sync → marker (running syncs of the tenant);
/// `c`+project → last completed sync id; `t`+predecessor → the sync holding that link.
public struct SyncProjector: Projector {
    public let name = "syncs"
    public let version = 1

    /// Creates the projector.
    public init() {}

    public func handles(_ type: String) -> Bool { type.hasPrefix("sync.") }

    static func sync(_ id: UUID) -> Key { Key("s", .uuid(id)) }
    static func projectSyncs(_ project: UUID) -> Key { Key("S", .uuid(project)) }
    static func projectSync(_ project: UUID, _ started: Date, _ sync: UUID) -> Key {
        Key("S", .uuid(project), .uint64(micros(started)), .uuid(sync))
    }
    static func running(_ project: UUID) -> Key { Key("r", .uuid(project)) }
    static let runningAll = Key("R")
    static func runningIndex(_ sync: UUID) -> Key { Key("R", .uuid(sync)) }
    static func lastCompleted(_ project: UUID) -> Key { Key("c", .uuid(project)) }
    static func link(_ predecessor: UUID) -> Key { Key("t", .uuid(predecessor)) }

    public func apply(_ event: Event, _ meta: EventMeta, _ store: ProjectionStore) throws {
        switch event {
        case .syncStarted(let e):
            try store.setRecord(Self.sync(e.syncId), SyncRecord(
                syncId: e.syncId, projectId: e.projectId, previousSyncId: e.previousSyncId, status: .running,
                startedAt: meta.recordedAt, endedAt: nil, reason: nil))
            try store.setBytes(Self.projectSync(e.projectId, meta.recordedAt, e.syncId), [])
            try store.setRecord(Self.running(e.projectId), e.syncId)
            try store.setBytes(Self.runningIndex(e.syncId), [])
            if let previous = e.previousSyncId { try store.setRecord(Self.link(previous), e.syncId) }
        case .syncCompleted(let e):
            try end(e.syncId, e.projectId, .completed, reason: nil, releaseLink: false, meta, store)
            try store.setRecord(Self.lastCompleted(e.projectId), e.syncId)
        case .syncFailed(let e):
            try end(e.syncId, e.projectId, .failed, reason: e.reason, releaseLink: true, meta, store)
        case .syncOrphaned(let e):
            try end(e.syncId, e.projectId, .orphaned, reason: "running for more than 10 minutes", releaseLink: true, meta, store)
        default:
            break
        }
    }

    private func end(_ id: UUID, _ project: UUID, _ status: SyncStatus, reason: String?, releaseLink: Bool, _ meta: EventMeta, _ store: ProjectionStore) throws {
        var previous: UUID?
        try store.update(Self.sync(id), as: SyncRecord.self) { record in
            previous = record?.previousSyncId
            record?.status = status
            record?.endedAt = meta.recordedAt
            record?.reason = reason
            if releaseLink { record?.previousSyncId = nil }
        }
        if releaseLink, let previous, try store.record(Self.link(previous), as: UUID.self) == id {
            try store.setRecord(Self.link(previous), UUID?.none)
        }
        if try store.record(Self.running(project), as: UUID.self) == id {
            try store.setRecord(Self.running(project), UUID?.none)
        }
        try store.setBytes(Self.runningIndex(id), nil)
    }

    public func describe(key: Key, value: [UInt8]) -> String {
        switch key.kind {
        case UInt8(ascii: "s"): return describeRecord(SyncRecord.self, value)
        case UInt8(ascii: "r"), UInt8(ascii: "c"), UInt8(ascii: "t"): return describeRecord(UUID.self, value)
        default: return value.isEmpty ? "(marker)" : value.hexString
        }
    }
}
