#!/usr/bin/env bash
# The web console in a real browser: Debian's chromium, driven by npm
# playwright-core, against the whole API as `make dev` serves it.
#
# Starts, all on free ports and all its own (a running `make dev` or
# `make test` stack is left alone):
#   - a throwaway stack (scripts/stack.sh start test: DynamoDB Local in
#     memory, the local S3 endpoint) whose S3 endpoint posts ObjectCreated
#     events to the document-uploaded function under watch (--notify-url,
#     as scripts/dev.sh does), so uploads become available by themselves;
#   - `cargo lambda watch` serving every function with the router of the
#     root Cargo.toml;
#   - only while the local S3 endpoint does not answer CORS preflights:
#     tests/browser/s3-cors-proxy.mjs in front of it, answering them as the
#     bucket's CORS rule in template.yaml does (see "Web console" in README);
# then runs `node tests/browser/console.test.mjs` and stops everything it
# started, by PID.
#
# Screenshots go to SCREENSHOT_DIR (default docs/screenshots; scripts/test.sh
# points it at its scratch folder so `make test` leaves the tree clean).
# KEEP_RUN_DIR=1 keeps the logs. Prints `browser: N passed, N failed`.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=browser-tests

t0=$SECONDS
"$ROOT/scripts/install.sh" venv node ddb browser
use_venv
command -v cargo-lambda >/dev/null || die "cargo-lambda is not installed; run scripts/install.sh"
[[ -x /usr/bin/chromium ]] || die "/usr/bin/chromium is missing; run scripts/install.sh"

mkdir -p "$RUN_BASE"
RUN_DIR="$(mktemp -d "$RUN_BASE/browser-XXXXXX")"
export STACK_RUN_DIR="$RUN_DIR/stack"
mkdir -p "$STACK_RUN_DIR"
PORT="$(free_port)"
WATCH_MARKER="lambda watch --invoke-address 127.0.0.1 --invoke-port $PORT"
PROXY_MARKER="s3-cors-proxy.mjs"
export SCREENSHOT_DIR="${SCREENSHOT_DIR:-$ROOT/docs/screenshots}"

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -f "$RUN_DIR/watch.pid" ]]; then
    stop_pid "$(cat "$RUN_DIR/watch.pid")" "$WATCH_MARKER" "cargo lambda watch"
  fi
  if [[ -f "$RUN_DIR/proxy.pid" ]]; then
    stop_pid "$(cat "$RUN_DIR/proxy.pid")" "$PROXY_MARKER" "S3 CORS proxy"
  fi
  "$ROOT/scripts/stack.sh" stop test >/dev/null 2>&1 || true
  if [[ -n "${KEEP_RUN_DIR:-}" ]]; then
    log "logs kept in $RUN_DIR"
  else
    rm -rf "$RUN_DIR"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Every function built up front, so no page waits on a compile.
build_devstack
build_functions_for_watch

# The stack, with uploads delivered to the real upload trigger under watch.
export S3_NOTIFY_URL="http://127.0.0.1:$PORT/2015-03-31/functions/document-uploaded/invocations"
"$DEVSTACK" keygen --out "$RUN_DIR/jwt" >/dev/null
"$ROOT/scripts/stack.sh" start test
set -a
source "$STACK_RUN_DIR/stack.env"
source "$RUN_DIR/jwt/public.env"
set +a
"$DEVSTACK" init
ORIGIN="http://127.0.0.1:$PORT"

# Browsers PUT uploads straight to the bucket, cross-origin: the endpoint
# must answer the CORS preflight. If the local S3 endpoint does not, a small
# proxy in front of it does, exactly as the bucket's CORS rule would; the
# functions then presign URLs for the proxy's address (the Host header is
# passed through unchanged, so SigV4 still checks out at the endpoint).
S3_FOR_FUNCTIONS="$AWS_ENDPOINT_URL_S3"
preflight="$(curl -s -o /dev/null -D - -X OPTIONS "$AWS_ENDPOINT_URL_S3/$TENURE_BUCKET/uploads/probe" \
  -H "Origin: $ORIGIN" -H 'Access-Control-Request-Method: PUT' -H 'Access-Control-Request-Headers: content-type' || true)"
if grep -qi '^access-control-allow-origin:' <<<"$preflight"; then
  log "the local S3 endpoint answers CORS preflights itself"
