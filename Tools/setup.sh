#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks, builds Bulkhead, and runs the demo.
#   bash Tools/setup.sh            # install, build (release), run `bulkhead demo`
#   bash Tools/setup.sh --no-demo  # install and build only
set -euo pipefail
cd "$(dirname "$0")/.."

bash Tools/install-deps.sh

swift build -c release --product bulkhead
if [ "${1:-}" != "--no-demo" ]; then
  # The demo signs checkpoints with a key of its own, kept outside the data directory (there is
  # no default key: the file is made here once, explicitly).
  key=./bulkhead-demo-signing.key
  [ -f "$key" ] || .build/release/bulkhead keys init "$key"
  .build/release/bulkhead demo --signing-key "$key"
fi
