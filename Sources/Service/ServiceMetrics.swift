import BulkheadCore
import Foundation
import Metrics
import Prometheus
import Synchronization

/// The service's metrics, recorded through swift-metrics into one Prometheus registry per process
/// and shown by `GET /metrics`.
///
/// swift-metrics has one global backend, bootstrapped once: every application built in a process
/// (tests build many) shares ``shared``.
///
/// No series carries a tenant: the number of series must not grow with the number of tenants, and
/// a tenant's id belongs in the request log (its `tenant` metadata), not in a label.
public final class ServiceMetrics: Sendable {
    /// The process's metrics.
    public static let shared = ServiceMetrics()

    /// The Prometheus registry behind the metrics.
    public let registry: PrometheusCollectorRegistry

    private init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        factory.defaultValueHistogramBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256]
        MetricsSystem.bootstrap(factory)
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> String { registry.emitToString() }

    /// Counts a request and records its latency, by route template, method and status.
    func request(route: String, method: String, status: Int, nanoseconds: UInt64) {
        let dimensions = [("route", route), ("method", method), ("status", String(status))]
        Counter(label: "bulkhead_http_requests_total", dimensions: dimensions).increment()
        Timer(label: "bulkhead_http_request_duration_seconds", dimensions: dimensions).recordNanoseconds(Int64(clamping: nanoseconds))
    }

    /// Records one group commit: its size, how long it took, and each command's result. The
    /// tenant is not a label (see the type's summary).
    func commit(
        tenant _: TenantID, commands: Int, applied: Int, refused: Int, failed: Int, events: Int, nanoseconds: UInt64
    ) {
        Recorder(label: "bulkhead_commit_batch_size", dimensions: [], aggregate: true).record(commands)
        Timer(label: "bulkhead_commit_duration_seconds", dimensions: []).recordNanoseconds(Int64(clamping: nanoseconds))
        for (result, count) in [("applied", applied), ("refused", refused), ("failed", failed)] where count > 0 {
            Counter(label: "bulkhead_commands_total", dimensions: [("result", result)]).increment(by: count)
        }
        if events > 0 { Counter(label: "bulkhead_events_appended_total", dimensions: []).increment(by: events) }
    }

    /// Counts a projection rebuild (or dry run) and records how long it took. The tenant is not a
    /// label (see the type's summary).
    func rebuild(tenant _: TenantID, result: String, nanoseconds: UInt64) {
        Counter(label: "bulkhead_rebuilds_total", dimensions: [("result", result)]).increment()
        Timer(label: "bulkhead_rebuild_duration_seconds", dimensions: []).recordNanoseconds(Int64(clamping: nanoseconds))
    }

    /// Follows one rebuild's progress in `bulkhead_rebuild_events_folded_total` (events read by
    /// rebuilds, a counter: its rate is the rebuilds' speed) and `bulkhead_rebuild_events_remaining`
    /// (events the running rebuilds still have to read, summed over them).
    func rebuildProgress() -> RebuildProgress { RebuildProgress() }

    /// Counts event streams opened and closed.
    func stream(opened: Bool) {
        let meter = Meter(label: "bulkhead_event_streams_open", dimensions: [])
        if opened { meter.increment() } else { meter.decrement() }
    }
}

/// One rebuild's contribution to the rebuild progress metrics (``ServiceMetrics/rebuildProgress()``).
final class RebuildProgress: Sendable {
    private let state = Mutex<(reached: UInt64, remaining: UInt64)?>(nil)

    init() {
        // The series exists (at 0) from the first rebuild on, not only once one had events left.
        Meter(label: "bulkhead_rebuild_events_remaining", dimensions: []).increment(by: 0)
    }

    /// Records that the rebuild has read the log up to `reached` of `head`.
    func update(reached: UInt64, head: UInt64) {
        let (folded, change) = state.withLock { state -> (UInt64, Double) in
            let remaining = head > reached ? head - reached : 0
            let before = state ?? (reached: 0, remaining: 0)
            state = (reached, remaining)
            let folded = reached > before.reached ? reached - before.reached : 0
            return (folded, Double(remaining) - Double(before.remaining))
        }
        if folded > 0 {
            Counter(label: "bulkhead_rebuild_events_folded_total", dimensions: [])
                .increment(by: Int64(clamping: folded))
        }
        if change != 0 { Meter(label: "bulkhead_rebuild_events_remaining", dimensions: []).increment(by: change) }
    }

    /// Takes what the rebuild had left out of the remaining events (it ended, however it ended).
    func finish() {
        let remaining = state.withLock { state -> UInt64 in
            defer { state = state.map { ($0.reached, 0) } }
            return state?.remaining ?? 0
        }
        if remaining > 0 {
            Meter(label: "bulkhead_rebuild_events_remaining", dimensions: []).decrement(by: Double(remaining))
        }
    }
}
