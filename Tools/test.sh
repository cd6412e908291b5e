#!/usr/bin/env bash
# Runs Bulkhead's tests: the Swift test suite (unit, integration, subprocess and schema tests), then
# Schemathesis against a live server (Tools/schemathesis.sh: the OpenAPI contract, a few minutes), then
# a short libFuzzer run of the decoders (Tools/fuzz.sh: a sanitizer build in .build-fuzz, 1,000,000 inputs a target).
#   bash Tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/install-deps.sh
swift build --build-tests
swift test --skip-build
bash Tools/schemathesis.sh
bash Tools/fuzz.sh
