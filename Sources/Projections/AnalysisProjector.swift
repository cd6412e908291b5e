import BulkheadCore
import Domain
import Foundation

/// Analysis runs per project with status, trigger and timing; the active one, if any.
///
/// Keys: `r`+run → ``RunRecord``; `R`+project+started(µs)+run → marker (runs in order);
/// `a`+project → active run id; `A`+run → marker (active runs of the tenant);
/// `c`+project → last completed run id.
public struct AnalysisProjector: Projector {
    public let name = "analysis"
    public let version = 1

    /// Creates the projector.
    public init() {}

    public func handles(_ type: String) -> Bool { type.hasPrefix("analysis.") }

    static func run(_ id: UUID) -> Key { Key("r", .uuid(id)) }
    static func projectRuns(_ project: UUID) -> Key { Key("R", .uuid(project)) }
    static func projectRun(_ project: UUID, _ started: Date, _ run: UUID) -> Key {
        Key("R", .uuid(project), .uint64(micros(started)), .uuid(run))
    }
    static func active(_ project: UUID) -> Key { Key("a", .uuid(project)) }
    static let activeAll = Key("A")
    static func activeIndex(_ run: UUID) -> Key { Key("A", .uuid(run)) }
    static func lastCompleted(_ project: UUID) -> Key { Key("c", .uuid(project)) }

    public func apply(_ event: Event, _ meta: EventMeta, _ store: ProjectionStore) throws {
        switch event {
        case .analysisStarted(let e):
            try store.setRecord(Self.run(e.runId), RunRecord(
                runId: e.runId, projectId: e.projectId, trigger: e.trigger, status: .active, startedAt: meta.recordedAt, endedAt: nil, reason: nil))
            try store.setBytes(Self.projectRun(e.projectId, meta.recordedAt, e.runId), [])
            try store.setRecord(Self.active(e.projectId), e.runId)
            try store.setBytes(Self.activeIndex(e.runId), [])
        case .analysisCompleted(let e):
            try end(e.runId, e.projectId, .completed, reason: nil, meta, store)
            try store.setRecord(Self.lastCompleted(e.projectId), e.runId)
        case .analysisFailed(let e):
            try end(e.runId, e.projectId, .failed, reason: e.reason, meta, store)
        case .analysisExpired(let e):
            try end(e.runId, e.projectId, .expired, reason: "active for more than 10 minutes", meta, store)
        default:
            break
        }
    }

    private func end(_ run: UUID, _ project: UUID, _ status: RunStatus, reason: String?, _ meta: EventMeta, _ store: ProjectionStore) throws {
        try store.update(Self.run(run), as: RunRecord.self) {
            $0?.status = status
            $0?.endedAt = meta.recordedAt
            $0?.reason = reason
        }
        if try store.record(Self.active(project), as: UUID.self) == run {
            try store.setRecord(Self.active(project), UUID?.none)
        }
        try store.setBytes(Self.activeIndex(run), nil)
    }

    public func describe(key: Key, value: [UInt8]) -> String {
        switch key.kind {
        case UInt8(ascii: "r"): return describeRecord(RunRecord.self, value)
        case UInt8(ascii: "a"), UInt8(ascii: "c"): return describeRecord(UUID.self, value)
        default: return value.isEmpty ? "(marker)" : value.hexString
        }
    }
}

/// Microseconds since 1970, clamped at zero, for keys that order by time.
func micros(_ date: Date) -> UInt64 {
    UInt64(max(0, date.microsecondsSince1970))
}
