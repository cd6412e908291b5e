import BulkheadCore
import Domain
import Foundation
import Testing

/// `EventCatalog.jsonEncoder` writes every UUID in lower case, wherever it sits, and leaves
/// everything else as `JSONEncoder` writes it.
@Suite struct EdgeJSONTests {
    struct Nested: Encodable {
        let id: UUID
        let tenant: TenantID
        let maybe: UUID?
        let missing: UUID?
        let list: [UUID]
        let byName: [String: UUID]
        let deep: [[String: [UUID?]]]
        let at: Date
        let text: String
    }

    @Test func everyUUIDIsLowerCaseAndEverythingElseIsUnchanged() throws {
        let id = try #require(UUID(uuidString: "3F2504E0-4F89-41D3-9A0C-0305E82C3301"))
        let lower = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
        let value = Nested(id: id, tenant: TenantID(id), maybe: id, missing: nil, list: [id, id],
                           byName: ["a": id], deep: [["x": [id, nil]]],
                           at: Date(timeIntervalSince1970: 1_790_000_000.5),
                           text: "3F2504E0-4F89-41D3-9A0C-0305E82C3301 stays as written")
        let json = String(decoding: try EventCatalog.jsonEncoder.encode(value), as: UTF8.self)
        let expected = #"{"at":"2026-09-21T14:13:20.500000Z","byName":{"a":"\#(lower)"},"#
            + #""deep":[{"x":["\#(lower)",null]}],"#
            + #""id":"\#(lower)","list":["\#(lower)","\#(lower)"],"maybe":"\#(lower)","#
            + #""tenant":"\#(lower)","text":"3F2504E0-4F89-41D3-9A0C-0305E82C3301 stays as written"}"#
        #expect(json == expected)
        #expect(String(decoding: try EventCatalog.jsonEncoder.encode(id), as: UTF8.self) == "\"\(lower)\"")
        let tenants = try EventCatalog.jsonEncoder.encode([TenantID(id)])
        #expect(String(decoding: tenants, as: UTF8.self) == "[\"\(lower)\"]")
    }
}
