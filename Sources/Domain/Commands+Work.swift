import BulkheadCore
import Foundation

/// `analysis.request`: starts an analysis run, unless the project has an active run or one that
/// completed less than 3 minutes ago: then the result says skipped, names that run, and nothing
/// is appended. A run active for more than 10 minutes does not block: it is expired in the same
/// transaction (as `analysis.expireStale` would), and the new run starts.
public struct RequestAnalysis: Command {
    public static let name = "analysis.request"
    /// The project.
    public var projectId: UUID
    /// The run's id; generated when omitted.
    public var runId: UUID?
    /// What asks for it: manual or projectSync.
    public var trigger: AnalysisTrigger

    /// Creates the command.
    public init(projectId: UUID, runId: UUID? = nil, trigger: AnalysisTrigger) {
        self.projectId = projectId
        self.runId = runId
        self.trigger = trigger
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        _ = try existingProject(state, projectId)
        var decision = Decision()
        decision.ids["projectId"] = projectId
        if let active = try state.activeRun(project: projectId),
           context.now.timeIntervalSince(active.startedAt) > Guards.analysisExpiry {
            let expired = AnalysisExpired(runId: active.runId, projectId: projectId, startedAt: active.startedAt)
            decision.append(Streams.analysis(active.runId), .analysisExpired(expired))
            decision.ids["expiredRunId"] = active.runId
        } else if let active = try state.activeRun(project: projectId) {
            decision.skipped = Skipped(reason: "run \(active.runId.lowercased) is active since \(Timestamp.format(active.startedAt))", runId: active.runId)
            return decision
        }
        if let last = try state.lastCompletedRun(project: projectId), let ended = last.endedAt,
           context.now.timeIntervalSince(ended) < Guards.analysisCooldown {
            decision.skipped = Skipped(
                reason: "run \(last.runId.lowercased) completed at \(Timestamp.format(ended)), less than 3 minutes ago", runId: last.runId)
            return decision
        }
        let id = context.id(runId)
        if try state.run(id) != nil { throw CommandError.refused("run id \(id.lowercased) is already used") }
        decision.ids["runId"] = id
        decision.append(Streams.analysis(id), new: true, .analysisStarted(AnalysisStarted(runId: id, projectId: projectId, trigger: trigger)))
        return decision
    }
}

/// Loads an active run or refuses.
func activeRun(_ state: any TenantState, _ id: UUID) throws -> RunRecord {
    guard let run = try state.run(id) else { throw CommandError.notFound(entity: "analysis run", id: id.lowercased) }
    guard run.status == .active else { throw CommandError.refused("analysis run \(id.lowercased) is \(run.status.rawValue), not active") }
    return run
}

/// `analysis.complete`: marks an active run completed.
public struct CompleteAnalysis: Command {
    public static let name = "analysis.complete"
    /// The run.
    public var runId: UUID

    /// Creates the command.
    public init(runId: UUID) { self.runId = runId }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        let run = try activeRun(state, runId)
        var decision = Decision()
        decision.ids["runId"] = runId
        decision.ids["projectId"] = run.projectId
        decision.append(Streams.analysis(runId), .analysisCompleted(AnalysisCompleted(runId: runId, projectId: run.projectId)))
        return decision
    }
}

/// `analysis.fail`: marks an active run failed, with the reason.
public struct FailAnalysis: Command {
    public static let name = "analysis.fail"
    /// The run.
    public var runId: UUID
    /// Why it failed (1 to 2,000 bytes).
    public var reason: String

    /// Creates the command.
    public init(runId: UUID, reason: String) {
        self.runId = runId
        self.reason = reason
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        try Check.text(reason, "reason", max: 2000, multiline: true)
        let run = try activeRun(state, runId)
        var decision = Decision()
        decision.ids["runId"] = runId
        decision.ids["projectId"] = run.projectId
        decision.append(Streams.analysis(runId), .analysisFailed(AnalysisFailed(runId: runId, projectId: run.projectId, reason: reason)))
        return decision
    }
}

/// `analysis.expireStale`: expires every run of the tenant active for more than 10 minutes.
public struct ExpireStaleAnalyses: Command {
    public static let name = "analysis.expireStale"

    /// Creates the command.
    public init() {}

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        var decision = Decision()
        for run in try state.activeRuns() where context.now.timeIntervalSince(run.startedAt) > Guards.analysisExpiry {
            decision.append(Streams.analysis(run.runId), .analysisExpired(AnalysisExpired(runId: run.runId, projectId: run.projectId, startedAt: run.startedAt)))
        }
        return decision
    }
}

