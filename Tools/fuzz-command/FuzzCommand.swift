// fuzz-command: the libFuzzer target for FuzzTargets.command (Sources/FuzzHarness).
//
// Built by Tools/fuzz.sh with `--sanitize=fuzzer -Xswiftc -DBULKHEAD_FUZZING`: the file then
// defines only LLVMFuzzerTestOneInput and libFuzzer supplies main. In a plain build (what
// `swift build --build-tests` makes) it is a replayer: `fuzz-command FILE|DIR...`.
import FuzzHarness

#if BULKHEAD_FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCommand(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.command.fuzzOne(data, size)
}
#else
@main
enum FuzzCommandReplay {
    static func main() { FuzzReplay.main(.command) }
}
#endif