else
  PROXY_PORT="$(free_port)"
  log "the local S3 endpoint does not answer CORS preflights: CORS proxy on 127.0.0.1:$PROXY_PORT"
  node "$ROOT/tests/browser/s3-cors-proxy.mjs" "$PROXY_PORT" "$S3_PORT" "$ORIGIN" >"$RUN_DIR/proxy.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/proxy.pid"
  wait_port "$PROXY_PORT" "$!" "$PROXY_MARKER" "S3 CORS proxy" "$RUN_DIR/proxy.log" 20
  S3_FOR_FUNCTIONS="http://127.0.0.1:$PROXY_PORT"
fi

# A platform admin for this run only (the auth function creates it at cold
# start), with a password made up here.
export ADMIN_EMAIL="admin@platform.example"
ADMIN_PASSWORD="$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
export ADMIN_PASSWORD

# The functions' environment. The per-IP limit is raised because every
# browser here is the same client (127.0.0.1) and each console load fetches
# its assets through public, IP-limited routes.
FN_ENV="$RUN_DIR/functions.env"
(
  umask 077
  grep -v '^#' "$STACK_RUN_DIR/stack.env" | grep -v '^AWS_ENDPOINT_URL_S3='
  echo "AWS_ENDPOINT_URL_S3=$S3_FOR_FUNCTIONS"
  cat "$RUN_DIR/jwt/public.env"
  echo "TENURE_JWT_PRIVATE_KEY_FILE=$RUN_DIR/jwt/private.der"
  echo "TENURE_IP_RATE_LIMIT_PER_MINUTE=1000"
  echo "TENURE_BOOTSTRAP_ADMIN_EMAIL=$ADMIN_EMAIL"
  echo "TENURE_BOOTSTRAP_ADMIN_PASSWORD=$ADMIN_PASSWORD"
  echo "RUST_LOG=${RUST_LOG:-warn}"
) >"$FN_ENV"

# The same values in watch's own environment, so nothing inherited from a
# caller (scripts/test.sh has a stack of its own) can win over the file.
export AWS_ENDPOINT_URL_S3="$S3_FOR_FUNCTIONS" TENURE_JWT_PRIVATE_KEY_FILE="$RUN_DIR/jwt/private.der" \
  TENURE_IP_RATE_LIMIT_PER_MINUTE=1000 RUST_LOG="${RUST_LOG:-warn}" \
  TENURE_BOOTSTRAP_ADMIN_EMAIL="$ADMIN_EMAIL" TENURE_BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PASSWORD"
(
  cd "$ROOT"
  exec cargo-lambda lambda watch --invoke-address 127.0.0.1 --invoke-port "$PORT" --env-file "$FN_ENV" --ignore-changes
) >"$RUN_DIR/watch.log" 2>&1 </dev/null &
echo $! >"$RUN_DIR/watch.pid"
wait_port "$PORT" "$!" "$WATCH_MARKER" "cargo lambda watch" "$RUN_DIR/watch.log" 120

# Start every HTTP function once (watch starts each on its first request).
warm=()
for path in / /status /docs /auth/me /auth/admin/users /companies/x /audit /leavers /alerts /documents; do
  curl -s -o /dev/null -m 120 "$ORIGIN$path" &
  warm+=($!)
done
# The upload trigger too, with an event that names no object.
curl -s -o /dev/null -m 120 -XPOST "$ORIGIN/2015-03-31/functions/document-uploaded/invocations" -d '{"Records":[]}' &
warm+=($!)
wait "${warm[@]}" || true
log "stack and functions ready in $((SECONDS - t0))s; console at $ORIGIN"

export BASE_URL="$ORIGIN"
export SAMPLE_PDF="$ROOT/tests/fixtures/documents/sample.pdf"
export ARTIFACT_DIR="$RUN_DIR/artifacts"
mkdir -p "$ARTIFACT_DIR" "$SCREENSHOT_DIR"
rc=0
(cd "$ROOT" && node tests/browser/console.test.mjs) || rc=$?
if ((rc)); then
  log "failed; watch log (last 40 lines):"
  tail -n 40 "$RUN_DIR/watch.log" | sed 's/^/    /' >&2
  if [[ -z "${KEEP_RUN_DIR:-}" ]]; then
    log "rerun with KEEP_RUN_DIR=1 to keep the logs and failure screenshots"
  fi
fi
log "done in $((SECONDS - t0))s"
exit "$rc"
