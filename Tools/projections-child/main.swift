// A child process for the projections' two-process tests: rebuilds a tenant's projections again
// and again in a data directory that another process (the test) reads and writes meanwhile.
//
//   projections-child rebuild DATA_DIR TENANT_UUID COUNT
//       Runs COUNT rebuilds of every projection of the tenant, one after the other, and prints
//       "rebuilt N" after each tenth and after the last.
//
// Exit codes: 0 done, 1 a rebuild failed (the error on stderr), 64 usage.
import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data(("projections-child: " + message + "\n").utf8))
    exit(code)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 4, arguments[0] == "rebuild", let tenant = TenantID(arguments[2]),
      let count = Int(arguments[3]), count > 0 else {
    fail("usage: projections-child rebuild DATA_DIR TENANT_UUID COUNT", code: 64)
}
do {
    let stores = Stores(engine: TenantEngine(data: try DataDirectory(path: arguments[1]), clock: SystemClock()))
    let store = try stores.store(for: tenant)
    for n in 1...count {
        _ = try store.rebuild(projections: [], dryRun: false)
        if n % 10 == 0 || n == count { FileHandle.standardOutput.write(Data("rebuilt \(n)\n".utf8)) }
    }
} catch {
    fail("\(error)", code: 1)
}
