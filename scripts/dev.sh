#!/usr/bin/env bash
# make dev: the whole API on http://127.0.0.1:${PORT:-3000}, in the foreground.
#
# Installs the tools (scripts/install.sh), makes the local signing key
# (.local/jwt), starts DynamoDB Local on disk (.local/dynamodb) and the local
# S3 endpoint (.local/s3), creates the table and bucket, then runs
# `cargo lambda watch` with the router from Cargo.toml
# ([workspace.metadata.lambda.watch.router]), so every route reaches the
# function that serves it, rebuilt on change. Ctrl-C or SIGTERM stops
# everything this script started, by PID.
#
# Env: PORT (3000), DYNAMODB_PORT (8000), S3_PORT (9000), TENURE_TABLE,
# TENURE_BUCKET, TENURE_BOOTSTRAP_ADMIN_EMAIL / _PASSWORD (passed on to the
# functions when set),
# RUST_LOG.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=dev

PORT="${PORT:-3000}"
RUN_DIR="$RUN_BASE/dev"
export STACK_RUN_DIR="$RUN_DIR"
WATCH_MARKER="lambda watch --invoke-address 127.0.0.1 --invoke-port $PORT"

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  log "stopping"
  if [[ -f "$RUN_DIR/watch.pid" ]]; then
    stop_pid "$(cat "$RUN_DIR/watch.pid")" "$WATCH_MARKER" "cargo lambda watch"
    rm -f "$RUN_DIR/watch.pid"
  fi
  "$ROOT/scripts/stack.sh" stop dev || true
  log "stopped everything make dev started"
  exit "$rc"
}

"$ROOT/scripts/install.sh"
use_venv
mkdir -p "$RUN_DIR"
port_in_use "$PORT" && die "port $PORT on 127.0.0.1 is taken; set PORT to another"
if [[ -f "$RUN_DIR/watch.pid" ]] && pid_alive "$(cat "$RUN_DIR/watch.pid")" "lambda watch"; then
  die "make dev is already running (pid $(cat "$RUN_DIR/watch.pid")); stop it first (make stop)"
fi

# Every function built up front, one package at a time as watch builds
# them, so no first request waits on a compile.
build_devstack
build_functions_for_watch

"$DEVSTACK" keygen --out "$LOCAL_DIR/jwt" >/dev/null

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Objects created in the local bucket run the real trigger functions, as the
# bucket's notifications do on AWS: the S3 endpoint posts the ObjectCreated
# event to the invoke endpoint under watch of the function its prefix names
# (uploads/ -> document-uploaded, imports/ -> import-uploaded).
export S3_NOTIFY_URL="http://127.0.0.1:$PORT/2015-03-31/functions/{function}/invocations"
log "uploads to the bucket will run their trigger functions (document-uploaded, import-uploaded)"

"$ROOT/scripts/stack.sh" start dev
set -a
source "$RUN_DIR/stack.env"
source "$LOCAL_DIR/jwt/public.env"
set +a
"$DEVSTACK" init

# The functions' environment under watch: cargo-lambda passes --env-file to
# every function it starts (on top of the environment it inherits).
FN_ENV="$RUN_DIR/functions.env"
(
  umask 077
  grep -v '^#' "$RUN_DIR/stack.env"
  cat "$LOCAL_DIR/jwt/public.env"
  echo "TENURE_JWT_PRIVATE_KEY_FILE=$LOCAL_DIR/jwt/private.der"
  echo "RUST_LOG=${RUST_LOG:-info}"
  if [[ -n "${TENURE_BOOTSTRAP_ADMIN_EMAIL:-}" ]]; then
    echo "TENURE_BOOTSTRAP_ADMIN_EMAIL=$TENURE_BOOTSTRAP_ADMIN_EMAIL"
  fi
  if [[ -n "${TENURE_BOOTSTRAP_ADMIN_PASSWORD:-}" ]]; then
    echo "TENURE_BOOTSTRAP_ADMIN_PASSWORD=$TENURE_BOOTSTRAP_ADMIN_PASSWORD"
  fi
) >"$FN_ENV"

log "starting cargo lambda watch on 127.0.0.1:$PORT"
(
  cd "$ROOT"
  exec cargo-lambda lambda watch --invoke-address 127.0.0.1 --invoke-port "$PORT" --env-file "$FN_ENV"
) </dev/null &
echo $! >"$RUN_DIR/watch.pid"
wait_port "$PORT" "$(cat "$RUN_DIR/watch.pid")" "$WATCH_MARKER" "cargo lambda watch" /dev/null 120

cat >&2 <<EOF

  Tenure is ready at http://127.0.0.1:$PORT   (try: curl http://127.0.0.1:$PORT/status)
  DynamoDB Local $AWS_ENDPOINT_URL_DYNAMODB (data in .local/dynamodb), table $TENURE_TABLE
  S3 $AWS_ENDPOINT_URL_S3 (data in .local/s3), bucket $TENURE_BUCKET
  Functions are rebuilt when their code changes. Ctrl-C stops everything.

EOF

# `wait` returns as soon as a trapped signal arrives, so the trap runs at once.
set +e
wait "$(cat "$RUN_DIR/watch.pid")"
rc=$?
set -e
log "cargo lambda watch exited ($rc)"
exit "$rc"
