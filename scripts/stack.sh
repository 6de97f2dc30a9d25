#!/usr/bin/env bash
# The local endpoints: DynamoDB Local (java, loopback only) and the local S3
# endpoint (devstack s3: s3s-fs with SigV4 checked), as background processes.
#
#   scripts/stack.sh start dev    DynamoDB on disk (.local/dynamodb), S3 in .local/s3,
#                                 ports DYNAMODB_PORT (8000) and S3_PORT (9000)
#   scripts/stack.sh start test   DynamoDB in memory, S3 in a scratch folder, free ports
#   scripts/stack.sh stop         stops exactly the processes start started (PID files)
#   scripts/stack.sh status
#
# S3_NOTIFY_URL, if set, receives an S3 ObjectCreated event for every object
# written under a trigger's prefix, `{function}` replaced by that trigger
# (devstack s3 --notify-url); make dev points it at the functions under watch.
# STACK_RUN_DIR (default .local/run/<mode>) holds the PID files, logs and
# stack.env, the environment for clients of this stack (endpoints, dummy
# credentials, region, table and bucket). Source it with `set -a`.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=stack

usage() { sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

cmd="${1:-}"
mode="${2:-${STACK_MODE:-dev}}"
case "$mode" in dev | test) ;; *) usage ;; esac
RUN_DIR="${STACK_RUN_DIR:-$RUN_BASE/$mode}"

DDB_MARKER="LoopbackDynamoDBLocal"
S3_MARKER="devstack s3"

start_dynamodb() {
  local port="$1" logfile="$RUN_DIR/dynamodb.log" storage
  if [[ "$mode" == dev ]]; then
    mkdir -p "$LOCAL_DIR/dynamodb"
    storage=(-dbPath "$LOCAL_DIR/dynamodb")
  else
    storage=(-inMemory)
  fi
  # -sharedDb: one database whatever the credentials and region of the
  # client, so every function, test and tool sees the same tables.
  java -Dtenure.bind=127.0.0.1 -Xms64m -Xmx512m \
    -Djava.library.path="$DDB_DIR/DynamoDBLocal_lib" \
    -cp "$DDB_LAUNCHER_DIR:$DDB_DIR/DynamoDBLocal.jar" \
    "$DDB_MARKER" -port "$port" -sharedDb -disableTelemetry "${storage[@]}" \
    >"$logfile" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/dynamodb.pid"
  wait_http "http://127.0.0.1:$port/" "$!" "$DDB_MARKER" "DynamoDB Local" "$logfile" 60 || return 1
  log "DynamoDB Local 3.3.1 on 127.0.0.1:$port (${storage[*]}), pid $(cat "$RUN_DIR/dynamodb.pid")"
}

start_s3() {
  local port="$1" root logfile="$RUN_DIR/s3.log"
  if [[ "$mode" == dev ]]; then
    root="$LOCAL_DIR/s3"
  else
    root="$RUN_DIR/s3"
  fi
  mkdir -p "$root"
  local notify=()
  if [[ -n "${S3_NOTIFY_URL:-}" ]]; then
    notify=(--notify-url "$S3_NOTIFY_URL")
  fi
  "$DEVSTACK" s3 --addr "127.0.0.1:$port" --root "$root" \
    --access-key "$LOCAL_ACCESS_KEY_ID" --secret-key "$LOCAL_SECRET_ACCESS_KEY" "${notify[@]}" \
    >"$logfile" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/s3.pid"
  wait_http "http://127.0.0.1:$port/" "$!" "$S3_MARKER" "local S3" "$logfile" 30 || return 1
  log "local S3 (s3s-fs, SigV4 required) on 127.0.0.1:$port, root $root, pid $(cat "$RUN_DIR/s3.pid")"
}

