#!/usr/bin/env bash
# The functions as Lambda runs them: `cargo lambda watch` on a free port,
# then `cargo lambda invoke <fn> --data-file <event>` for each case below,
# in order, checking what each function answers.
#
# The events are tests/fixtures/*.json: real API Gateway HTTP API (payload
# v2) events, S3 ObjectCreated:Put events for document-uploaded and
# import-uploaded and an
# EventBridge "Scheduled Event" for risk-sweep. Fixtures may hold
# placeholders ({{EMAIL}}, {{ACCESS_TOKEN}}, {{COMPANY_ID}}, {{USER_ID}},
# {{DOCUMENT_ID}}, {{OBJECT_KEY}}, …: the FIX_* variables below), filled in
# at run time from what earlier cases returned; a body's content-length
# header is recomputed after that.
#
# The flow: sign up a company with a unique email (201), log in (200), and
# with the access token call every HTTP function (auth, users, companies,
# audit, leavers, risk, documents; status, docs and console need none),
# upload a document through its presigned URL, hand the S3 event to
# document-uploaded and download the document again, import a one-person
# CSV through import-uploaded (its upload, then its apply), raise a ticket
# and run sla-check on its schedule, create a project, clock in, then run risk-sweep
# twice (the second run of a day must say already_complete). Plus a 401 (no
# token) and a 400 (malformed JSON). Every function directory under
# functions/ must have at least one case.
#
# Needs the local stack's environment (scripts/test.sh provides it: endpoints,
# TENURE_TABLE, TENURE_BUCKET, TENURE_JWT_*). Prints `lambda: N passed, N
# failed`. KEEP_RUN_DIR=1 keeps the rendered events and responses
# (.local/run/lambda-*).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=lambda-tests

for var in AWS_ENDPOINT_URL_DYNAMODB TENURE_TABLE TENURE_JWT_PUBLIC_KEYS TENURE_JWT_KID TENURE_JWT_PRIVATE_KEY_FILE TENURE_CURSOR_KEY_FILE; do
  [[ -n "${!var:-}" ]] || die "$var is not set; run through scripts/test.sh (make test)"
done
use_venv
command -v cargo-lambda >/dev/null || die "cargo-lambda is not installed; run scripts/install.sh"

FIXTURES="$ROOT/tests/fixtures"
RUN_DIR="$(mktemp -d "$RUN_BASE/lambda-XXXXXX")"
PORT="$(free_port)"
WATCH_MARKER="lambda watch --invoke-address 127.0.0.1 --invoke-port $PORT"

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -f "$RUN_DIR/watch.pid" ]]; then
    stop_pid "$(cat "$RUN_DIR/watch.pid")" "$WATCH_MARKER" "cargo lambda watch"
  fi
  [[ -n "${KEEP_RUN_DIR:-}" ]] || rm -rf "$RUN_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Every function of the workspace (functions/<name>), built once up front so
# that no invoke waits on a compile.
mapfile -t FUNCTIONS < <(function_names)
build_functions_for_watch

FN_ENV="$RUN_DIR/functions.env"
(
  umask 077
  env | grep -E '^(AWS_(ENDPOINT_URL_DYNAMODB|ENDPOINT_URL_S3|ACCESS_KEY_ID|SECRET_ACCESS_KEY|REGION|DEFAULT_REGION|EC2_METADATA_DISABLED)|TENURE_[A-Z0-9_]+)=' || true
  echo "RUST_LOG=${RUST_LOG:-warn}"
) >"$FN_ENV"

(
  cd "$ROOT"
  exec cargo-lambda lambda watch --invoke-address 127.0.0.1 --invoke-port "$PORT" --env-file "$FN_ENV" --ignore-changes --timeout 300
) >"$RUN_DIR/watch.log" 2>&1 </dev/null &
echo $! >"$RUN_DIR/watch.pid"
wait_port "$PORT" "$!" "$WATCH_MARKER" "cargo lambda watch" "$RUN_DIR/watch.log" 120

# render.py TEMPLATE OUT: fills the {{NAME}} placeholders from FIX_NAME
# environment variables (an unset one is an error; a whole string
# "{{NAME|number}}" becomes a number) and recomputes the content-length of
# a body.
cat >"$RUN_DIR/render.py" <<'PY'
import json, os, re, sys

