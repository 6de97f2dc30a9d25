#!/usr/bin/env bash
# make test: every test, against a throwaway local stack.
#
# Installs the tools, starts DynamoDB Local in memory and the local S3
# endpoint on free ports (so a running `make dev` is left alone), creates the
# table and bucket, then runs
#   1. cargo test --workspace      (integration tests read the stack's env)
#   2. scripts/lambda-tests.sh     (the functions through cargo lambda watch/invoke)
#   3. cfn-lint template.yaml      (skipped, with a message, while there is none)
# and stops the stack whatever happened. Exits non-zero if any step failed.
# Extra arguments go to cargo test (e.g. `scripts/test.sh -- --nocapture`).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=test

mkdir -p "$RUN_BASE"
RUN_DIR="$(mktemp -d "$RUN_BASE/test-XXXXXX")"
export STACK_RUN_DIR="$RUN_DIR"

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  "$ROOT/scripts/stack.sh" stop test || true
  rm -rf "$RUN_DIR"
  exit "$rc"
}

t0=$SECONDS
"$ROOT/scripts/install.sh"
use_venv
build_devstack

trap cleanup EXIT
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
log "stack ready in $((SECONDS - t0))s"

failed=()

log "cargo test --workspace"
if ! (cd "$ROOT" && cargo test --workspace "$@"); then
  failed+=("cargo test")
fi

if ! "$ROOT/scripts/lambda-tests.sh"; then
  failed+=("lambda tests")
fi

if [[ -f "$ROOT/template.yaml" ]]; then
  log "cfn-lint template.yaml"
  if ! (cd "$ROOT" && cfn-lint template.yaml); then
    failed+=("cfn-lint")
  fi
else
  log "cfn-lint skipped: there is no template.yaml yet"
fi

if ((${#failed[@]})); then
  log "FAILED: ${failed[*]}"
  exit 1
fi
log "all test steps passed in $((SECONDS - t0))s"
