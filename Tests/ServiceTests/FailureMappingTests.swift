import BulkheadCore
@testable import Domain
import EventLog
import Foundation
import HTTPTypes
@testable import Projections
@testable import Service
import Storage
import Testing
import Workflows

/// One classification of failures, mapped once to exit codes and once to HTTP statuses: every
/// error case has the kind, exit code and status pinned here, and the two edges agree on each.
@Suite struct FailureMappingTests {
    /// An error, and the kind, CLI exit code and HTTP status it must have.
    struct Row: Sendable {
        let error: any Error
        let kind: FailureKind
        let exit: Int32
        let status: Int
        let sourceLocation: SourceLocation

        init(_ error: any Error, _ kind: FailureKind, exit: Int32, status: Int,
             _ sourceLocation: SourceLocation = #_sourceLocation) {
            self.error = error
            self.kind = kind
            self.exit = exit
            self.status = status
            self.sourceLocation = sourceLocation
        }
    }

    static let tenant = TenantID(UUID())

    /// One row per case of every error type the libraries and the service throw. A new case of an
    /// enum fails to compile in ``covers(_:)-swift.method`` until it has a row here.
    static let rows: [Row] = [
        Row(CommandError.invalid(field: "name", reason: "must not be empty"), .invalid, exit: 1, status: 400),
        Row(CommandError.notFound(entity: "project", id: "p"), .notFound, exit: 2, status: 404),
        Row(CommandError.refused("a run is active"), .conflict, exit: 3, status: 409),
        Row(CommandError.missingConfig(tenant: tenant, key: .teamAName), .conflict, exit: 3, status: 409),
        // Changed: the CLI said exit 1, HTTP 404; both say "not found" now.
        Row(CommandError.unknownCommand("nope", known: ["project.create"]), .notFound, exit: 2, status: 404),
        Row(InputError(field: "limit", reason: "must be 1 to 500"), .invalid, exit: 1, status: 400),
        Row(QueryNotFound(entity: "season", id: "2030", known: []), .notFound, exit: 2, status: 404),
        // Changed: an unknown tenant was HTTP 500.
        Row(EventLogError.unknownTenant("alpah", suggestions: []), .notFound, exit: 2, status: 404),
        // Changed: a taken slug was HTTP 500.
        Row(EventLogError.slugTaken("alpha"), .conflict, exit: 3, status: 409),
        // Changed: an invalid slug or name was HTTP 500.
        Row(EventLogError.invalidTenant(field: "slug", reason: "upper case"), .invalid, exit: 1, status: 400),
        Row(EventLogError.wrongTenant(expected: tenant, found: TenantID(UUID()), path: "/d"), .integrity,
            exit: 4, status: 500),
        Row(EventLogError.missingTenantRecord(path: "/d"), .integrity, exit: 4, status: 500),
        Row(EventLogError.versionConflict(stream: "s", expected: .noStream, actual: 1), .conflict,
            exit: 3, status: 409),
        Row(EventLogError.duplicateEventID(UUID(), position: 3), .conflict, exit: 3, status: 409),
        Row(EventLogError.invalidAppend("no events"), .invalid, exit: 1, status: 400),
        Row(EventLogError.corruptRecord(tenant: tenant, position: 2, reason: "bad"), .integrity, exit: 4, status: 500),
        Row(EventLogError.positionOutOfRange(tenant: tenant, position: 9, head: 3), .notFound, exit: 2, status: 404),
        Row(EventLogError.noCheckpoint(tenant: tenant, position: 9), .notFound, exit: 2, status: 404),
        Row(ProjectionError.corrupt(key: Key("p"), reason: "short"), .integrity, exit: 4, status: 500),
        Row(ProjectionError.readOnly, .internal, exit: 5, status: 500),
        Row(ProjectionError.unknownProjection("nope", known: ["projects"]), .invalid, exit: 1, status: 400),
        Row(ProjectionError.notBuilt("projects"), .internal, exit: 5, status: 500),
        Row(ProjectionError.rebuildSuperseded("projects"), .conflict, exit: 3, status: 409),
        Row(EventDecodingError(type: "project.created", schemaVersion: 9, reason: "unknown"), .integrity,
            exit: 4, status: 500),
        Row(ByteFormatError(reason: "truncated", offset: 3), .integrity, exit: 4, status: 500),
        Row(ModelCatalogError(message: "no default"), .internal, exit: 5, status: 500),
        // Changed: storage errors were HTTP 500 "internal"; they are 500 "storage" or "integrity" now.
        Row(StorageError(code: .mapLimitReached, message: "full", context: "/d"), .storage, exit: 5, status: 500),
        Row(StorageError(code: .noSpace, message: "no space", context: "/d"), .storage, exit: 5, status: 500),
        Row(StorageError(code: .keyExists, message: "exists", context: "/d"), .storage, exit: 5, status: 500),
        Row(StorageError(code: .corrupted, message: "corrupt", context: "/d"), .integrity, exit: 4, status: 500),
        Row(StorageError(code: .invalid, message: "not LMDB", context: "/d"), .integrity, exit: 4, status: 500),
        Row(StorageError(code: .versionMismatch, message: "version", context: "/d"), .integrity, exit: 4, status: 500),
        Row(BackupError.destinationNotEmpty("/b"), .conflict, exit: 3, status: 409),
        Row(BackupError.notABackup("/b", reason: "no manifest"), .invalid, exit: 1, status: 400),
        Row(BackupError.tenantExists(tenant, slug: "alpha"), .conflict, exit: 3, status: 409),
        Row(DemoError.notEmpty("/d", ["alpha"]), .conflict, exit: 3, status: 409),
        Row(DemoError.missingID("project"), .internal, exit: 5, status: 500),
        Row(ServiceError.invalid("X-Bulkhead-Actor", "required"), .invalid, exit: 1, status: 400),
        Row(ServiceError.unauthorized("unknown API key"), .invalid, exit: 1, status: 401),
        Row(ServiceError.unsupportedMediaType(nil), .invalid, exit: 1, status: 415),
        Row(ServiceError.notFound("no such project"), .notFound, exit: 2, status: 404),
        Row(ServiceError(.serviceUnavailable, code: "unavailable", message: "busy"), .unavailable,
            exit: 75, status: 503),
        Row(TenantStoreError.writerBusy(tenant: tenant, waiting: 4096), .unavailable, exit: 75, status: 503),
        Row(TenantStoreError.heavyWorkBusy(limit: 4), .unavailable, exit: 75, status: 503),
        Row(AuditExportError.invalid(field: "from", reason: "positions start at 1"), .invalid, exit: 1, status: 400),
        Row(AuditExportError.destinationNotEmpty("/e"), .conflict, exit: 3, status: 409),
        Row(AuditExportError.cannotWrite("/e/events.jsonl"), .storage, exit: 5, status: 500),
        Row(ServiceError.internalError, .internal, exit: 5, status: 500),
        Row(CancellationError(), .internal, exit: 5, status: 500),
    ]