def fill(v):
    if isinstance(v, str) and re.fullmatch(r"\{\{[A-Z_]+\|number\}\}", v):
        return int(fill(v.replace("|number", "")))
    if isinstance(v, str):
        def sub(m):
            val = os.environ.get("FIX_" + m.group(1))
            if not val:
                sys.exit(f"placeholder {{{{{m.group(1)}}}}} has no value (an earlier case failed?)")
            return val
        return re.sub(r"\{\{([A-Z_]+)\}\}", sub, v)
    if isinstance(v, list):
        return [fill(x) for x in v]
    if isinstance(v, dict):
        return {k: fill(x) for k, x in v.items()}
    return v

event = fill(json.load(open(sys.argv[1])))
if isinstance(event.get("headers"), dict) and isinstance(event.get("body"), str):
    event["headers"]["content-length"] = str(len(event["body"].encode()))
json.dump(event, open(sys.argv[2], "w"))
PY

# check.py OUT WANT EXPR: for HTTP functions WANT is the statusCode and EXPR
# a Python expression over `b`, the body (decoded when it is JSON), and
# `h`, the headers (lower-case names); for event functions WANT is `-` and
# EXPR is over `r`, the function's JSON result. Prints what
# it found; exits 1 on a mismatch.
cat >"$RUN_DIR/check.py" <<'PY'
import json, sys
out, want, expr = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    r = json.load(open(out))
except Exception as e:
    print(f"response is not JSON ({e})"); sys.exit(1)
if want == "-":
    ok = bool(eval(expr, {}, {"r": r})) if expr else True
    if ok:
        print(json.dumps(r)[:200])
        sys.exit(0)
    print(f"check failed: {expr}; result {json.dumps(r)[:300]}")
    if isinstance(r, dict) and r.get("outcome") == "partial" and r.get("companies") == 0:
        print("  (partial before the first company: the deadline looked past. cargo lambda watch sends"
              " Lambda-Runtime-Deadline-Ms: 600000, a constant, not epoch milliseconds)")
    sys.exit(1)
got = str(r.get("statusCode"))
h = {k.lower(): v for k, v in (r.get("headers") or {}).items()}
if got != want:
    print(f"statusCode {got}, expected {want}"); sys.exit(1)
b = None
if r.get("body"):
    try:
        b = json.loads(r["body"])
    except ValueError:
        b = r["body"]
if expr and not eval(expr, {}, {"b": b, "h": h}):
    print(f"statusCode {got}, but check failed: {expr}"); sys.exit(1)
print(got)
PY

# body_field OUT KEY…: a field of the JSON body of the response in OUT.
body_field() {
  python3 - "$@" <<'PY'
import json, sys
v = json.loads(json.load(open(sys.argv[1]))["body"])
for k in sys.argv[2:]:
    v = v[k]
print(v)
PY
}

passed=0
failed=0
invoked=" "
LAST_OUT=""

# run_case FUNCTION FIXTURE WANT [EXPR]
run_case() {
  local fn="$1" fixture="$2" want="$3" expr="${4:-}" n event out msg
  n=$((passed + failed + 1))
  event="$RUN_DIR/$n-$fixture.json"
  out="$RUN_DIR/$n-$fixture.out"
  LAST_OUT="$out"
  invoked+="$fn "
  if ! msg="$(python3 "$RUN_DIR/render.py" "$FIXTURES/$fixture.json" "$event" 2>&1)"; then
    log "FAIL $fn $fixture: $msg"
    failed=$((failed + 1))
    return 1
  fi
  if ! (cd "$ROOT" && timeout 120 cargo-lambda lambda invoke --invoke-address 127.0.0.1 --invoke-port "$PORT" \
    --data-file "$event" --output-format json "$fn") >"$out" 2>&1; then
    log "FAIL $fn $fixture: invoke failed:"
    sed 's/^/    /' "$out" >&2
    failed=$((failed + 1))
    return 1
  fi
  if msg="$(python3 "$RUN_DIR/check.py" "$out" "$want" "$expr" 2>&1)"; then
    log "ok   $fn $fixture -> $msg"
    passed=$((passed + 1))
  else
    log "FAIL $fn $fixture: $msg; response:"
    head -c 2000 "$out" | sed 's/^/    /' >&2
    echo >&2
    failed=$((failed + 1))
    return 1
  fi
}

