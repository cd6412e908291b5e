import ArgumentParser
import BulkheadCore
import EventLog
import Foundation
import Projections

extension Bulkhead {
    /// `bulkhead verify [--tenant T | --all-tenants]`.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify hash chains, projection consistency and staleness; exit 4 on any failure.",
            discussion: """
                Each tenant is verified on its own and reported on its own line, whatever happened to \
                the others: a tenant that fails (a broken chain, drift, a stale projection, or an error \
                such as a damaged file) does not stop the next. The exit code is the worst seen: 4 for \
                an integrity failure, 5 for a storage or internal one.

                Example: bulkhead verify --all-tenants
                """)

        @OptionGroup var data: DataOptions
        @OptionGroup var selection: TenantSelection
        @OptionGroup var output: FormatOptions

        /// One tenant's verification. `error` is set when verifying it threw; what was checked
        /// before that (the chain, its events and head) is kept.
        struct Result: Encodable {
            let tenant: String
            let slug: String
            var ok = false
            var chain = "not verified"
            var events: UInt64?
            var brokenAt: UInt64?
            var headHash: String?
            var drift = 0
            var stale: [String] = []
            /// An error that stopped the verification, in the form of the CLI's JSON errors.
            var error: CLIErrorBody.Detail?
            /// The kind of that error, or `integrity` for what verify detected (nil when ok).
            var kind: FailureKind?

            enum CodingKeys: String, CodingKey {
                case tenant, slug, ok, chain, events, brokenAt, headHash, drift, stale, error
            }

            /// The exit code this tenant calls for: 0, or its failure kind's.
            var exitCode: Int32 { failureKind?.exitCode ?? 0 }

            /// The error's kind, or `integrity` for a detected failure (nil when ok).
            var failureKind: FailureKind? {
                if let kind { return kind }
                return ok ? nil : .integrity
            }

            /// The error's code, or `integrity` for a detected failure (nil when ok).
            var failureCode: String? {
                if let error { return error.code }
                return ok ? nil : "integrity"
            }
        }

        func run() throws {
            let directory = try data.open()
            let tenants = try selection.resolve(directory)
            let engine = engine(directory)
            let results = tenants.map { verify($0, in: directory, engine: engine) }
            try Output.write(results, format: output.format, columns: ["tenant", "id", "result", "detail"]) { r in
                [r.slug, r.tenant, r.ok ? "OK" : "FAILED", Self.detail(of: r)]
            }
            let failed = results.filter { !$0.ok }
            guard let worst = failed.max(by: { $0.exitCode < $1.exitCode }), let kind = worst.failureKind else {
                return
            }
            let names = failed.map { "\($0.slug) (\($0.failureCode ?? "integrity"))" }.joined(separator: ", ")
            let failure = CLIFailure(
                kind, code: worst.failureCode ?? "integrity",
                message: "verification failed for \(failed.count) of \(results.count) tenant(s): \(names)")
            Output.reportError(failure, json: output.format == .json || output.format == .jsonl)
            throw ExitCode(worst.exitCode)
        }

        /// Verifies one tenant; never throws, so that one tenant's failure cannot hide another's.
        func verify(_ record: TenantRecord, in directory: DataDirectory, engine: TenantEngine) -> Result {
            var result = Result(tenant: record.id.description, slug: record.slug)
            do {
                let partition = try directory.partition(for: record.id)
                let head = try partition.head().position
                let progress = Progress(label: "verify \(record.slug)")
                defer { progress.finish() }
                switch try partition.verify(progress: { progress.update($0, of: head) }) {
                case .broken(_, let position, let reason):
                    result.chain = reason
                    result.brokenAt = position
                    return result
                case .ok(_, let events, let hash):
                    result.chain = "ok"
                    result.events = events
                    result.headHash = hash.hexString
                }
                result.drift = try engine.check(tenant: record.id, differenceLimit: 0).count
                result.stale = try engine.status(tenant: record.id)
                    .filter { $0.state != "ok" }
                    .map { "\($0.name) (\($0.state))" }
                result.ok = result.drift == 0 && result.stale.isEmpty
            } catch {
                let failure = CLIFailure.from(error)
                result.error = CLIErrorBody(failure).error
                result.kind = failure.failure.kind
            }
            return result
        }

        /// The table's detail column: what was found, or what stopped the verification.
        static func detail(of r: Result) -> String {
            if let at = r.brokenAt { return "hash chain broken at position \(at): \(r.chain)" }
            var parts: [String] = []
            if let events = r.events { parts.append("\(events) events, head \(String((r.headHash ?? "").prefix(16)))") }
            if r.drift > 0 { parts.append("\(r.drift) projection entries differ from a rebuild") }
            if !r.stale.isEmpty { parts.append("stale: \(r.stale.joined(separator: ", "))") }
            if let error = r.error { parts.append("\(error.code) error (exit \(error.exitCode)): \(error.message)") }
            return parts.joined(separator: "; ")
        }
    }
}