    @Test func everyErrorCaseHasOneKindAndTheExitCodeAndStatusOfThatKind() {
        for row in Self.rows {
            let failure = Failure.of(row.error)
            let http = ServiceError.from(row.error)
            #expect(failure.kind == row.kind, "\(row.error)", sourceLocation: row.sourceLocation)
            // The CLI exits with the kind's code (`CLIFailure.exitCode` is `failure.kind.exitCode`).
            #expect(failure.kind.exitCode == row.exit, "\(row.error)", sourceLocation: row.sourceLocation)
            #expect(Int(http.status.code) == row.status, "\(row.error)", sourceLocation: row.sourceLocation)
            // The status is the kind's (or, for the service's own 401, 405, 413, 415, one of its
            // class): the two edges cannot disagree.
            #expect(FailureKind.kind(of: http.status).status == failure.kind.status, "\(row.error)",
                    sourceLocation: row.sourceLocation)
            #expect(!failure.code.isEmpty && !failure.message.isEmpty, sourceLocation: row.sourceLocation)
        }
        #expect(Set(Self.rows.map(\.kind)) == Set(FailureKind.allCases), "every kind has a row")
    }

    @Test func integrityStorageAndInternalFailuresShowTheirKindAndNoInternalsOverHTTP() throws {
        for row in Self.rows where row.kind.hidesMessage && !(row.error is ServiceError) {
            let http = ServiceError.from(row.error)
            #expect(http.code == row.kind.rawValue, "\(row.error)", sourceLocation: row.sourceLocation)
            #expect(!http.message.contains("/d") && !http.message.contains("/b"), "\(http.message)",
                    sourceLocation: row.sourceLocation)
            #expect(http.message.contains("X-Request-ID"), sourceLocation: row.sourceLocation)
        }
        // Invalid input names its field in the body.
        #expect(ServiceError.from(EventLogError.invalidTenant(field: "slug", reason: "x")).field == "slug")
        #expect(ServiceError.from(ProjectionError.unknownProjection("x", known: [])).field == "projections")
    }

    @Test func anErrorBodyIsTheContractsErrorObject() throws {
        let body = try ServiceError.invalid("name", "must not be \"empty\"").body
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let error = try #require(object["error"] as? [String: Any])
        #expect(Set(error.keys) == ["code", "message", "field"])
        #expect(error["message"] as? String == #"invalid field 'name': must not be "empty""#)
        let internalBody = try ServiceError.internalError.body
        let noField = try #require(try JSONSerialization.jsonObject(with: internalBody) as? [String: Any])
        #expect(Set((noField["error"] as? [String: Any] ?? [:]).keys) == ["code", "message"])
    }

    /// Fails to compile when a case is added to an error enum: give it a row in ``rows``.
    static func covers(_ error: CommandError) {
        switch error {
        case .invalid, .notFound, .refused, .missingConfig, .unknownCommand: break
        }
    }

    /// Fails to compile when a case is added to an error enum: give it a row in ``rows``.
    static func covers(_ error: EventLogError) {
        switch error {
        case .unknownTenant, .slugTaken, .invalidTenant, .wrongTenant, .missingTenantRecord, .versionConflict,
             .duplicateEventID, .invalidAppend, .corruptRecord, .positionOutOfRange,
             .noCheckpoint: break
        }
    }

    /// Fails to compile when a case is added to an error enum: give it a row in ``rows``.
    static func covers(_ error: ProjectionError) {
        switch error {
        case .corrupt, .readOnly, .unknownProjection, .notBuilt, .rebuildSuperseded: break
        }
    }

    /// Fails to compile when a case is added to an error enum: give it a row in ``rows``.
    static func covers(_ error: BackupError) {
        switch error {
        case .destinationNotEmpty, .notABackup, .tenantExists: break
        }
    }

    /// Fails to compile when a case is added to an error enum: give it a row in ``rows``.
    static func covers(_ error: DemoError) {
        switch error {
        case .notEmpty, .missingID: break
        }
    }

    /// Fails to compile when a case is added to an error enum: give it a row in ``rows``.
    static func covers(_ error: TenantStoreError) {
        switch error {
        case .writerBusy, .heavyWorkBusy: break
        }
    }

    /// Fails to compile when a case is added to an error enum: give it a row in ``rows``.
    static func covers(_ error: AuditExportError) {
        switch error {
        case .invalid, .destinationNotEmpty, .cannotWrite: break
        }
    }
}