export FIX_RUN_ID="$(date -u +%Y%m%d%H%M%S)-$$"
export FIX_EMAIL="lambda-$FIX_RUN_ID-$RANDOM@example.com"
export FIX_LEAVE_DATE="$(date -u -d '+5 days' +%F)"
export FIX_ACCESS_TOKEN="" FIX_COMPANY_ID="" FIX_USER_ID="" FIX_DOCUMENT_ID="" FIX_OBJECT_KEY=""
export FIX_IMPORT_ID="" FIX_IMPORT_OBJECT="" FIX_IMPORT_OBJECT_SIZE=""
export FIX_BUCKET="${TENURE_BUCKET:-tenure-documents-local}"
DOC_FILE="$FIXTURES/documents/sample.pdf"
export FIX_DOC_SIZE="$(stat -c %s "$DOC_FILE")"

run_case status status 200 'b["status"] == "ok"' || true
run_case docs docs 200 'b["openapi"].startswith("3.1")' || true
run_case console console-index 200 'h["content-type"].startswith("text/html") and "frame-ancestors" in h["content-security-policy"]' || true
run_case console console-asset 200 'h["content-type"].startswith("text/javascript") and len(b) > 0' || true
run_case auth auth-me-no-token 401 || true
if run_case auth auth-signup 201 'b["company"]["id"] and b["user"]["id"]'; then
  FIX_COMPANY_ID="$(body_field "$LAST_OUT" company id)"
  FIX_USER_ID="$(body_field "$LAST_OUT" user id)"
fi
if run_case auth auth-login 200 'b["access_token"] and b["refresh_token"]'; then
  FIX_ACCESS_TOKEN="$(body_field "$LAST_OUT" access_token)"
fi
run_case auth auth-me 200 "b[\"email\"] == \"$FIX_EMAIL\" and b[\"company_id\"] == \"$FIX_COMPANY_ID\"" || true
run_case users users-list 200 "any(u[\"email\"] == \"$FIX_EMAIL\" for u in b[\"items\"])" || true
run_case companies companies-get 200 "b[\"id\"] == \"$FIX_COMPANY_ID\"" || true
run_case people people-departments 200 'b["items"] == [] and b["next_cursor"] is None' || true
run_case leavers leavers-create-malformed 400 'b["status"] == 400' || true
run_case leavers leavers-create 201 "b[\"surname\"] == \"Lambda\" and b[\"leave_date\"] == \"$FIX_LEAVE_DATE\"" || true
run_case leavers leavers-by-surname 200 '[l["surname"] for l in b["items"]] == ["Lambda"]' || true
run_case audit audit-list 200 '{"company.created", "leaver.created"} <= {e["action"] for e in b["items"]}' || true
run_case risk risk-alerts 200 'isinstance(b["items"], list)' || true
run_case risk risk-sweep-now 200 'b["assessed"] >= 1' || true
# A document: a presigned upload URL, the PUT to the local S3 endpoint, the
# S3 ObjectCreated event to the upload trigger, then read and download.
if run_case documents documents-upload-url 201 'b["document_id"] and b["upload"]["method"] == "PUT"'; then
  FIX_DOCUMENT_ID="$(body_field "$LAST_OUT" document_id)"
  if msg="$(python3 - "$LAST_OUT" "$DOC_FILE" 2>&1 <<'PY'
import json, sys, urllib.request
up = json.loads(json.load(open(sys.argv[1]))["body"])["upload"]
data = open(sys.argv[2], "rb").read()
req = urllib.request.Request(up["url"], data=data, method=up["method"], headers=up["headers"])
with urllib.request.urlopen(req, timeout=30) as r:
    assert r.status == 200, r.status
path = up["url"].split("?")[0]
print(path[path.index("/uploads/") + 1:])
PY
  )"; then
    FIX_OBJECT_KEY="$msg"
    log "ok   s3 PUT presigned upload of $FIX_OBJECT_KEY"
    passed=$((passed + 1))
  else
    log "FAIL s3 PUT presigned upload: $msg"
    failed=$((failed + 1))
  fi
fi
run_case document-uploaded document-uploaded-put - '[o["result"] for o in r] == ["available"]' || true
# A bulk import: the presigned upload of a one-person CSV, its S3 event to
# the import function (validated), the apply (202), the apply marker's
# event to the import function (applied), then the import as the API shows it.
IMPORT_FILE="$RUN_DIR/import.csv"
printf 'email,full_name\nlambda-import-%s@example.com,Lambda Import\n' "$FIX_RUN_ID" >"$IMPORT_FILE"
export FIX_IMPORT_SIZE="$(stat -c %s "$IMPORT_FILE")"
if run_case people people-imports-create 201 'b["import_id"] and b["import"]["status"] == "pending"'; then
  FIX_IMPORT_ID="$(body_field "$LAST_OUT" import_id)"
  if msg="$(python3 - "$LAST_OUT" "$IMPORT_FILE" 2>&1 <<'PY'