/// `sync.start`: starts a project sync linked to the project's last completed sync. Refused while
/// another sync of the project runs, unless that one started more than 10 minutes ago: it is then
/// orphaned in the same transaction. No two syncs ever share a predecessor.
public struct StartSync: Command {
    public static let name = "sync.start"
    /// The project.
    public var projectId: UUID
    /// The sync's id; generated when omitted.
    public var syncId: UUID?

    /// Creates the command.
    public init(projectId: UUID, syncId: UUID? = nil) {
        self.projectId = projectId
        self.syncId = syncId
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        _ = try existingProject(state, projectId)
        var decision = Decision()
        decision.ids["projectId"] = projectId
        var released: UUID?
        if let running = try state.runningSync(project: projectId) {
            guard context.now.timeIntervalSince(running.startedAt) > Guards.syncOrphanAfter else {
                throw CommandError.refused("sync \(running.syncId.lowercased) of project \(projectId.lowercased) is running since \(Timestamp.format(running.startedAt))")
            }
            decision.append(Streams.sync(running.syncId), .syncOrphaned(SyncOrphaned(syncId: running.syncId, projectId: projectId, startedAt: running.startedAt)))
            decision.ids["orphanedSyncId"] = running.syncId
            released = running.syncId
        }
        let previous = try state.lastCompletedSync(project: projectId)?.syncId
        if let previous, let holder = try state.successor(of: previous), holder != released {
            throw CommandError.refused("sync \(holder.lowercased) already links to \(previous.lowercased); no two syncs share a predecessor")
        }
        let id = context.id(syncId)
        if try state.sync(id) != nil { throw CommandError.refused("sync id \(id.lowercased) is already used") }
        decision.ids["syncId"] = id
        if let previous { decision.ids["previousSyncId"] = previous }
        decision.append(Streams.sync(id), new: true, .syncStarted(SyncStarted(syncId: id, projectId: projectId, previousSyncId: previous)))
        return decision
    }
}

/// Loads a running sync or refuses.
func runningSync(_ state: any TenantState, _ id: UUID) throws -> SyncRecord {
    guard let sync = try state.sync(id) else { throw CommandError.notFound(entity: "sync", id: id.lowercased) }
    guard sync.status == .running else { throw CommandError.refused("sync \(id.lowercased) is \(sync.status.rawValue), not running") }
    return sync
}

/// `sync.complete`: marks a running sync completed; the project's next sync links to it.
public struct CompleteSync: Command {
    public static let name = "sync.complete"
    /// The sync.
    public var syncId: UUID

    /// Creates the command.
    public init(syncId: UUID) { self.syncId = syncId }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        let sync = try runningSync(state, syncId)
        var decision = Decision()
        decision.ids["syncId"] = syncId
        decision.ids["projectId"] = sync.projectId
        decision.append(Streams.sync(syncId), .syncCompleted(SyncCompleted(syncId: syncId, projectId: sync.projectId)))
        return decision
    }
}

/// `sync.fail`: marks a running sync failed; it releases its link so the next sync can take it.
public struct FailSync: Command {
    public static let name = "sync.fail"
    /// The sync.
    public var syncId: UUID
    /// Why it failed (1 to 2,000 bytes).
    public var reason: String

    /// Creates the command.
    public init(syncId: UUID, reason: String) {
        self.syncId = syncId
        self.reason = reason
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        try Check.text(reason, "reason", max: 2000, multiline: true)
        let sync = try runningSync(state, syncId)
        var decision = Decision()
        decision.ids["syncId"] = syncId
        decision.ids["projectId"] = sync.projectId
        decision.append(Streams.sync(syncId), .syncFailed(SyncFailed(syncId: syncId, projectId: sync.projectId, reason: reason)))
        return decision
    }
}

/// `sync.cleanupOrphans`: orphans every sync of the tenant running for more than 10 minutes and
/// releases its link.
public struct CleanupOrphanSyncs: Command {
    public static let name = "sync.cleanupOrphans"

    /// Creates the command.
    public init() {}

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        var decision = Decision()
        for sync in try state.runningSyncs() where context.now.timeIntervalSince(sync.startedAt) > Guards.syncOrphanAfter {
            decision.append(Streams.sync(sync.syncId), .syncOrphaned(SyncOrphaned(syncId: sync.syncId, projectId: sync.projectId, startedAt: sync.startedAt)))
        }
        return decision
    }
}
