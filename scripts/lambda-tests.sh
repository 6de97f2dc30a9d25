#!/usr/bin/env bash
# The functions as Lambda runs them: `cargo lambda watch` on a free port,
# then `cargo lambda invoke <fn> --data-file tests/fixtures/<fixture>.json`
# (real API Gateway v2 HTTP events) for each case below, checking the
# statusCode of the response.
#
# Needs the local stack's environment (scripts/test.sh provides it: endpoints,
# TENURE_TABLE, TENURE_JWT_*). Prints `lambda: N passed, N failed`.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=lambda-tests

# function  fixture (tests/fixtures/<name>.json)  expected statusCode
CASES=(
  "status     status                  200"
  "docs       docs                    200"
  "auth       auth-me-no-token        401"
  "users      users-list-no-token     401"
  "companies  companies-list-no-token 401"
  "audit      audit-no-token          401"
)

for var in AWS_ENDPOINT_URL_DYNAMODB TENURE_TABLE TENURE_JWT_PUBLIC_KEYS TENURE_JWT_KID; do
  [[ -n "${!var:-}" ]] || die "$var is not set; run through scripts/test.sh (make test)"
done
use_venv
command -v cargo-lambda >/dev/null || die "cargo-lambda is not installed; run scripts/install.sh"

RUN_DIR="$(mktemp -d "$RUN_BASE/lambda-XXXXXX")"
PORT="$(free_port)"
WATCH_MARKER="lambda watch --invoke-address 127.0.0.1 --invoke-port $PORT"

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -f "$RUN_DIR/watch.pid" ]]; then
    stop_pid "$(cat "$RUN_DIR/watch.pid")" "$WATCH_MARKER" "cargo lambda watch"
  fi
  rm -rf "$RUN_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Build first so that no invoke waits on a compile.
fns=()
for c in "${CASES[@]}"; do
  read -r fn _ _ <<<"$c"
  fns+=(-p "$fn")
done
log "building ${fns[*]}"
(cd "$ROOT" && cargo build --quiet "${fns[@]}")

FN_ENV="$RUN_DIR/functions.env"
(
  umask 077
  env | grep -E '^(AWS_(ENDPOINT_URL_DYNAMODB|ENDPOINT_URL_S3|ACCESS_KEY_ID|SECRET_ACCESS_KEY|REGION|DEFAULT_REGION|EC2_METADATA_DISABLED)|TENURE_[A-Z0-9_]+)=' || true
  echo "RUST_LOG=${RUST_LOG:-warn}"
) >"$FN_ENV"

(
  cd "$ROOT"
  exec cargo-lambda lambda watch --invoke-address 127.0.0.1 --invoke-port "$PORT" --env-file "$FN_ENV" --ignore-changes
) >"$RUN_DIR/watch.log" 2>&1 </dev/null &
echo $! >"$RUN_DIR/watch.pid"
wait_port "$PORT" "$!" "$WATCH_MARKER" "cargo lambda watch" "$RUN_DIR/watch.log" 120

passed=0
failed=0
for c in "${CASES[@]}"; do
  read -r fn fixture want <<<"$c"
  data="$ROOT/tests/fixtures/$fixture.json"
  out="$RUN_DIR/$fixture.out"
  if ! (cd "$ROOT" && timeout 120 cargo-lambda lambda invoke --invoke-address 127.0.0.1 --invoke-port "$PORT" \
    --data-file "$data" --output-format json "$fn") >"$out" 2>&1; then
    log "FAIL $fn $fixture: invoke failed:"
    sed 's/^/    /' "$out" >&2
    failed=$((failed + 1))
    continue
  fi
  got="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("statusCode"))' "$out" 2>/dev/null || echo "?")"
  if [[ "$got" == "$want" ]]; then
    log "ok   $fn $fixture -> $got"
    passed=$((passed + 1))
  else
    log "FAIL $fn $fixture: statusCode $got, expected $want; response:"
    sed 's/^/    /' "$out" >&2
    failed=$((failed + 1))
  fi
done

if ((failed)); then
  log "watch log (last 40 lines):"
  tail -n 40 "$RUN_DIR/watch.log" | sed 's/^/    /' >&2
fi
echo "lambda: $passed passed, $failed failed"
((failed == 0))
