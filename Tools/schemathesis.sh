#!/usr/bin/env bash
# Runs an independent, contract-driven client against a live `bulkhead serve`: Schemathesis (from
# PyPI, pinned below) reads Schemas/openapi.yaml and sends every operation generated and boundary
# requests, valid and invalid, then follows the contract's links (stateful phase). It fails on a
# server error, an undocumented status or content type, a body that does not match its schema,
# invalid data that is accepted, and a wrong method not answered 405 with Allow. (Not on valid data
# refused with 400: some rules are the decision's, not the command schemas', such as a player
# listed twice or a model that is not in the catalog.) Afterwards a small Python step checks that
# tenant B's key cannot read tenant A's objects (404, like an id that never existed). A fresh
# temporary data directory with two tenants is made, and removed on exit with the server stopped.
#   bash Tools/schemathesis.sh                       # bounded: at most SCHEMATHESIS_MAX_TIME seconds (240) of testing
#   SCHEMATHESIS_MAX_EXAMPLES=100 bash Tools/schemathesis.sh --seed 7   # more cases; extra arguments go to schemathesis run
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.32.5
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-20}
MAX_TIME=${SCHEMATHESIS_MAX_TIME:-240}

if [ "$(python3 -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true)" != "$VERSION" ]; then
  echo "schemathesis: installing schemathesis==$VERSION with pip"
  python3 -m pip install --quiet "schemathesis==$VERSION" \
    || python3 -m pip install --quiet --break-system-packages "schemathesis==$VERSION"
fi
# Through python3 rather than the `schemathesis` script, which a user install may leave off PATH.
RUN_SCHEMATHESIS='import sys; from schemathesis.cli import schemathesis; sys.argv[0] = "schemathesis"; sys.exit(schemathesis())'
BULKHEAD=.build/debug/bulkhead
[ -x "$BULKHEAD" ] || swift build --product bulkhead
BULKHEAD=$(pwd)/$BULKHEAD

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bulkhead-schemathesis.XXXXXX")
SERVER=""
cleanup() {
  if [ -n "$SERVER" ] && kill -0 "$SERVER" 2>/dev/null; then
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
DATA=$WORK/data

bk() { "$BULKHEAD" "$@" --data "$DATA"; }
# Runs a command for a tenant, as its owner, and prints the JSON value at a path of its result
# (`ids.projectId`).
run() {
  local tenant=$1 name=$2 json=$3 path=${4:-}
  local out
  out=$(bk exec --tenant "$tenant" --actor "setup@$tenant.example" --format json "$name" "$json")
  [ -z "$path" ] || python3 -c 'import json, sys
value = json.loads(sys.argv[1])
for part in sys.argv[2].split("."):
    value = value[part]
print(value)' "$out" "$path"
}
seed() {
  local t=$1 label=$2
  # Every command's actor must be a user of the tenant: setup@T.example is its owner.
  bk tenant create "$t" --name "$label" --owner "setup@$t.example" --owner-name "$label Setup" >/dev/null
  local project note p1 p2 run_id sync_id
  project=$(run "$t" project.create "{\"name\":\"$label Project\",\"githubRepository\":\"$t/repo\",\"scanPath\":\"src\"}" ids.projectId)
  note=$(run "$t" note.create "{\"projectId\":\"$project\",\"title\":\"$label note\",\"body\":\"text\"}" ids.noteId)
  run "$t" knowledge.record "{\"projectId\":\"$project\",\"kind\":\"codePattern\",\"content\":\"$label pattern\"}"
  sync_id=$(run "$t" sync.start "{\"projectId\":\"$project\"}" ids.syncId)
  run "$t" sync.complete "{\"syncId\":\"$sync_id\"}"
  run_id=$(run "$t" analysis.request "{\"projectId\":\"$project\",\"trigger\":\"manual\"}" ids.runId)
  run "$t" tenant.addUser "{\"email\":\"someone@$t.example\",\"displayName\":\"$label User\"}"
  run "$t" tenant.setConfig '{"key":"teamAName","value":{"text":"Reds"}}'
  run "$t" tenant.setConfig '{"key":"teamBName","value":{"text":"Blues"}}'
  run "$t" tenant.setConfig '{"key":"heavyWinThreshold","value":{"integer":3}}'
  run "$t" season.define '{"name":"2026/27","startDate":"2026-08-01","endDate":"2027-06-30"}'
  p1=$(run "$t" player.register "{\"name\":\"$label One\"}" ids.playerId)
  p2=$(run "$t" player.register "{\"name\":\"$label Two\"}" ids.playerId)
  run "$t" match.record "{\"date\":\"2026-09-20\",\"teamA\":{\"players\":[\"$p1\"],\"score\":4},\"teamB\":{\"players\":[\"$p2\"],\"score\":0},\"goals\":[{\"playerId\":\"$p1\",\"goals\":4}]}"
  echo "$project $note $run_id"
}
read -r A_PROJECT A_NOTE _ < <(seed alpha "Alpha")
read -r B_PROJECT _ _ < <(seed beta "Beta")
A_ISSUED=$(bk exec --tenant alpha --actor setup@alpha.example --format json tenant.issueApiKey '{"label":"schemathesis"}')
A_KEY=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["apiKey"])' "$A_ISSUED")
A_KEY_ID=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["ids"]["keyId"])' "$A_ISSUED")
B_KEY=$(run beta tenant.issueApiKey '{"label":"schemathesis"}' apiKey)

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
# Streams end after 2 s (not 5 minutes), so that each stream request the client sends completes.
BULKHEAD_STREAM_MAX_SECONDS=2 "$BULKHEAD" serve --host 127.0.0.1 --port "$PORT" --data "$DATA" --log-level notice \
  2>"$WORK/server.log" &
