#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for Bulkhead: liblmdb-dev (apt-get) and Python's
# jsonschema, PyYAML and openapi-spec-validator (pip, for the schema and OpenAPI tests). Does nothing
# when all are present.
set -euo pipefail
need_apt=()
[ -f /usr/include/lmdb.h ] || need_apt+=(liblmdb-dev)
command -v python3 >/dev/null || need_apt+=(python3 python3-pip)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} with apt-get"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi
if ! python3 -c 'import jsonschema, yaml, openapi_spec_validator' 2>/dev/null; then
  echo "setup: installing Python's jsonschema, PyYAML and openapi-spec-validator with pip"
  python3 -m pip install --quiet jsonschema pyyaml openapi-spec-validator \
    || python3 -m pip install --quiet --break-system-packages jsonschema pyyaml openapi-spec-validator
fi

