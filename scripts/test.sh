#!/usr/bin/env bash
# make test: every test, against a throwaway local stack.
#
# Installs the tools, starts DynamoDB Local in memory and the local S3
# endpoint on free ports (so a running `make dev` is left alone), creates the
# table and bucket, then runs
#   1. cargo test --workspace      (integration tests read the stack's env)
#   2. scripts/lambda-tests.sh     (the functions through cargo lambda watch/invoke)
#   3. scripts/checks.sh           (the static checks: fmt, HCL, zizmor, cfn-lint,
#                                   checkov, clippy; one line each)
#   4. scripts/browser-tests.sh    (the web console in Debian's chromium, on a
#                                   stack of its own; screenshots to the scratch dir)
#   5. scripts/api-fuzz.sh         (schemathesis: every operation of /openapi.json
#                                   against the contract, on a stack of its own)
# and stops the stack whatever happened. Exits non-zero if any step failed.
# Extra arguments go to cargo test (e.g. `scripts/test.sh -- --nocapture`).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=test

t0=$SECONDS
"$ROOT/scripts/install.sh"
use_venv
build_devstack
start_throwaway_stack test
log "stack ready in $((SECONDS - t0))s"

failed=()

log "cargo test --workspace"
if ! (cd "$ROOT" && cargo test --workspace "$@"); then
  failed+=("cargo test")
fi

if ! "$ROOT/scripts/lambda-tests.sh"; then
  failed+=("lambda tests")
fi

log "static checks: scripts/checks.sh"
if ! "$ROOT/scripts/checks.sh"; then
  failed+=("checks")
fi

# The committed screenshots (docs/screenshots) are refreshed by running
# scripts/browser-tests.sh by itself; here they go to the scratch dir.
if ! SCREENSHOT_DIR="$RUN_DIR/screenshots" "$ROOT/scripts/browser-tests.sh"; then
  failed+=("browser tests")
fi

if ! "$ROOT/scripts/api-fuzz.sh"; then
  failed+=("api fuzz")
fi

if ((${#failed[@]})); then
  log "FAILED: ${failed[*]}"
  exit 1
fi
log "all test steps passed in $((SECONDS - t0))s"
