// A child process for the event log's two-process tests: appends to or reads a tenant's log in a
// data directory that another process (the test) has open at the same time.
//
//   eventlog-child append DATA_DIR TENANT_UUID STREAM COUNT [--initial-map-size BYTES] [--payload-bytes N]
//       Appends COUNT events to STREAM, one transaction each (expected version: any), and after
//       each commit prints "appended POSITION EVENT_ID".
//   eventlog-child read DATA_DIR TENANT_UUID [--initial-map-size BYTES]
//       Prints "count N", "head POSITION HASH_HEX" and "verify ok" or "verify broken POSITION".
//
// Exit codes: 0 done, 1 the log refused or failed (the error on stderr), 64 usage.
import BulkheadCore
import EventLog
import Foundation

/// Writes one line to stdout at once, so the parent sees each acknowledgement as it happens.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data(("eventlog-child: " + message + "\n").utf8))
    exit(code)
}

struct Arguments {
    var positional: [String] = []
    var initialMapSize: Int?
    var payloadBytes = 64

    init(_ args: [String]) {
        var i = 0
        while i < args.count {
            switch args[i] {
            case "--initial-map-size", "--payload-bytes":
                guard i + 1 < args.count, let value = Int(args[i + 1]), value > 0 else {
                    fail("\(args[i]) needs a positive number", code: 64)
                }
                if args[i] == "--initial-map-size" { initialMapSize = value } else { payloadBytes = value }
                i += 2
            default:
                positional.append(args[i])
                i += 1
            }
        }
    }
}

let usage = "usage: eventlog-child append DATA_DIR TENANT_UUID STREAM COUNT [--initial-map-size BYTES] [--payload-bytes N] | read DATA_DIR TENANT_UUID [--initial-map-size BYTES]"
let arguments = Arguments(Array(CommandLine.arguments.dropFirst()))
guard let command = arguments.positional.first, arguments.positional.count >= 3 else { fail(usage, code: 64) }
let dataPath = arguments.positional[1]
guard let tenant = TenantID(arguments.positional[2]) else { fail("'\(arguments.positional[2])' is not a tenant UUID", code: 64) }

do {
    let data = try arguments.initialMapSize.map { try DataDirectory(path: dataPath, partitionOptions: .init(initialMapSize: $0)) }
        ?? DataDirectory(path: dataPath)
    let partition = try data.partition(for: tenant)
    switch command {
    case "append":
        guard arguments.positional.count == 5, let count = Int(arguments.positional[4]), count > 0 else { fail(usage, code: 64) }
        let stream = arguments.positional[3]
        let ids = IDGenerator.shared
        for n in 1...count {
            var payload = Array("child event \(n) of \(count)".utf8)
            while payload.count < arguments.payloadBytes { payload.append(UInt8(truncatingIfNeeded: payload.count &* n)) }
            let event = NewEvent(
                eventID: ids.next(), type: "child.appended", schemaVersion: 1, payload: payload,
                actor: "eventlog-child", correlationID: ids.next(), causationID: nil)
            let result = try partition.append(stream: stream, expected: .any, events: [event], recordedAt: Date())
            say("appended \(result.positions.lowerBound) \(event.eventID.uuidString.lowercased())")
        }
    case "read":
        guard arguments.positional.count == 3 else { fail(usage, code: 64) }
        let (count, head) = try partition.read { log in (try log.counts().events, try log.head()) }
        say("count \(count)")
        say("head \(head.position) \(head.hash.hexString)")
        switch try partition.verify() {
        case .ok: say("verify ok")
        case .broken(_, let position, let reason): say("verify broken \(position) \(reason)")
        }
    default:
        fail(usage, code: 64)
    }
} catch {
    fail("\(error)", code: 1)
}
