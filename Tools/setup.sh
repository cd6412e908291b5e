#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks, builds Bulkhead, and runs the demo.
#   bash Tools/setup.sh            # install, build (release), run `bulkhead demo`
#   bash Tools/setup.sh --no-demo  # install and build only
set -euo pipefail
cd "$(dirname "$0")/.."

bash Tools/install-deps.sh

swift build -c release --product bulkhead
if [ "${1:-}" != "--no-demo" ]; then
  .build/release/bulkhead demo
fi
