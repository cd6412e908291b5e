import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections
import Testing

/// Invariant 9: every event's actor is a user of its tenant or one of Bulkhead's own system
/// actors. A tenant gets its first user, its owner, when it is created; users add and remove users.
@Suite struct ActorTests {
    static func notAUser(_ actor: String, _ tenant: TenantID) -> CommandError {
        .refused(
            "actor '\(actor)' is not a user of tenant \(tenant); a user of the tenant adds them with tenant.addUser")
    }

    /// The tenant's events as (type, actor), in log order.
    static func log(_ h: Harness, _ slug: String = "alpha") throws -> [(type: String, actor: String)] {
        try h.data.partition(for: h.tenant(slug)).read { log in
            try log.events(from: 1, limit: 10_000).map { ($0.type, $0.actor) }
        }
    }

    static func emails(_ h: Harness, _ slug: String = "alpha") throws -> [String] {
        try h.view(slug) { try $0.users().map(\.email) }
    }

    @Test func anActorWhoIsNotAUserIsRefusedNamingActorAndTenantAndNothingIsWritten() throws {
        let h = try Harness(tenants: ["alpha", "beta"])
        let alpha = try h.tenant("alpha")
        try h.run(AddUser(email: "bo@beta.example", displayName: "Bo"), "beta")
        // A stranger, a user of another tenant, and an address that differs only by its spaces.
        for actor in ["nobody@x", "bo@beta.example", " \(Harness.owner)"] {
            try h.expectRefusal(Self.notAUser(actor, alpha)) { try h.run(CreateProject(name: "P"), actor: actor) }
            try h.expectRefusal(Self.notAUser(actor, alpha)) {
                try h.json("project.create", #"{"name":"P"}"#, actor: actor)
            }
        }
        // E-mail addresses are matched without regard to case, as tenant.addUser keeps them unique.
        try h.run(CreateProject(name: "P"), actor: Harness.owner.uppercased())
    }

    @Test func inABatchOnlyTheCommandsOfNonUsersAreRefused() throws {
        let h = try Harness()
        let alpha = try h.tenant("alpha")
        let results = try h.engine.execute(batch: [
            (CreateProject(name: "By the owner"), Harness.owner),
            (CreateProject(name: "By a stranger"), "eve@example.com"),
            (AddUser(email: "eve@example.com", displayName: "Eve"), Harness.owner),
            (CreateProject(name: "By Eve, now a user"), "eve@example.com"),
        ], tenant: alpha)
        #expect((try? results[0].get()) != nil)
        #expect(throws: Self.notAUser("eve@example.com", alpha)) { try results[1].get() }
        #expect((try? results[2].get()) != nil)
        #expect((try? results[3].get()) != nil)
        #expect(try h.view { try $0.projects().map(\.name).sorted() } == ["By Eve, now a user", "By the owner"])
    }

    @Test func noCallerMayActAsTheTenantSetupActor() throws {
        let h = try Harness()
        try h.expectRefusal(
            .invalid(field: "actor", reason: "'system:' names Bulkhead's own actors; no caller may use it")
        ) {
            try h.run(AddUser(email: "eve@example.com", displayName: "Eve"), actor: SystemActor.tenantSetup.rawValue)
        }
    }

    @Test func aTenantCreatedWithAnOwnerIsUsableAtOnceAndRecordsTheOwnerUnderTheSetupActor() throws {
        let h = try Harness(tenants: [])
        let (record, owner) = try h.engine.createTenant(
            slug: "berko-tnf", name: "Berko TNF", owner: "ana@berko.example", ownerName: "Ana", at: h.clock.now)
        #expect(owner.command == "tenant.addOwner")
        #expect(owner.positions == 1...1)
        let log = try Self.log(h, "berko-tnf")
        #expect(log.map(\.type) == ["tenant.userAdded"])
        #expect(log.map(\.actor) == ["system:tenant-setup"])
        #expect(try h.view("berko-tnf") { try $0.users().map(\.displayName) } == ["Ana"])
        #expect(try h.view("berko-tnf") { try $0.user(email: "ana@berko.example")?.userId } == owner.ids["userId"])
        // The owner acts at once, and adds the others.
        try h.run(CreateProject(name: "P"), "berko-tnf", actor: "ana@berko.example")
        try h.run(AddUser(email: "bo@berko.example", displayName: "Bo"), "berko-tnf", actor: "ana@berko.example")
        try h.run(CreateProject(name: "Q"), "berko-tnf", actor: "bo@berko.example")
        #expect(try Self.log(h, "berko-tnf").map(\.actor)
                    == ["system:tenant-setup", "ana@berko.example", "ana@berko.example", "bo@berko.example"])
        #expect(record.id == (try h.tenant("berko-tnf")))
    }