SERVER=$!
for _ in $(seq 1 100); do
  curl -sf "$URL/ready" >/dev/null 2>&1 && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log" >&2; echo "schemathesis: bulkhead serve exited" >&2; exit 1; }
  sleep 0.1
done
curl -sf "$URL/ready" >/dev/null || { echo "schemathesis: $URL/ready never answered" >&2; exit 1; }

if [ -n "${SCHEMATHESIS_SERVE_ONLY:-}" ]; then
  # For working on the contract: keep the server up and print what a client needs.
  echo "URL=$URL A_KEY=$A_KEY B_KEY=$B_KEY A_PROJECT=$A_PROJECT"
  wait "$SERVER" || true
  exit 0
fi
echo "schemathesis $VERSION against $URL (at most $MAX_EXAMPLES cases an operation, $MAX_TIME s)"
status=0
# From the temporary directory, so that Schemathesis's own files (.schemathesis/) stay out of the tree.
SPEC=$(pwd)/Schemas/openapi.yaml
# Hooks: the run must not revoke the key it runs with (the stateful phase finds key ids in
# GET /v1/api-keys); a well-formed X-Bulkhead-Actor is mostly replaced by a user of tenant alpha
# (a generated string is no user: 409), so that commands apply and the stateful phase has
# something to follow, while a quarter stay strangers and malformed ones are sent as generated;
# and Python 3.11 before 3.11.8 can raise a spurious SystemError ("AST constructor
# recursion depth mismatch", CPython gh-106905) while Hypothesis describes a lambda for its output.
cat >"$WORK/bulkhead_hooks.py" <<'PY'
import os
import random
import re
import uuid

import schemathesis
from hypothesis.internal import lambda_sources

_describe = lambda_sources._lambda_description


def _description(f, *args, **kwargs):
    try:
        return _describe(f, *args, **kwargs)
    except SystemError:
        return "lambda: <source not available>"


lambda_sources._lambda_description = _description
OWN_KEY_ID = os.environ["BULKHEAD_OWN_KEY_ID"].lower()
USERS = os.environ["BULKHEAD_USERS"].split(",")
ACTOR = "X-Bulkhead-Actor"