import json, sys, urllib.request
up = json.loads(json.load(open(sys.argv[1]))["body"])["upload"]
data = open(sys.argv[2], "rb").read()
req = urllib.request.Request(up["url"], data=data, method=up["method"], headers=up["headers"])
with urllib.request.urlopen(req, timeout=30) as r:
    assert r.status == 200, r.status
path = up["url"].split("?")[0]
print(path[path.index("/imports/") + 1:])
PY
  )"; then
    FIX_IMPORT_OBJECT="$msg"
    FIX_IMPORT_OBJECT_SIZE="$FIX_IMPORT_SIZE"
    log "ok   s3 PUT presigned upload of $FIX_IMPORT_OBJECT"
    passed=$((passed + 1))
  else
    log "FAIL s3 PUT presigned upload of the import file: $msg"
    failed=$((failed + 1))
  fi
fi
run_case import-uploaded import-uploaded-put - '[o["result"] for o in r] == ["validated"]' || true
if run_case people people-imports-apply 202 'b["status"] == "applying"'; then
  FIX_IMPORT_OBJECT="imports/$FIX_COMPANY_ID/$FIX_IMPORT_ID.apply"
  FIX_IMPORT_OBJECT_SIZE=5
fi
run_case import-uploaded import-uploaded-put - '[o["result"] for o in r] == ["applied"]' || true
run_case people people-imports-get 200 'b["status"] == "applied" and b["applied"]["created"] == 1' || true
# A ticket (its SLA clocks started), then the SLA check on its schedule.
run_case tickets tickets-create 201 'b["status"] == "open" and b["sla"]["first_response"]["target_seconds"] == 3600' || true
run_case sla-check sla-check-scheduled - '"checked" in r and r["partial"] is False' || true
run_case projects projects-create 201 "b[\"name\"] == \"Lambda project\" and b[\"owner_id\"] == \"$FIX_USER_ID\"" || true
run_case timekeeping timekeeping-clockin 201 "b[\"open\"] is True and b[\"employee_id\"] == \"$FIX_USER_ID\"" || true
run_case documents documents-get 200 'b["status"] == "available" and len(b["sha256"]) == 64' || true
if run_case documents documents-download 200 'b["download"]["url"]'; then
  if msg="$(python3 - "$LAST_OUT" "$DOC_FILE" 2>&1 <<'PY'
import json, sys, urllib.request
down = json.loads(json.load(open(sys.argv[1]))["body"])["download"]
req = urllib.request.Request(down["url"], method=down.get("method", "GET"), headers=down.get("headers") or {})
with urllib.request.urlopen(req, timeout=30) as r:
    got = r.read()
assert got == open(sys.argv[2], "rb").read(), f"downloaded {len(got)} bytes that differ from the upload"
print(len(got))
PY
  )"; then
    log "ok   s3 GET presigned download: the same $msg bytes"
    passed=$((passed + 1))
  else
    log "FAIL s3 GET presigned download: $msg"
    failed=$((failed + 1))
  fi
fi

# The day's pass: `done`, or `already_complete` when cargo test has already
# run it today on this stack; either way a second run finds it complete.
# Note: cargo lambda watch (1.9.2) sends `Lambda-Runtime-Deadline-Ms: 600000`
# (a constant, not an epoch time), so the function must not take a deadline
# in the past at face value or it stops before the first company.
run_case risk-sweep risk-sweep-scheduled - 'r["outcome"] in ("done", "already_complete") and r["date"] and "totals" in r' || true
run_case risk-sweep risk-sweep-scheduled - 'r["outcome"] == "already_complete"' || true

for f in "${FUNCTIONS[@]}"; do
  if [[ "$invoked" != *" $f "* ]]; then
    log "FAIL $f: no case invokes this function; add one to scripts/lambda-tests.sh"
    failed=$((failed + 1))
  fi
done

if ((failed)); then
  log "watch log (last 40 lines):"
  tail -n 40 "$RUN_DIR/watch.log" | sed 's/^/    /' >&2
fi
log "done in ${SECONDS}s"
echo "lambda: $passed passed, $failed failed"
((failed == 0))
