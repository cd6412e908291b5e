// fuzz-envelope: the libFuzzer target for FuzzTargets.envelope (Sources/FuzzHarness).
//
// Built by Tools/fuzz.sh with `--sanitize=fuzzer -Xswiftc -DBULKHEAD_FUZZING`: the file then
// defines only LLVMFuzzerTestOneInput and libFuzzer supplies main. In a plain build (what
// `swift build --build-tests` makes) it is a replayer: `fuzz-envelope FILE|DIR...`.
import FuzzHarness

#if BULKHEAD_FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEnvelope(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.envelope.fuzzOne(data, size)
}
#else
@main
enum FuzzEnvelopeReplay {
    static func main() { FuzzReplay.main(.envelope) }
}
#endif