write_env() {
  local ddb_port="$1" s3_port="$2"
  cat >"$RUN_DIR/stack.env" <<EOF
# Written by scripts/stack.sh start $mode; local endpoints and dummy credentials only.
DYNAMODB_PORT=$ddb_port
S3_PORT=$s3_port
AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$ddb_port
AWS_ENDPOINT_URL_S3=http://127.0.0.1:$s3_port
AWS_ACCESS_KEY_ID=$LOCAL_ACCESS_KEY_ID
AWS_SECRET_ACCESS_KEY=$LOCAL_SECRET_ACCESS_KEY
AWS_REGION=$LOCAL_REGION
AWS_DEFAULT_REGION=$LOCAL_REGION
AWS_EC2_METADATA_DISABLED=true
TENURE_TABLE=${TENURE_TABLE:-tenure}
TENURE_BUCKET=${TENURE_BUCKET:-tenure-documents-local}
EOF
}

running() {
  local name="$1" marker="$2"
  [[ -f "$RUN_DIR/$name.pid" ]] && pid_alive "$(cat "$RUN_DIR/$name.pid")" "$marker"
}

do_start() {
  local ddb_port s3_port
  mkdir -p "$RUN_DIR"
  if running dynamodb "$DDB_MARKER" || running s3 "$S3_MARKER"; then
    die "a $mode stack is already running (PID files in $RUN_DIR); stop it with: scripts/stack.sh stop $mode"
  fi
  [[ -f "$DDB_LAUNCHER_DIR/LoopbackDynamoDBLocal.class" ]] || die "tools not installed; run scripts/install.sh"
  [[ -x "$DEVSTACK" ]] || die "$DEVSTACK is not built; run: cargo build -p devstack"
  if [[ "$mode" == dev ]]; then
    ddb_port="${DYNAMODB_PORT:-8000}"
    s3_port="${S3_PORT:-9000}"
    for p in "$ddb_port" "$s3_port"; do
      port_in_use "$p" && die "port $p on 127.0.0.1 is taken; set DYNAMODB_PORT / S3_PORT to others"
    done
  else
    ddb_port="$(free_port)"
    s3_port="$(free_port)"
    while [[ "$s3_port" == "$ddb_port" ]]; do s3_port="$(free_port)"; done
  fi
  if ! start_dynamodb "$ddb_port" || ! start_s3 "$s3_port"; then
    do_stop
    die "the $mode stack did not start"
  fi
  write_env "$ddb_port" "$s3_port"
  log "stack env: $RUN_DIR/stack.env"
}

do_stop() {
  # A `make dev` that was killed outright leaves its watch behind too.
  if [[ -f "$RUN_DIR/watch.pid" ]]; then
    stop_pid "$(cat "$RUN_DIR/watch.pid")" "lambda watch --invoke-address 127.0.0.1" "cargo lambda watch"
    rm -f "$RUN_DIR/watch.pid"
  fi
  if [[ -f "$RUN_DIR/s3.pid" ]]; then
    stop_pid "$(cat "$RUN_DIR/s3.pid")" "$S3_MARKER" "local S3"
    rm -f "$RUN_DIR/s3.pid"
  fi
  if [[ -f "$RUN_DIR/dynamodb.pid" ]]; then
    stop_pid "$(cat "$RUN_DIR/dynamodb.pid")" "$DDB_MARKER" "DynamoDB Local"
    rm -f "$RUN_DIR/dynamodb.pid"
  fi
  rm -f "$RUN_DIR/stack.env"
  # A test stack's S3 data lives in its run folder: throw it away.
  if [[ "$mode" == test ]]; then
    rm -rf "$RUN_DIR/s3"
  fi
}

do_status() {
  local name marker
  for name in dynamodb s3; do
    marker="$DDB_MARKER"
    [[ "$name" == s3 ]] && marker="$S3_MARKER"
    if running "$name" "$marker"; then
      echo "$name: running, pid $(cat "$RUN_DIR/$name.pid")"
    else
      echo "$name: stopped"
    fi
  done
  [[ -f "$RUN_DIR/stack.env" ]] && grep '^AWS_ENDPOINT' "$RUN_DIR/stack.env" || true
}

case "$cmd" in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  *) usage ;;
esac
