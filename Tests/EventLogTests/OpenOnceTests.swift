import BulkheadCore
import EventLog
import Foundation
import Storage
import Testing

/// A process opens each environment of a data directory once; restoring over a tenant it has open
/// replaces what it reads, and a closed directory says so.
@Suite struct OpenOnceTests {
    @Test func aSecondDataDirectoryOnTheSamePathIsRefusedWhileTheFirstIsOpen() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            let error = #expect(throws: StorageError.self) { try DataDirectory(path: dir) }
            #expect(error?.code == .alreadyOpen)
            data.close()
            let again = try DataDirectory(path: dir)
            #expect(try again.catalog.allTenants().isEmpty)
        }
    }

    @Test func restoringOverAnOpenTenantReplacesWhatThisProcessReads() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir + "/data")
            let tenant = try registerTenant(data, "berko")
            let partition = try data.partition(for: tenant)
            _ = try partition.append(stream: "s", expected: .any, events: [newEvent()], recordedAt: recordedAt)
            _ = try data.backup(tenant: tenant, to: dir + "/backup", at: recordedAt)
            _ = try partition.append(
                stream: "s", expected: .any, events: [newEvent(), newEvent()], recordedAt: recordedAt)
            #expect(try data.partition(for: tenant).head().position == 3)

            _ = try data.restore(from: dir + "/backup", replace: true, at: recordedAt)
            #expect(try data.partition(for: tenant).head().position == 1)
            // The partition handed out before the restore maps the replaced file: it is closed, loudly.
            let stale = #expect(throws: StorageError.self) { try partition.head() }
            #expect(stale?.code == .closed)
        }
    }
}
