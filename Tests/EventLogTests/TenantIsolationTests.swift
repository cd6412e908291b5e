import BulkheadCore
import EventLog
import Foundation
import Storage
import Testing

/// One tenant's partition is its own: nothing of another tenant is visible, a directory holding
/// another tenant's data refuses to open, and an unknown tenant is an error naming it.
@Suite struct TenantIsolationTests {
    @Test func aTenantNeverSeesAnotherTenantsEvents() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            let a = try registerTenant(data, "berko-tnf")
            let b = try registerTenant(data, "capo-fc")
            let pa = try data.partition(for: a), pb = try data.partition(for: b)
            // The same stream name in both tenants.
            let aEvents = (0..<3).map { _ in newEvent(actor: "ada@berko.example") }
            let bEvents = (0..<4).map { _ in newEvent(actor: "bo@capo.example") }
            _ = try pa.append(stream: "match-1", expected: .noStream, events: aEvents, recordedAt: recordedAt)
            _ = try pb.append(stream: "match-1", expected: .noStream, events: bEvents, recordedAt: recordedAt)
            _ = try pb.append(stream: "only-b", expected: .noStream, events: [newEvent()], recordedAt: recordedAt)

            #expect(try allEvents(pa).map(\.eventID) == aEvents.map(\.eventID))
            #expect(try allEvents(pb).map(\.streamID) == ["match-1", "match-1", "match-1", "match-1", "only-b"])
            #expect(try allEvents(pb).prefix(4).map(\.eventID) == bEvents.map(\.eventID))
            try pa.read { log throws in
                for event in bEvents {
                    #expect(try log.event(id: event.eventID) == nil)
                    #expect(try log.position(ofEvent: event.eventID) == nil)
                }
                #expect(try log.stream("match-1").map(\.eventID) == aEvents.map(\.eventID))
                #expect(try log.stream("only-b").isEmpty)
                #expect(try log.streamVersion("only-b") == nil)
                #expect(try log.head().position == 3)
            }
            // The same event id may exist in both tenants without either seeing a duplicate.
            let shared = aEvents[0]
            #expect(try pb.append(stream: "imported", expected: .noStream, events: [shared], recordedAt: recordedAt).wasDuplicate == false)
            #expect(pa.genesisHash != pb.genesisHash)
            #expect(data.directory(of: a) != data.directory(of: b))
            #expect(data.directory(of: a).hasSuffix(a.description))
        }
    }

    @Test func aTenantDirectoryRenamedToAnotherTenantsIdRefusesToOpen() throws {
        try withTemporaryDirectory { dir in
            let (a, b): (TenantID, TenantID) = try {
                let data = try DataDirectory(path: dir)
                let a = try registerTenant(data, "berko-tnf")
                let b = try registerTenant(data, "capo-fc")
                _ = try data.partition(for: a).append(stream: "s", expected: .any, events: [newEvent()], recordedAt: recordedAt)
                _ = try data.partition(for: b).append(stream: "s", expected: .any, events: [newEvent(), newEvent()], recordedAt: recordedAt)
                return (a, b)
            }()
            // Swap the two partition directories while nothing has them open.
            let fm = FileManager.default
            let aDir = partitionDirectory(dir, a), bDir = partitionDirectory(dir, b), parked = aDir + ".parked"
            try fm.moveItem(atPath: aDir, toPath: parked)
            try fm.moveItem(atPath: bDir, toPath: aDir)
            try fm.moveItem(atPath: parked, toPath: bDir)
            let before = try StoreSnapshot(of: dir)

            let data = try DataDirectory(path: dir)
            #expect(throws: EventLogError.wrongTenant(expected: a, found: b, path: data.directory(of: a))) {
                try data.partition(for: a)
            }
            #expect(throws: EventLogError.wrongTenant(expected: b, found: a, path: data.directory(of: b))) {
                try data.partition(for: b)
            }
            #expect(try StoreSnapshot(of: dir).changes(since: before) == [])
        }
    }

    @Test func aPartitionWhoseTenantRecordWasRemovedRefusesToOpen() throws {
        try withTemporaryDirectory { dir in
            let tenant: TenantID = try {
                let data = try DataDirectory(path: dir)
                let tenant = try registerTenant(data, "berko-tnf")
                _ = try data.partition(for: tenant).append(stream: "s", expected: .any, events: [newEvent()], recordedAt: recordedAt)
                return tenant
            }()
            try {
                let env = try Environment(path: partitionDirectory(dir, tenant))
                guard let meta = try env.openTable(named: "meta", create: false) else { throw TestFailure("no meta table") }
                #expect(try env.write { tx in try tx.delete(meta, key: Array("tenant".utf8)) })
            }()
            let data = try DataDirectory(path: dir)
            #expect(throws: EventLogError.missingTenantRecord(path: data.directory(of: tenant))) {
                try data.partition(for: tenant)
            }
        }
    }

    @Test func aPartitionDirectoryHoldingGarbageIsAStorageErrorNotACrash() throws {
        try withTemporaryDirectory { dir in
            let tenant: TenantID = try {
                let data = try DataDirectory(path: dir)
                return try registerTenant(data, "berko-tnf")
            }()
            let file = (partitionDirectory(dir, tenant) as NSString).appendingPathComponent("data.mdb")
            var generator = SystemRandomNumberGenerator()
            try Data((0..<32_768).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: URL(fileURLWithPath: file))
            try? FileManager.default.removeItem(atPath: (partitionDirectory(dir, tenant) as NSString).appendingPathComponent("lock.mdb"))
            let data = try DataDirectory(path: dir)
            #expect(throws: StorageError.self) { try data.partition(for: tenant) }
        }
    }

    @Test func anUnknownTenantIsAnErrorNamingItAndCreatesNothing() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            try registerTenant(data, "berko-tnf")
            let stranger = TenantID.random()
            let before = try StoreSnapshot(of: dir)
            #expect(throws: EventLogError.unknownTenant(stranger.description, suggestions: [])) {
                try data.partition(for: stranger)
            }
            #expect(!FileManager.default.fileExists(atPath: data.directory(of: stranger)))
            #expect(try StoreSnapshot(of: dir).changes(since: before) == [])
        }
    }

    @Test func resolvingATenantFindsItByIdOrSlugAndSuggestsCloseSlugsForATypo() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            let berko = try registerTenant(data, "berko-tnf")
            try registerTenant(data, "capo-fc")
            try registerTenant(data, "berko-united")

            #expect(try data.resolveTenant("berko-tnf").id == berko)
            #expect(try data.resolveTenant(berko.description).id == berko)
            #expect(try data.resolveTenant(berko.description.uppercased()).id == berko)

            let typo = #expect(throws: EventLogError.self) { try data.resolveTenant("berko-tfn") }
            guard case .unknownTenant(let asked, let suggestions) = typo else {
                Issue.record("expected unknownTenant, got \(String(describing: typo))")
                return
            }
            #expect(asked == "berko-tfn")
            #expect(suggestions.first == "berko-tnf")
            #expect(!suggestions.contains("capo-fc"))
            #expect(typo?.description.contains("berko-tnf") == true)

            let prefix = #expect(throws: EventLogError.self) { try data.resolveTenant("berko") }
            if case .unknownTenant(_, let suggestions) = prefix {
                #expect(Set(suggestions) == ["berko-tnf", "berko-united"])
            } else {
                Issue.record("expected unknownTenant, got \(String(describing: prefix))")
            }

            #expect(throws: EventLogError.unknownTenant("zzzzzzzzzzzz", suggestions: [])) { try data.resolveTenant("zzzzzzzzzzzz") }
        }
    }

    @Test func slugsAreUniqueAndChecked() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            try registerTenant(data, "berko-tnf")
            #expect(throws: EventLogError.slugTaken("berko-tnf")) { try registerTenant(data, "berko-tnf") }
            for bad in ["", "a", "Berko", "-berko", "berko tnf", String(repeating: "a", count: 64), UUID().uuidString.lowercased()] {
                let error = #expect(throws: EventLogError.self, "slug '\(bad)'") { try registerTenant(data, bad) }
                guard case .invalidTenant(field: "slug", _) = error else {
                    Issue.record("slug '\(bad)': expected invalidTenant, got \(String(describing: error))")
                    continue
                }
            }
            #expect(try data.catalog.allTenants().map(\.slug) == ["berko-tnf"])
        }
    }

    @Test func aTenantWhosePartitionCannotBeCreatedLeavesItsSlugFree() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            let id = TenantID.random()
            // A file where the partition's directory must go: the environment cannot be created.
            try FileManager.default.createDirectory(atPath: dir + "/tenants", withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: data.directory(of: id), contents: Data("not a directory".utf8)))
            #expect(throws: StorageError.self) { try data.createTenant(slug: "berko-tnf", name: "Berko", id: id, at: recordedAt) }
            #expect(try data.catalog.allTenants().isEmpty)
            // The file that was there is left alone, and the slug can be used.
            #expect(FileManager.default.contents(atPath: data.directory(of: id)) == Data("not a directory".utf8))
            let again = try data.createTenant(slug: "berko-tnf", name: "Berko", id: .random(), at: recordedAt)
            #expect(try data.resolveTenant("berko-tnf").id == again.id)
        }
    }

    @Test func tenantNamesAreCheckedByWhatIsWrong() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir)
            let cases: [(String, String)] = [
                ("  ", "is blank"), (String(repeating: "n", count: 201), "is 201 bytes; at most 200"), ("Berko\u{7}TNF", "contains a control character"),
            ]
            for (name, reason) in cases {
                #expect(throws: EventLogError.invalidTenant(field: "name", reason: reason)) {
                    try data.createTenant(slug: "berko-tnf", name: name, id: .random(), at: recordedAt)
                }
            }
            #expect(try data.catalog.allTenants().isEmpty)
        }
    }

    @Test func threadsAskingForOneTenantAtOnceShareOnePartition() throws {
        try withTemporaryDirectory { dir in
            let tenant: TenantID = try {
                let data = try DataDirectory(path: dir)
                return try registerTenant(data, "berko-tnf")
            }()
            // Reopened, so that the partition is not open yet when the threads ask.
            let data = try DataDirectory(path: dir)
            let handed = Locked<[ObjectIdentifier]>([])
            try runOnThreads(8) { _ in
                let partition = try data.partition(for: tenant)
                handed.update { $0.append(ObjectIdentifier(partition)) }
                _ = try partition.append(stream: "s", expected: .any, events: [newEvent()], recordedAt: recordedAt)
            }
            #expect(Set(handed.value).count == 1)
            #expect(try data.partition(for: tenant).head().position == 8)
        }
    }

    @Test func aPartitionStillInUseIsReusedAfterTheRegistryEvictsIt() throws {
        try withTemporaryDirectory { dir in
            let data = try DataDirectory(path: dir, maxOpenPartitions: 1)
            let a = try registerTenant(data, "berko-tnf")
            let b = try registerTenant(data, "capo-fc")
            let held = try data.partition(for: a)
            _ = try data.partition(for: b)
            #expect(data.openPartitionCount == 1)
            // One environment per path per process: the held partition comes back, not a second one.
            #expect(try data.partition(for: a) === held)
            _ = try held.append(stream: "s", expected: .any, events: [newEvent()], recordedAt: recordedAt)
            #expect(try data.partition(for: a).head().position == 1)
        }
    }
}
