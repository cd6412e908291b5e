#!/usr/bin/env bash
# Runs Bulkhead's tests: first a check that the generated binary coding is up to date with the types
# it codes (Tools/gen-binary-coding.py --check: a stale file compiles but drops fields from the stored
# bytes), then the Swift test suite (unit, integration, subprocess and schema tests), then
# Schemathesis against a live server (Tools/schemathesis.sh: the OpenAPI contract, a few minutes), then
# a short libFuzzer run of the decoders (Tools/fuzz.sh: a sanitizer build in .build-fuzz, 1,000,000 inputs a target).
#   bash Tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/install-deps.sh
python3 Tools/gen-binary-coding.py --check
swift build --build-tests
swift test --skip-build
bash Tools/schemathesis.sh
bash Tools/fuzz.sh
