#!/usr/bin/env bash
# Runs Bulkhead's tests: the Swift test suite (unit, integration, subprocess and schema tests).
#   bash Tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/install-deps.sh
swift build --build-tests
swift test --skip-build
