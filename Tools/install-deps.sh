#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for Bulkhead: liblmdb-dev, python3 and pip (apt-get),
# and Python's jsonschema, PyYAML and openapi-spec-validator (pip, for the schema and OpenAPI
# tests), and cryptography (pip: Ed25519 for Tools/verify-audit.py, the offline audit verifier, which
# otherwise needs only python3's standard library). Does nothing when all are present. Swift itself (6.2 or later) must be on PATH: it is not
# a Debian package, so this script only checks for it.
set -euo pipefail
if ! command -v swift >/dev/null; then
  echo "setup: swift is not on PATH: install the Swift 6.2 (or later) toolchain from swift.org, then run this again" >&2
  exit 1
fi
need_apt=()
[ -f /usr/include/lmdb.h ] || need_apt+=(liblmdb-dev)
command -v python3 >/dev/null || need_apt+=(python3)
python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} with apt-get"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to apt-get install ${need_apt[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi
if ! python3 -c 'import jsonschema, yaml, openapi_spec_validator, cryptography' 2>/dev/null; then
  echo "setup: installing Python's jsonschema, PyYAML, openapi-spec-validator and cryptography with pip"
  python3 -m pip install --quiet jsonschema pyyaml openapi-spec-validator cryptography \
    || python3 -m pip install --quiet --break-system-packages jsonschema pyyaml openapi-spec-validator cryptography
fi