# The contract's schema of the header (components.parameters.Actor): only a value valid by it, in a
# positive case, is replaced. A negative case is sent as generated: a hook that changes its headers
# makes Schemathesis revalidate it, which would turn it positive and put back a header it removed.
ACTOR_PATTERN = re.compile(
    "^[^\x00-\x1F\x7F-\x9F\uFFFD]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u202F\u205F\u3000\uFFFD]"
    "[^\x00-\x1F\x7F-\x9F\uFFFD]*$")
RESERVED = re.compile("^[Ss][Yy][Ss][Tt][Ee][Mm]:")


def _well_formed(actor):
    return (isinstance(actor, str) and 1 <= len(actor) <= 320 and ACTOR_PATTERN.search(actor) is not None
            and RESERVED.search(actor) is None)


@schemathesis.hook
def before_call(context, case, **kwargs):
    headers = case.headers
    negative = case.meta is not None and case.meta.generation.mode.is_negative
    if not negative and headers and _well_formed(headers.get(ACTOR)) and random.random() < 0.75:
        headers[ACTOR] = random.choice(USERS)
    body = case.body
    if case.operation.path.endswith("/tenant.revokeApiKey") and isinstance(body, dict):
        if str(body.get("keyId", "")).lower() == OWN_KEY_ID:
            body["keyId"] = str(uuid.uuid4())
PY
# Coverage-phase generation for knowledge.record's 20,000-character text with a pattern runs for
# minutes in Schemathesis itself (no request is sent meanwhile): that operation gets the other phases.
cat >"$WORK/schemathesis.toml" <<'TOML'
[[operations]]
include-operation-id = "knowledge.record"
phases.coverage.enabled = false
TOML
(cd "$WORK" && BULKHEAD_OWN_KEY_ID="$A_KEY_ID" BULKHEAD_USERS="setup@alpha.example,someone@alpha.example" SCHEMATHESIS_HOOKS=bulkhead_hooks PYTHONPATH="$WORK" \
  python3 -c "$RUN_SCHEMATHESIS" --config-file "$WORK/schemathesis.toml" run "$SPEC" --url "$URL" \
  -H "Authorization: Bearer $A_KEY" \
  --checks all --exclude-checks positive_data_acceptance \
  --phases examples,coverage,fuzzing,stateful \
  --max-examples "$MAX_EXAMPLES" --max-time "$MAX_TIME" --workers 2 --seed 1 \
  --request-timeout 20 --suppress-health-check all \
  "$@") || status=$?

# Tenant isolation, from outside: tenant B's key never reads tenant A's objects.
python3 - "$URL" "$B_KEY" "$A_KEY" "$A_PROJECT" "$A_NOTE" <<'PY' || status=1
import json, sys, urllib.error, urllib.request
url, b_key, a_key, project, note = sys.argv[1:]
failures = []

def get(path, key):
    request = urllib.request.Request(url + path, headers={"Authorization": "Bearer " + key})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()

for path in [f"/v1/projects/{project}", f"/v1/projects/{project}/syncs", f"/v1/projects/{project}/runs",
             f"/v1/notes/{note}/context", f"/v1/projects/{project.upper()}"]:
    status, _ = get(path, a_key)
    if status != 200:
        failures.append(f"tenant A's own key: GET {path} is {status}, not 200")
    status, body = get(path, b_key)
    if status != 404:
        failures.append(f"tenant B's key: GET {path} is {status}, not 404: {body[:200]!r}")
status, body = get("/v1/projects", b_key)
if status != 200 or project.lower() in body.decode().lower():
    failures.append(f"tenant B's key: GET /v1/projects is {status} or lists tenant A's project")
for failure in failures:
    print("FAIL:", failure)
print(f"tenant isolation: {len(failures)} failed")
sys.exit(1 if failures else 0)
PY

if [ "$status" -ne 0 ]; then
  KEPT=${TMPDIR:-/tmp}/bulkhead-schemathesis-server.log
  cp "$WORK/server.log" "$KEPT"
  echo "schemathesis: failed; the server's log is kept in $KEPT (its first errors follow):" >&2
  grep -m 20 -E " (error|critical) " "$KEPT" >&2 || true
fi
exit "$status"