    @Test func aBadOwnerRegistersNoTenantAndWritesNothing() throws {
        let h = try Harness()
        let before = try h.fingerprint()
        #expect(throws: CommandError.invalid(field: "owner", reason: "'gamma' is not an e-mail address")) {
            try h.engine.createTenant(slug: "gamma", name: "Gamma", owner: "gamma", ownerName: "G", at: h.clock.now)
        }
        #expect(throws: CommandError.self) {
            try h.engine.createTenant(
                slug: "gamma", name: "Gamma", owner: "g@gamma.example", ownerName: " ", at: h.clock.now)
        }
        #expect(try h.fingerprint() == before)
        #expect(throws: EventLogError.self) { try h.data.resolveTenant("gamma") }
    }

    @Test func addOwnerGivesATenantWithoutUsersItsFirstUserAndIsRefusedOnceItHasOne() throws {
        let h = try Harness()
        // A tenant created before owners existed: no user can act for it until it gets one.
        let bare = try h.data.createTenant(slug: "bare", name: "Bare", id: .random(), at: h.clock.now).id
        try h.expectRefusal(Self.notAUser("ana@bare.example", bare)) {
            try h.run(CreateProject(name: "P"), "bare", actor: "ana@bare.example")
        }
        try h.engine.addOwner(tenant: bare, email: "ana@bare.example", displayName: "Ana")
        try h.run(CreateProject(name: "P"), "bare", actor: "ana@bare.example")
        for (tenant, slug) in [(bare, "bare"), (try h.tenant("alpha"), "alpha")] {
            let expected = CommandError.refused(
                "tenant \(tenant) already has users; a user adds more with tenant.addUser")
            try h.expectRefusal(expected) {
                try h.engine.addOwner(tenant: tenant, email: "eve@example.com", displayName: "Eve")
            }
            #expect(try Self.emails(h, slug).contains("eve@example.com") == false)
        }
        // AddOwner is no command a caller can send.
        #expect(!CommandCatalog.names.contains("tenant.addOwner"))
    }

    @Test func aRemovedUserCanNoLongerActIsNotListedAndKeepsItsEventsInTheLog() throws {
        let h = try Harness()
        let alpha = try h.tenant("alpha")
        let bo = try #require(try h.run(AddUser(email: "bo@example.com", displayName: "Bo")).ids["userId"])
        let project = try #require(try h.run(CreateProject(name: "Bo's"), actor: "bo@example.com").ids["projectId"])
        let removed = try h.run(RemoveUser(userId: bo))
        #expect(removed.ids["userId"] == bo)
        #expect(removed.events.map(\.type) == ["tenant.userRemoved"])
        let position = try #require(removed.positions?.lowerBound)
        let stored = try h.data.partition(for: alpha).read { log in try log.event(at: position) }
        let payload = try #require(stored).payload
        let event = try payload.withUnsafeBytes {
            try EventCatalog.decode(type: "tenant.userRemoved", schemaVersion: 1, payload: $0)
        }
        #expect(event == .userRemoved(UserRemoved(userId: bo, email: "bo@example.com")))

        try h.expectRefusal(Self.notAUser("bo@example.com", alpha)) {
            try h.run(CreateNote(projectId: project, title: "t", body: "b"), actor: "bo@example.com")
        }
        #expect(try Self.emails(h) == [Harness.owner])
        #expect(try h.view { try $0.user(bo) } == nil)
        // The log keeps what Bo did, under Bo's address, and the project keeps its creator.
        #expect(try Self.log(h).contains { $0.type == "project.created" && $0.actor == "bo@example.com" })
        #expect(try h.view { try $0.project(project)?.createdBy } == "bo@example.com")
        // Removed twice: not found. The id is never given again; the address may come back, as a new user.
        try h.expectRefusal(.notFound(entity: "user", id: bo.lowercased)) { try h.run(RemoveUser(userId: bo)) }
        try h.expectRefusal(.refused("user id \(bo.lowercased) is already used")) {
            try h.run(AddUser(userId: bo, email: "bo2@example.com", displayName: "Bo"))
        }
        let again = try #require(try h.run(AddUser(email: "bo@example.com", displayName: "Bo")).ids["userId"])
        #expect(again != bo)
        try h.run(CreateNote(projectId: project, title: "t", body: "b"), actor: "bo@example.com")
        // The projections equal a rebuild from the log.
        #expect(try h.engine.check(tenant: alpha).count == 0)
        #expect(try h.engine.rebuild(tenant: alpha, projections: ["tenancy"], dryRun: true).differenceCount == 0)
    }

    @Test func theLastUserCannotBeRemovedAndAnotherTenantsUserIsNotFound() throws {
        let h = try Harness(tenants: ["alpha", "beta"])
        let alpha = try h.tenant("alpha")
        let owner = try #require(try h.view { try $0.user(email: Harness.owner)?.userId })
        try h.expectRefusal(.refused(
            "user \(owner.lowercased) ('\(Harness.owner)') is the last user of tenant \(alpha); "
                + "add another user before removing it"
        )) { try h.run(RemoveUser(userId: owner)) }
        let betaOwner = try #require(try h.view("beta") { try $0.user(email: Harness.owner)?.userId })
        for id in [betaOwner, UUID()] {
            try h.expectRefusal(.notFound(entity: "user", id: id.lowercased)) { try h.run(RemoveUser(userId: id)) }
        }
        // With a second user, the owner may leave (even by its own hand); the other stays.
        try h.run(AddUser(email: "bo@example.com", displayName: "Bo"))
        try h.run(RemoveUser(userId: owner))
        #expect(try Self.emails(h) == ["bo@example.com"])
        #expect(try Self.emails(h, "beta") == [Harness.owner])
        let bo = try #require(try h.view { try $0.user(email: "bo@example.com")?.userId })
        try h.expectRefusal(.refused(
            "user \(bo.lowercased) ('bo@example.com') is the last user of tenant \(alpha); "
                + "add another user before removing it"
        )) { try h.run(RemoveUser(userId: bo), actor: "bo@example.com") }
    }
}
