import Foundation

/// A fuzz target by name: its body, and where its fixtures live.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// ``FuzzTargets/envelope(_:)``: stored event records.
    case envelope
    /// ``FuzzTargets/command(_:)``: command name and JSON body.
    case command

    /// Runs the body on one input and names how far it got.
    public func run(_ input: UnsafeRawBufferPointer) throws(FuzzFailure) -> String {
        switch self {
        case .envelope: return try FuzzTargets.envelope(input).rawValue
        case .command: return try FuzzTargets.command(input).rawValue
        }
    }

    /// Runs the body; traps on a broken property, so that libFuzzer keeps the input as a crash.
    /// What `LLVMFuzzerTestOneInput` calls.
    public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        do {
            _ = try run(UnsafeRawBufferPointer(start: data, count: size))
        } catch {
            fatalError("fuzz-\(rawValue): \(error)")
        }
        return 0
    }
}

/// What `fuzz-envelope` and `fuzz-command` do when built without libFuzzer (a plain
/// `swift build`): replay files, or write the seed corpus.
///
/// ```
/// fuzz-envelope FILE|DIR...                      run each input, print its outcome
/// fuzz-envelope --write-seeds Tests/Fixtures/fuzz   (re)make the seed corpus of both targets
/// ```
public enum FuzzReplay {
    /// Runs the replay command line for `target`; exits 1 when an input breaks a property.
    public static func main(_ target: FuzzTarget, arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        let tool = "fuzz-\(target.rawValue)"
        if arguments.first == "--write-seeds", arguments.count == 2 {
            do {
                let counts = try FuzzSeeds.write(into: arguments[1])
                print("wrote \(counts.envelope) envelope and \(counts.command) command seeds into \(arguments[1])")
                exit(0)
            } catch {
                FileHandle.standardError.write(Data("\(tool): cannot write the seeds: \(error)\n".utf8))
                exit(1)
            }
        }
        guard !arguments.isEmpty, !arguments.contains(where: { $0.hasPrefix("-") }) else {
            FileHandle.standardError.write(Data("""
                usage: \(tool) FILE|DIR...   (replays inputs through the target's body)
                       \(tool) --write-seeds FIXTURES_DIR
                This is the replay build; for libFuzzer build with Tools/fuzz.sh.

                """.utf8))
            exit(2)
        }
        var failures = 0
        for path in arguments.flatMap(files) {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("unreadable \(path)")
                failures += 1
                continue
            }
            do {
                let outcome = try data.withUnsafeBytes { raw throws(FuzzFailure) in try target.run(raw) }
                print("\(outcome) \(path)")
            } catch {
                print("FAILED \(path): \(error)")
                failures += 1
            }
        }
        exit(failures == 0 ? 0 : 1)
    }

    /// `path` itself, or the regular files under it, sorted.
    public static func files(_ path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().flatMap { files((path as NSString).appendingPathComponent($0)) }
    }
}
