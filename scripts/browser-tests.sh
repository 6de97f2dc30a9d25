#!/usr/bin/env bash
# The web console in a real browser: Debian's chromium, driven by npm
# playwright-core, against the whole API as `make dev` serves it.
#
# Starts, all on free ports and all its own (a running `make dev` or
# `make test` stack is left alone):
#   - a throwaway stack (scripts/stack.sh start test: DynamoDB Local in
#     memory, the local S3 endpoint) whose S3 endpoint posts ObjectCreated
#     events to the trigger functions under watch (--notify-url,
#     as scripts/dev.sh does), so uploads become available by themselves;
#   - `cargo lambda watch` serving every function with the router of the
#     root Cargo.toml;
#   - only while the local S3 endpoint does not answer CORS preflights:
#     tests/browser/s3-cors-proxy.mjs in front of it, answering them as the
#     bucket's CORS rule in template.yaml does (see "Web console" in README);
# then runs `node tests/browser/console.test.mjs` (a person's path through
# the console, role by role) and `node tests/browser/a11y.test.mjs`
# (axe-core on every page of the console: any serious or critical
# violation fails) and stops everything it started, by PID. Both run even
# when the first fails; the exit status is non-zero if either failed.
#
#   scripts/browser-tests.sh              both
#   scripts/browser-tests.sh a11y         only tests/browser/a11y.test.mjs
#                                         (NAME: tests/browser/NAME.test.mjs)
#
# Screenshots go to SCREENSHOT_DIR (default docs/screenshots; scripts/test.sh
# points it at its scratch folder so `make test` leaves the tree clean).
# KEEP_RUN_DIR=1 keeps the logs. Prints `browser: N passed, N failed`
# (console.test.mjs, by step) and `browser a11y: N passed, N failed` (by page).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=browser-tests

tests=("$@")
((${#tests[@]})) || tests=(console a11y)
for t in "${tests[@]}"; do
  [[ -f "$ROOT/tests/browser/$t.test.mjs" ]] || die "no such browser test: tests/browser/$t.test.mjs"
done

t0=$SECONDS
"$ROOT/scripts/install.sh" venv node ddb browser
use_venv
command -v cargo-lambda >/dev/null || die "cargo-lambda is not installed; run scripts/install.sh"
[[ -x /usr/bin/chromium ]] || die "/usr/bin/chromium is missing; run scripts/install.sh"

export SCREENSHOT_DIR="${SCREENSHOT_DIR:-$ROOT/docs/screenshots}"
# A few people clicking through every page in a minute or two: more than a
# person's 100 requests a minute now and then. The limits themselves are
# tested by the API suite (tests/api/limits.rs), not here.
export TENURE_RATE_LIMIT_PER_MINUTE="${TENURE_RATE_LIMIT_PER_MINUTE:-1000}"
export TENURE_HEAVY_RATE_LIMIT_PER_MINUTE="${TENURE_HEAVY_RATE_LIMIT_PER_MINUTE:-500}"
serve_api_under_watch browser
log "stack and functions ready in $((SECONDS - t0))s; console at $ORIGIN"

export BASE_URL="$ORIGIN"
export SAMPLE_PDF="$ROOT/tests/fixtures/documents/sample.pdf"
export ARTIFACT_DIR="$RUN_DIR/artifacts"
mkdir -p "$ARTIFACT_DIR" "$SCREENSHOT_DIR"
rc=0
for t in "${tests[@]}"; do
  trc=0
  (cd "$ROOT" && node "tests/browser/$t.test.mjs") || trc=$?
  ((trc)) && log "tests/browser/$t.test.mjs failed (exit $trc)"
  ((rc)) || rc=$trc
done
if ((rc)); then
  log "failed; watch log (last 40 lines):"
  tail -n 40 "$RUN_DIR/watch.log" | sed 's/^/    /' >&2
  if [[ -z "${KEEP_RUN_DIR:-}" ]]; then
    log "rerun with KEEP_RUN_DIR=1 to keep the logs and failure screenshots"
  fi
fi
log "done in $((SECONDS - t0))s"
exit "$rc"
