#!/usr/bin/env bash
# libFuzzer runs of Bulkhead's decoders (bodies in Sources/FuzzHarness; README "Fuzzing"):
#   bash Tools/fuzz.sh                  short run: each target 1,000,000 inputs from seed 1, at most
#                                       300 s (CI runs this from Tools/test.sh): the same inputs on
#                                       every machine, so that CI passes where this run passed
#   bash Tools/fuzz.sh --long SECONDS   long run: each target SECONDS from a random seed (e.g. --long 900)
#   FUZZ_TARGETS=command bash Tools/fuzz.sh   only the targets named (envelope, command)
# Builds fuzz-envelope and fuzz-command with `--sanitize=fuzzer -Xswiftc -DBULKHEAD_FUZZING` in
# .build-fuzz (BULKHEAD_FUZZ_SCRATCH overrides), then runs each target one after the other on the
# seeds and crash inputs of Tests/Fixtures/fuzz/<target> (only read; what the fuzzer adds goes to
# Tools/.fuzz-work/<target>/corpus, kept between runs). Fails on any crash, hang (an input running
# over 10 s) or out-of-memory; the input is left in Tools/.fuzz-work/<target>/artifacts/ and the
# full log beside it. A crash input becomes a regression test by being copied into
# Tests/Fixtures/fuzz/<target>/ (Tests/FuzzTests replays every file there).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=300
mode=(-seed=1 -runs=1000000)
case "${1:-}" in
  "") ;;
  --long)
    seconds="${2:-}"
    mode=()
    [[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: bash Tools/fuzz.sh [--long SECONDS]" >&2; exit 2; } ;;
  *) echo "usage: bash Tools/fuzz.sh [--long SECONDS]" >&2; exit 2 ;;
esac
read -r -a targets <<< "${FUZZ_TARGETS:-envelope command}"
flags=(--scratch-path "${BULKHEAD_FUZZ_SCRATCH:-.build-fuzz}" --sanitize=fuzzer -Xswiftc -DBULKHEAD_FUZZING)

started=$SECONDS
for target in "${targets[@]}"; do
  swift build "${flags[@]}" --product "fuzz-$target"
done
echo "fuzz: built ${targets[*]} in $((SECONDS - started)) s"
bin="$(swift build "${flags[@]}" --show-bin-path)"

status=0
for target in "${targets[@]}"; do
  work="Tools/.fuzz-work/$target"
  mkdir -p "$work/corpus" "$work/artifacts"
  log="$work/$(date -u +%Y%m%dT%H%M%SZ)-${seconds}s.log"
  echo "fuzz: $target: ${mode[*]:-random seed}, at most $seconds s (log: $log)"
  set +e
  SWIFT_BACKTRACE=enable=no "$bin/fuzz-$target" "$work/corpus" "Tests/Fixtures/fuzz/$target" \
    -dict="Tests/Fixtures/fuzz/$target.dict" ${mode[@]+"${mode[@]}"} -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=4096 -artifact_prefix="$work/artifacts/" -print_final_stats=1 >"$log" 2>&1
  code=$?
  set -e
  # The last status line (runs, coverage, corpus) and the final stats.
  done_line="$(grep -E '^#[0-9]+' "$log" | tail -1 || true)"
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
  per_second="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")"
  echo "fuzz: $target: ${runs:-?} runs, ${per_second:-?}/s; $done_line"
  if [ "$code" -ne 0 ]; then
    status=1
    echo "fuzz: $target FAILED (exit $code); the end of its log:" >&2
    tail -n 40 "$log" >&2
    echo "fuzz: input(s) in $work/artifacts/: $(ls -t "$work/artifacts" | head -3 | tr '\n' ' ')" >&2
  fi
done
echo "fuzz: done in $((SECONDS - started)) s"
exit "$status"
