import BulkheadCore
import Foundation
import Testing

/// The JSON edge's own parsing: duplicate keys as the decoded dictionary sees them, and a member's
/// bytes exactly as written.
@Suite struct StrictJSONTests {
    struct Named: Codable { var name: String }

    @Test(arguments: [
        #"{"name":"P","name":"Q"}"#,
        #"{"name":"P","n\u0061me":"Q"}"#,
        #"{"n\u0061me":"P","name":"Q"}"#,
        "{\"caf\u{E9}\":1,\"cafe\u{301}\":2}",
    ])
    func aKeyNamedTwiceIsRefusedHoweverItIsSpelt(_ json: String) throws {
        #expect(StrictJSON.firstDuplicateKey(Data(json.utf8)) != nil, "\(json)")
    }

    @Test func distinctKeysAndKeysOfDifferentObjectsAreNotDuplicates() throws {
        #expect(StrictJSON.firstDuplicateKey(Data(#"{"name":"a","n\u0062me":"b","inner":{"name":"c"}}"#.utf8)) == nil)
        #expect(throws: InputError(field: "name", reason: "appears twice in one object")) {
            try StrictJSON.decode(Named.self, from: Data(#"{"name":"P","n\u0061me":"Q"}"#.utf8))
        }
    }

    @Test func aMembersBytesAreThoseWritten() throws {
        func member(_ key: String, _ json: String) -> String? {
            StrictJSON.rawMember(key, in: Data(json.utf8)).map { String(decoding: $0, as: UTF8.self) }
        }
        let line = #"{ "command" : "project.create", "input" : {"name":"a/b \"q\" {x}","tags":[1, {"k":[]}]} }"#
        #expect(member("input", line) == #"{"name":"a/b \"q\" {x}","tags":[1, {"k":[]}]}"#)
        #expect(member("command", line) == #""project.create""#)
        #expect(member("missing", line) == nil)
        // Only top-level members: a nested key of the same name is not one.
        #expect(member("name", line) == nil)
        #expect(member("n", #"{"a":{"n":1},"n":[true, null]}"#) == "[true, null]")
        #expect(member("n", #"{"a":1,"n\u0061":2,"n":-3.5e2}"#) == "-3.5e2")
        #expect(member("n", #"{"n":{}}"#) == "{}")
    }
}
